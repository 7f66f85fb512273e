/**
 * What the source holds that matters for the move, straight from its catalog: extensions and what uses
 * them, the app's objects that reach into Supabase (auth.*, storage.*, net.*, vault.*...), event triggers,
 * publications, grants to reserved roles, keys, generated columns, sequences, sizes.
 * Expressions and function bodies are read with the PostgreSQL parser.
 */
import { analyzeStatement, collectRefs, display, emptyRefs, type Refs } from '../sql/analyze.ts';
import { loadParser, parseSql } from '../sql/parser.ts';
import { splitSql } from '../sql/split.ts';
import { isReservedRole } from '../supabase-facts.ts';
import type { PgClient } from '../../core/pg.ts';

export interface AppObjectRefs {
  /** e.g. `function public.notify()`, `policy "x" on public.t`, `default of public.t.id`. */
  object: string;
  kind: 'function' | 'policy' | 'default' | 'view' | 'trigger' | 'column type';
  /** References it makes in an expression or body. */
  refs: Refs;
  /** True for function bodies: problems there show at run time, not at creation. */
  body: boolean;
  /** The table a policy is on, `schema.table`. */
  on?: string;
}

export interface Inventory {
  version: string;
  major: number;
  user: { name: string; superuser: boolean; bypassRls: boolean; createRole: boolean };
  databaseBytes: number;
  extensions: Array<{ name: string; version: string; schema: string }>;
  /** `schema.name` of functions, types and relations owned by each extension. */
  extensionMembers: Record<string, string>;
  objects: AppObjectRefs[];
  policies: Array<{ table: string; name: string; roles: string[]; cmd: string }>;
  foreignKeys: Array<{ table: string; name: string; references: string }>;
  managedTableTriggers: Array<{ table: string; name: string; function: string }>;
  eventTriggers: Array<{ name: string; event: string; function: string; owner: string }>;
  publications: Array<{ name: string; allTables: boolean; tables: string[] }>;
  grants: Array<{ role: string; objects: number }>;
  generatedColumns: string[];
  sequences: Array<{ sequence: string; lastValue: string | null }>;
  cronJobs: number | null;
}

function exprRefs(expression: string): Refs {
  try {
    const refs = emptyRefs();
    for (const stmt of parseSql(`SELECT ${expression}`).stmts) collectRefs(stmt.stmt, refs);
    return refs;
  } catch {
    return emptyRefs();
  }
}

function sqlRefs(sql: string): Refs {
  try {
    const refs = emptyRefs();
    for (const stmt of parseSql(sql).stmts) collectRefs(stmt.stmt, refs);
    return refs;
  } catch {
    return emptyRefs();
  }
}

/** A catalog query with the app schemas as $1 unless other parameters are given. */
type Query = <T extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;

/** The server, the connected user, and the extensions with what each owns. */
async function readServer(q: Query) {
  const [info] = await q<{
    version: string;
    num: string;
    name: string;
    superuser: boolean;
    bypass: boolean;
    createrole: boolean;
    size: string;
  }>(
    `SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num,
            r.rolname AS name, r.rolsuper AS superuser, r.rolbypassrls AS bypass, r.rolcreaterole AS createrole,
            pg_catalog.pg_database_size(current_database()) AS size
       FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`,
    [],
  );
  const extensions = await q<{ name: string; version: string; schema: string }>(
    `SELECT e.extname AS name, e.extversion AS version, n.nspname AS schema
       FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace ORDER BY 1`,
    [],
  );
  const members = await q<{ obj: string; ext: string }>(
    `SELECT n.nspname || '.' || coalesce(p.proname, t.typname, c.relname) AS obj, e.extname AS ext
       FROM pg_catalog.pg_depend d
       JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND d.refclassid = 'pg_catalog.pg_extension'::regclass
       LEFT JOIN pg_catalog.pg_proc p ON d.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.objid
       LEFT JOIN pg_catalog.pg_type t ON d.classid = 'pg_catalog.pg_type'::regclass AND t.oid = d.objid
       LEFT JOIN pg_catalog.pg_class c ON d.classid = 'pg_catalog.pg_class'::regclass AND c.oid = d.objid
       JOIN pg_catalog.pg_namespace n ON n.oid = coalesce(p.pronamespace, t.typnamespace, c.relnamespace)
      WHERE d.deptype = 'e'`,
    [],
  );
  const extensionMembers: Record<string, string> = {};
  for (const m of members) extensionMembers[m.obj] = m.ext;
  return { info, extensions, extensionMembers };
}

