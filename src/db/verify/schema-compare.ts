/**
 * Schema comparison: what exists in the app schemas on each side, read from the catalog with every name
 * qualified — tables (RLS enabled/forced, REPLICA IDENTITY, owner), columns (type, nullability, default, generation),
 * constraints, indexes, triggers, policies (command, roles, expressions), views (definition), sequences,
 * functions (result, language, volatility, security, settings, body), schemas (owner) and the privileges
 * on all of them (table, column, sequence, function and schema grants, per grantee) — then source minus
 * what the schema step deliberately dropped compared with the target. auth.users is the compat table on the
 * target: only the app's triggers on it are compared.
 *
 * Roles are compared as the migration maps them: the role that owns the app on each side (Supabase's
 * reserved roles on the source, the recorded owner role on the target) is `OWNER`; grants to Supabase's
 * platform roles are dropped by `db schema` on purpose and not compared; every other role by name.
 */
import type { PgClient } from '../../core/pg.ts';
import { isManagedSchema, isPlatformRole, isReservedRole, SUPA2AWS_SCHEMA } from '../supabase-facts.ts';
import type { DroppedObject } from '../transform/types.ts';

export type SchemaObjectKind =
  | 'schema'
  | 'table'
  | 'column'
  | 'constraint'
  | 'index'
  | 'trigger'
  | 'policy'
  | 'view'
  | 'function'
  | 'sequence'
  | 'grant';

