/**
 * Schema comparison: tables, columns (type, nullability, default, generation), constraints, indexes,
 * triggers and policies of the app schemas, read from each side's catalog with every name qualified, then
 * source minus what the schema step deliberately dropped compared with the target. auth.users is the compat
 * table on the target: only its presence and its triggers are compared.
 */
import type { PgClient } from '../pg.ts';
import { isManagedSchema, SUPA2AWS_SCHEMA } from '../supabase-facts.ts';
import type { DroppedObject } from '../transform/types.ts';

export type SchemaObjectKind =
  'table' | 'column' | 'constraint' | 'index' | 'trigger' | 'policy' | 'view' | 'function' | 'sequence';

export interface SchemaObject {
  kind: SchemaObjectKind;
  /** `schema.table` for objects on a table, `schema` for the rest. */
  parent: string;
  name: string;
  /** The definition compared (whitespace-normalised). */
  definition: string;
  /** For foreign keys: the referenced table, `schema.table`. */
  references?: string;
}

export interface SchemaDifference {
  kind: SchemaObjectKind;
  object: string;
  problem: 'missing on target' | 'extra on target' | 'differs';
  source?: string;
  target?: string;
}

const norm = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

/** Reads the comparable objects of `schemas` (and the app's triggers on auth.users). */
export async function readSchemaObjects(client: PgClient, schemas: string[]): Promise<SchemaObject[]> {
  await client.query(`SELECT pg_catalog.set_config('search_path', '', false)`);
  const rel = `n.nspname = ANY($1::text[]) AND n.nspname <> '${SUPA2AWS_SCHEMA}'`;
  const out: SchemaObject[] = [];
  type Row = { parent: string; name: string; def: string | null; ref?: string | null };
  const add = (kind: SchemaObjectKind, rows: Row[]) => {
    for (const r of rows)
      out.push({
        kind,
        parent: r.parent,
        name: r.name,
        definition: norm(r.def),
        ...(r.ref ? { references: r.ref } : {}),
      });
  };
  const q = async (sql: string) => (await client.query<Row>(sql, [schemas])).rows;
  add(
    'table',
    await q(`SELECT n.nspname AS parent, c.relname AS name, c.relkind::text || CASE WHEN c.relrowsecurity THEN ' rls' ELSE '' END || CASE WHEN c.relforcerowsecurity THEN ' force' ELSE '' END AS def
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE ${rel} AND c.relkind IN ('r', 'p')`),
  );
  add(
    'view',
    await q(`SELECT n.nspname AS parent, c.relname AS name, c.relkind::text AS def
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE ${rel} AND c.relkind IN ('v', 'm')`),
  );
  add(
    'sequence',
    await q(`SELECT n.nspname AS parent, c.relname AS name, 'S' AS def
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE ${rel} AND c.relkind = 'S'`),
  );
  add(
    'column',
    await q(`SELECT n.nspname || '.' || c.relname AS parent, a.attname AS name,
           pg_catalog.format_type(a.atttypid, a.atttypmod)
           || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
           || CASE WHEN a.attgenerated = 's' THEN ' generated ' ELSE ' default ' END
           || coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '')
           || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END AS def
      FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE ${rel} AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped`),
  );
  add(
    'constraint',
    await q(`SELECT n.nspname || '.' || c.relname AS parent, con.conname AS name,
           pg_catalog.pg_get_constraintdef(con.oid) AS def,
           (SELECT rn.nspname || '.' || rc.relname FROM pg_catalog.pg_class rc
              JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace WHERE rc.oid = con.confrelid) AS ref
      FROM pg_catalog.pg_constraint con
      JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE ${rel}`),
  );
  add(
    'index',
    await q(`SELECT n.nspname || '.' || c.relname AS parent, ic.relname AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS def
      FROM pg_catalog.pg_index i
      JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
      JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE ${rel}`),
  );
  add(
    'trigger',
    await q(`SELECT n.nspname || '.' || c.relname AS parent, t.tgname AS name, pg_catalog.pg_get_triggerdef(t.oid) AS def
      FROM pg_catalog.pg_trigger t
      JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
      JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
     WHERE NOT t.tgisinternal
       AND (${rel} OR (n.nspname = 'auth' AND c.relname = 'users' AND pn.nspname = ANY($1::text[])))`),
  );
  add(
    'policy',
    await q(`SELECT p.schemaname || '.' || p.tablename AS parent, p.policyname AS name,
           p.permissive || ' ' || p.cmd || ' to ' || array_to_string(ARRAY(SELECT unnest(p.roles) ORDER BY 1), ',')
           || ' using ' || coalesce(p.qual, '') || ' check ' || coalesce(p.with_check, '') AS def
      FROM pg_catalog.pg_policies p WHERE p.schemaname = ANY($1::text[])`),
  );
  add(
    'function',
    await q(`SELECT n.nspname AS parent, p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS name,
           pg_catalog.pg_get_function_result(p.oid) AS def
      FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
     WHERE ${rel}
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`),
  );
  return out;
}

const key = (o: Pick<SchemaObject, 'kind' | 'parent' | 'name'>) => `${o.kind} ${o.parent}.${o.name}`;

/** A source object the schema step dropped on purpose (or that points into a Supabase-managed table). */
function expectedMissing(o: SchemaObject, dropped: DroppedObject[], rls: 'keep' | 'drop'): boolean {
  if (rls === 'drop' && o.kind === 'policy') return true;
  if (o.kind === 'constraint' && o.references) {
    const [schema, table] = o.references.split('.');
    if (isManagedSchema(schema) && !(schema === 'auth' && table === 'users')) return true;
  }
  return dropped.some((d) => {
    const parent = d.table ? `${d.table.schema ?? 'public'}.${d.table.name}` : (d.schema ?? 'public');
    const kind = d.kind === 'view' ? 'view' : d.kind;
    if (kind === o.kind && d.name === o.name.replace(/\(.*$/, '') && (parent === o.parent || !d.table))
      return true;
    // Everything on a dropped table goes with it.
    return d.kind === 'table' && o.parent === `${d.schema ?? 'public'}.${d.name}`;
  });
}

export function compareSchemas(
  source: SchemaObject[],
  target: SchemaObject[],
  options: { dropped: DroppedObject[]; rls: 'keep' | 'drop' },
): SchemaDifference[] {
  const targetByKey = new Map(target.map((o) => [key(o), o]));
  const sourceKeys = new Set(source.map(key));
  const out: SchemaDifference[] = [];
  for (const o of source) {
    const t = targetByKey.get(key(o));
    const object = `${o.parent}.${o.name}`;
    if (!t) {
      if (!expectedMissing(o, options.dropped, options.rls))
        out.push({ kind: o.kind, object, problem: 'missing on target', source: o.definition });
      continue;
    }
    // RLS flags on a table are expected to be off on the target with --rls drop.
    const sourceDef =
      options.rls === 'drop' && o.kind === 'table' ? o.definition.replace(/ rls| force/g, '') : o.definition;
    const targetDef =
      options.rls === 'drop' && o.kind === 'table' ? t.definition.replace(/ rls| force/g, '') : t.definition;
    if (sourceDef !== targetDef)
      out.push({ kind: o.kind, object, problem: 'differs', source: o.definition, target: t.definition });
  }
  for (const t of target) {
    if (!sourceKeys.has(key(t)))
      out.push({
        kind: t.kind,
        object: `${t.parent}.${t.name}`,
        problem: 'extra on target',
        target: t.definition,
      });
  }
  return out;
}