/** Functions of the app schemas with the references their bodies make. */
async function functionObjects(q: Query): Promise<AppObjectRefs[]> {
  const objects: AppObjectRefs[] = [];
  const functions = await q<{ name: string; def: string }>(
    `SELECT n.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS name,
            pg_catalog.pg_get_functiondef(p.oid) AS def
       FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = ANY($1::text[]) AND p.prokind IN ('f', 'p')
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`,
  );
  for (const fn of functions) {
    try {
      const [statement] = splitSql(fn.def, fn.name).statements;
      if (!statement) continue;
      const info = analyzeStatement(statement);
      const refs = info.bodyRefs ?? emptyRefs();
      refs.types.push(...info.refs.types);
      objects.push({ object: `function ${fn.name}`, kind: 'function', refs, body: true });
    } catch {
      // A definition the parser cannot read: nothing known about its references.
    }
  }
  return objects;
}

/** Policies (on the app schemas, auth and storage) with the references their expressions make. */
async function readPolicies(q: Query) {
  const policies = await q<{
    schemaname: string;
    tablename: string;
    policyname: string;
    roles: string[];
    cmd: string;
    qual: string | null;
    with_check: string | null;
  }>(
    `SELECT schemaname, tablename, policyname, roles::text[] AS roles, cmd, qual, with_check FROM pg_catalog.pg_policies
      WHERE schemaname = ANY($1::text[]) OR schemaname IN ('storage', 'auth') ORDER BY 1, 2, 3`,
  );
  const objects: AppObjectRefs[] = [];
  for (const p of policies) {
    const refs = exprRefs(p.qual ?? 'true');
    const check = exprRefs(p.with_check ?? 'true');
    refs.functions.push(...check.functions);
    refs.relations.push(...check.relations);
    objects.push({
      object: `policy "${p.policyname}" on ${display({ schema: p.schemaname, name: p.tablename })}`,
      kind: 'policy',
      refs,
      body: false,
      on: `${p.schemaname}.${p.tablename}`,
    });
  }
  return { policies, objects };
}

/** Column defaults, views and columns of extension types. */
async function expressionObjects(q: Query): Promise<AppObjectRefs[]> {
  const objects: AppObjectRefs[] = [];
  const defaults = await q<{ col: string; expr: string }>(
    `SELECT n.nspname || '.' || c.relname || '.' || a.attname AS col, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS expr
       FROM pg_catalog.pg_attrdef d
       JOIN pg_catalog.pg_class c ON c.oid = d.adrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
      WHERE n.nspname = ANY($1::text[])`,
  );
  for (const d of defaults)
    objects.push({ object: `default of ${d.col}`, kind: 'default', refs: exprRefs(d.expr), body: false });
  const views = await q<{ name: string; def: string }>(
    `SELECT n.nspname || '.' || c.relname AS name, pg_catalog.pg_get_viewdef(c.oid) AS def
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('v', 'm')`,
  );
  for (const v of views)
    objects.push({ object: `view ${v.name}`, kind: 'view', refs: sqlRefs(v.def), body: false });
  const columnTypes = await q<{ col: string; type_schema: string; type_name: string }>(
    `SELECT n.nspname || '.' || c.relname || '.' || a.attname AS col, tn.nspname AS type_schema, t.typname AS type_name
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
       JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
        AND tn.nspname NOT IN ('pg_catalog', 'information_schema') AND tn.nspname <> ALL($1::text[])`,
  );
  for (const c of columnTypes) {
    const refs = emptyRefs();
    refs.types.push({ schema: c.type_schema, name: c.type_name.replace(/^_/, '') });
    objects.push({ object: `column ${c.col}`, kind: 'column type', refs, body: false });
  }
  return objects;
}