export interface SchemaObject {
  kind: SchemaObjectKind;
  /** `schema.table` for objects on a table, `schema` for the rest; for a grant, the object granted on. */
  parent: string;
  /** For a grant: the grantee. */
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

/** How one side's roles are read: which role owns the app there. */
export interface RoleView {
  /** The target's owner role (recorded by `db schema`); on the source, Supabase's reserved roles own the app. */
  ownerRole?: string;
}

const norm = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

/** `OWNER` for the role that owns the app on this side, else the role's name. */
function roleLabel(role: string, view: RoleView): string {
  if (view.ownerRole !== undefined) return role === view.ownerRole ? 'OWNER' : role;
  return isReservedRole(role) && role !== 'anon' && role !== 'authenticated' && role !== 'service_role'
    ? 'OWNER'
    : role;
}

/** The objects whose owner is compared, with the SQL that names them. */
const OWNED = `
  SELECT CASE WHEN c.relkind IN ('r', 'p') THEN 'table' WHEN c.relkind = 'S' THEN 'sequence' ELSE 'view' END AS kind,
         n.nspname || '.' || c.relname AS object, pg_catalog.pg_get_userbyid(c.relowner) AS owner,
         pg_catalog.aclexplode(coalesce(c.relacl, pg_catalog.acldefault((CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))) AS acl
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  UNION ALL
  SELECT 'column', n.nspname || '.' || c.relname || '.' || a.attname, pg_catalog.pg_get_userbyid(c.relowner),
         pg_catalog.aclexplode(a.attacl)
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = ANY($1::text[]) AND a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'function', n.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
         pg_catalog.pg_get_userbyid(p.proowner),
         pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f'::"char", p.proowner)))
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname = ANY($1::text[])
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  UNION ALL
  SELECT 'schema', n.nspname, pg_catalog.pg_get_userbyid(n.nspowner),
         pg_catalog.aclexplode(coalesce(n.nspacl, pg_catalog.acldefault('n'::"char", n.nspowner)))
    FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1::text[])`;

/**
 * Grants per object and grantee: one `grant` object each, its definition the sorted privileges (`*` marks
 * WITH GRANT OPTION). The owner's own privileges and those of the other owner-side roles merge into `OWNER`;
 * grants to Supabase platform roles are left out (dropped by `db schema` on purpose).
 */
async function readGrants(client: PgClient, schemas: string[], view: RoleView): Promise<SchemaObject[]> {
  const { rows } = await client.query<{
    kind: string;
    object: string;
    owner: string;
    grantee: string;
    privilege: string;
    grantable: boolean;
  }>(
    `SELECT o.kind, o.object, o.owner,
            CASE WHEN (o.acl).grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid((o.acl).grantee) END AS grantee,
            (o.acl).privilege_type AS privilege, (o.acl).is_grantable AS grantable
       FROM (${OWNED}) o`,
    [schemas.filter((s) => s !== SUPA2AWS_SCHEMA)],
  );
  const byKey = new Map<string, { parent: string; grantee: string; privileges: Set<string> }>();
  for (const r of rows) {
    const grantee = r.grantee === r.owner ? 'OWNER' : roleLabel(r.grantee, view);
    if (grantee !== 'OWNER' && grantee !== 'PUBLIC' && isPlatformRole(grantee)) continue;
    const parent = `${r.kind} ${r.object}`;
    const k = `${parent}\u0000${grantee}`;
    const entry = byKey.get(k) ?? { parent, grantee, privileges: new Set<string>() };
    entry.privileges.add(`${r.privilege}${r.grantable ? '*' : ''}`);
    byKey.set(k, entry);
  }
  return [...byKey.values()].map((e) => ({
    kind: 'grant',
    parent: e.parent,
    name: e.grantee,
    definition: [...e.privileges].sort().join(','),
  }));
}

/**
 * Reads the comparable objects of `schemas` (and the app's triggers on auth.users). `view` says which role
 * owns the app on this side.
 */
export async function readSchemaObjects(
  client: PgClient,
  schemas: string[],
  view: RoleView = {},
): Promise<SchemaObject[]> {
  await client.query(`SELECT pg_catalog.set_config('search_path', '', false)`);
  const rel = `n.nspname = ANY($1::text[]) AND n.nspname <> '${SUPA2AWS_SCHEMA}'`;
  const notExtension = (catalog: string, oid: string) =>
    `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;
  const out: SchemaObject[] = [];
  type Row = { parent: string; name: string; def: string | null; ref?: string | null; owner?: string };
  const add = (kind: SchemaObjectKind, rows: Row[]) => {
    for (const r of rows)
      out.push({
        kind,
        parent: r.parent,
        name: r.name,
        definition: norm(`${r.def ?? ''}${r.owner ? ` owner ${roleLabel(r.owner, view)}` : ''}`),
        ...(r.ref ? { references: r.ref } : {}),
      });
  };
  const q = async (sql: string) => (await client.query<Row>(sql, [schemas])).rows;
  add(
    'schema',
    await q(`SELECT n.nspname AS parent, '' AS name, 'schema' AS def, pg_catalog.pg_get_userbyid(n.nspowner) AS owner
      FROM pg_catalog.pg_namespace n WHERE ${rel}`),
  );
  add(
    'table',
    await q(`SELECT n.nspname AS parent, c.relname AS name, pg_catalog.pg_get_userbyid(c.relowner) AS owner,
           c.relkind::text || CASE WHEN c.relrowsecurity THEN ' rls' ELSE '' END || CASE WHEN c.relforcerowsecurity THEN ' force' ELSE '' END
           || CASE c.relreplident WHEN 'f' THEN ' replica identity full' WHEN 'n' THEN ' replica identity nothing'
                WHEN 'i' THEN ' replica identity using index ' || coalesce((SELECT ic.relname FROM pg_catalog.pg_index i
                                JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid AND i.indisreplident), '(dropped)')
                ELSE '' END AS def
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE ${rel} AND c.relkind IN ('r', 'p', 'f') AND ${notExtension('pg_catalog.pg_class', 'c.oid')}`),
  );
  add(
    'view',
    await q(`SELECT n.nspname AS parent, c.relname AS name, pg_catalog.pg_get_userbyid(c.relowner) AS owner,
           c.relkind::text || ' ' || coalesce(pg_catalog.array_to_string(c.reloptions, ','), '') || ' ' || pg_catalog.pg_get_viewdef(c.oid) AS def
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE ${rel} AND c.relkind IN ('v', 'm') AND ${notExtension('pg_catalog.pg_class', 'c.oid')}`),
  );
  add(
    'sequence',
    await q(`SELECT n.nspname AS parent, c.relname AS name, pg_catalog.pg_get_userbyid(c.relowner) AS owner, 'S' AS def
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE ${rel} AND c.relkind = 'S' AND ${notExtension('pg_catalog.pg_class', 'c.oid')}`),
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
     WHERE ${rel} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
       AND ${notExtension('pg_catalog.pg_class', 'c.oid')}`),
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
    await q(`SELECT n.nspname || '.' || c.relname AS parent, t.tgname AS name,
           pg_catalog.pg_get_triggerdef(t.oid) || CASE t.tgenabled WHEN 'D' THEN ' disabled' WHEN 'R' THEN ' replica' WHEN 'A' THEN ' always' ELSE '' END AS def
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
           pg_catalog.pg_get_userbyid(p.proowner) AS owner,
           p.prokind::text || ' returns ' || coalesce(pg_catalog.pg_get_function_result(p.oid), '')
           || ' language ' || l.lanname || ' ' || p.provolatile::text
           || CASE WHEN p.prosecdef THEN ' security definer' ELSE ' security invoker' END
           || CASE WHEN p.proleakproof THEN ' leakproof' ELSE '' END
           || CASE WHEN p.proisstrict THEN ' strict' ELSE '' END
           || ' set ' || coalesce(pg_catalog.array_to_string(p.proconfig, ','), '')
           || ' body ' || md5(coalesce(p.prosrc, '')) AS def
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      JOIN pg_catalog.pg_language l ON l.oid = p.prolang
     WHERE ${rel} AND ${notExtension('pg_catalog.pg_proc', 'p.oid')}`),
  );
  out.push(...(await readGrants(client, schemas, view)));
  return out;
}

const key = (o: Pick<SchemaObject, 'kind' | 'parent' | 'name'>) => `${o.kind} ${o.parent}.${o.name}`;

/** How a difference names the object: `public.projects.title`, `schema billing`, `table public.x to anon`. */
function objectName(o: SchemaObject): string {
  if (o.kind === 'schema') return o.parent;
  if (o.kind === 'grant') return `${o.parent} to ${o.name}`;
  return `${o.parent}.${o.name}`;
}

/** The object a grant is on, as the catalog reader names it (to ask whether it was dropped on purpose). */
function grantedObject(o: SchemaObject): SchemaObject {
  const space = o.parent.indexOf(' ');
  const kind = o.parent.slice(0, space) as SchemaObjectKind;
  const qualified = o.parent.slice(space + 1);
  if (kind === 'schema') return { kind, parent: qualified, name: '', definition: '' };
  // column grants name `schema.table.column`; the rest `schema.name` (a function's arguments may hold dots).
  const dot = kind === 'column' ? qualified.lastIndexOf('.') : qualified.indexOf('.');
  return { kind, parent: qualified.slice(0, dot), name: qualified.slice(dot + 1), definition: '' };
}

/** A source object the schema step dropped on purpose (or that points into a Supabase-managed table). */
function expectedMissing(o: SchemaObject, dropped: DroppedObject[], rls: 'keep' | 'drop'): boolean {
  if (o.kind === 'grant') return expectedMissing(grantedObject(o), dropped, rls);
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

/** Table privileges newer than some servers: a server older than that cannot hold them. */
const PRIVILEGE_SINCE: Record<string, number> = { MAINTAIN: 17 };

/**
 * Privileges one side's server has and the other's cannot (MAINTAIN exists from PostgreSQL 17: a Supabase 17
 * project and RDS 16, either way), left out of the grant comparison.
 */
export function privilegesNotOnBoth(sourceMajor: number, targetMajor: number): string[] {
  return Object.entries(PRIVILEGE_SINCE)
    .filter(
      ([, since]) =>
        Math.max(sourceMajor, targetMajor) >= since && Math.min(sourceMajor, targetMajor) < since,
    )
    .map(([privilege]) => privilege);
}

/** A grant's definition without the privileges named. */
function withoutPrivileges(o: SchemaObject, privileges: string[]): SchemaObject {
  if (o.kind !== 'grant' || privileges.length === 0) return o;
  const kept = o.definition.split(',').filter((p) => !privileges.includes(p.replace(/\*$/, '')));
  return { ...o, definition: kept.join(',') };
}

export function compareSchemas(
  sourceObjects: SchemaObject[],
  targetObjects: SchemaObject[],
  options: {
    dropped: DroppedObject[];
    rls: 'keep' | 'drop';
    /** Privileges one of the two servers does not have (privilegesNotOnBoth). @default [] */
    notOnBoth?: string[];
  },
): SchemaDifference[] {
  const source = sourceObjects.map((o) => withoutPrivileges(o, options.notOnBoth ?? []));
  const target = targetObjects.map((o) => withoutPrivileges(o, options.notOnBoth ?? []));
  const targetByKey = new Map(target.map((o) => [key(o), o]));
  const sourceKeys = new Set(source.map(key));
  const out: SchemaDifference[] = [];
  for (const o of source) {
    const t = targetByKey.get(key(o));
    const object = objectName(o);
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
      out.push({ kind: t.kind, object: objectName(t), problem: 'extra on target', target: t.definition });
  }
  return out;
}