/** What ties the app to Supabase's tables and platform: keys, triggers, event triggers, publications, grants. */
async function readLinks(q: Query) {
  const foreignKeys = await q<{ table: string; name: string; references: string }>(
    `SELECT n.nspname || '.' || c.relname AS table, con.conname AS name, rn.nspname || '.' || rc.relname AS references
       FROM pg_catalog.pg_constraint con
       JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
       JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE con.contype = 'f' AND n.nspname = ANY($1::text[]) ORDER BY 1, 2`,
  );
  const managedTableTriggers = await q<{ table: string; name: string; function: string }>(
    `SELECT n.nspname || '.' || c.relname AS table, t.tgname AS name, pn.nspname || '.' || p.proname AS function
       FROM pg_catalog.pg_trigger t
       JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
       JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
      WHERE NOT t.tgisinternal AND ((n.nspname = 'auth' AND c.relname = 'users') OR (n.nspname = 'storage' AND c.relname = 'objects'))
        AND pn.nspname NOT IN ('auth', 'storage')
      ORDER BY 1, 2`,
    [],
  );
  const eventTriggers = await q<{ name: string; event: string; function: string; owner: string }>(
    `SELECT e.evtname AS name, e.evtevent AS event, pn.nspname || '.' || p.proname AS function, r.rolname AS owner
       FROM pg_catalog.pg_event_trigger e
       JOIN pg_catalog.pg_proc p ON p.oid = e.evtfoid
       JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
       JOIN pg_catalog.pg_roles r ON r.oid = e.evtowner ORDER BY 1`,
    [],
  );
  const publications = await q<{ name: string; all_tables: boolean; tables: string[] | null }>(
    `SELECT p.pubname AS name, p.puballtables AS all_tables,
            (SELECT array_agg(pt.schemaname || '.' || pt.tablename ORDER BY 1) FROM pg_catalog.pg_publication_tables pt WHERE pt.pubname = p.pubname)::text[] AS tables
       FROM pg_catalog.pg_publication p ORDER BY 1`,
    [],
  );
  const acl = await q<{ role: string; n: string }>(
    `SELECT g.rolname AS role, count(*) AS n FROM (
       SELECT (aclexplode(c.relacl)).grantee AS grantee FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1::text[]) AND c.relacl IS NOT NULL
       UNION ALL
       SELECT (aclexplode(p.proacl)).grantee FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY($1::text[]) AND p.proacl IS NOT NULL
       UNION ALL
       SELECT (aclexplode(n.nspacl)).grantee FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1::text[]) AND n.nspacl IS NOT NULL
     ) x JOIN pg_catalog.pg_roles g ON g.oid = x.grantee GROUP BY 1 ORDER BY 1`,
  );
  return { foreignKeys, managedTableTriggers, eventTriggers, publications, acl };
}

async function readColumnsAndSequences(q: Query) {
  const generated = await q<{ col: string }>(
    `SELECT n.nspname || '.' || c.relname || '.' || a.attname AS col
       FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND a.attgenerated = 's' AND NOT a.attisdropped AND c.relkind IN ('r', 'p') ORDER BY 1`,
  );
  const sequences = await q<{ sequence: string; last_value: string | null }>(
    `SELECT schemaname || '.' || sequencename AS sequence, last_value::text AS last_value FROM pg_catalog.pg_sequences
      WHERE schemaname = ANY($1::text[]) ORDER BY 1`,
  );
  return { generated, sequences };
}

/** The number of pg_cron jobs, null where pg_cron is absent or its table unreadable. */
async function readCronJobs(q: Query): Promise<number | null> {
  let cronJobs: number | null = null;
  const cron = await q<{ t: string | null }>(`SELECT to_regclass('cron.job')::text AS t`, []);
  if (cron[0]?.t) {
    try {
      cronJobs = Number((await q<{ n: string }>(`SELECT count(*) AS n FROM cron.job`, []))[0]?.n ?? 0);
    } catch {
      cronJobs = null;
    }
  }
  return cronJobs;
}

export async function readInventory(client: PgClient, schemas: string[]): Promise<Inventory> {
  await loadParser();
  await client.query(`SELECT pg_catalog.set_config('search_path', '', false)`);
  const q: Query = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = [schemas]) =>
    (await client.query<T>(sql, params)).rows;
  const { info, extensions, extensionMembers } = await readServer(q);
  const functions = await functionObjects(q);
  const { policies, objects: policyObjects } = await readPolicies(q);
  const objects = [...functions, ...policyObjects, ...(await expressionObjects(q))];
  const { foreignKeys, managedTableTriggers, eventTriggers, publications, acl } = await readLinks(q);
  const { generated, sequences } = await readColumnsAndSequences(q);
  const cronJobs = await readCronJobs(q);
  return {
    version: info?.version ?? '',
    major: Math.floor(Number(info?.num ?? 0) / 10000),
    user: {
      name: info?.name ?? '',
      superuser: info?.superuser ?? false,
      bypassRls: info?.bypass ?? false,
      createRole: info?.createrole ?? false,
    },
    databaseBytes: Number(info?.size ?? 0),
    extensions,
    extensionMembers,
    objects,
    policies: policies.map((p) => ({
      table: `${p.schemaname}.${p.tablename}`,
      name: p.policyname,
      roles: p.roles,
      cmd: p.cmd,
    })),
    foreignKeys,
    managedTableTriggers,
    eventTriggers,
    publications: publications.map((p) => ({
      name: p.name,
      allTables: p.all_tables,
      tables: p.tables ?? [],
    })),
    grants: acl.filter((a) => isReservedRole(a.role)).map((a) => ({ role: a.role, objects: Number(a.n) })),
    generatedColumns: generated.map((g) => g.col),
    sequences: sequences.map((s) => ({ sequence: s.sequence, lastValue: s.last_value })),
    cronJobs,
  };
}
