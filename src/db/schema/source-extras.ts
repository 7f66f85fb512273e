/**
 * What a schema dump that leaves out Supabase's schemas misses: the app's own triggers on auth.users and
 * storage.objects (e.g. handle_new_user) and its policies on storage.objects. Read from the catalog and
 * written as SQL, so the transform keeps or reports them like any other statement. Also: which functions
 * belong to which extension, so calls into extensions living in a shared schema are recognised.
 */
import type { PgClient } from '../../core/pg.ts';
import { MANAGED_SCHEMAS } from '../supabase-facts.ts';

const managedList = MANAGED_SCHEMAS.map((s) => `'${s}'`).join(', ');

/** CREATE TRIGGER / CREATE POLICY statements for app objects on auth and storage tables. */
export async function managedSchemaExtras(client: PgClient): Promise<string> {
  // Qualify every name in the generated definitions, as pg_dump does.
  await client.query(`SELECT pg_catalog.set_config('search_path', '', false)`);
  const triggers = await client.query<{ def: string }>(`
    SELECT pg_catalog.pg_get_triggerdef(t.oid, false) AS def
      FROM pg_catalog.pg_trigger t
      JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
      JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
     WHERE n.nspname IN ('auth', 'storage')
       AND NOT t.tgisinternal
       AND pn.nspname NOT IN (${managedList})
     ORDER BY n.nspname, c.relname, t.tgname`);
  const policies = await client.query<{ def: string }>(`
    SELECT pg_catalog.format('CREATE POLICY %I ON %I.%I AS %s FOR %s TO %s%s%s',
             p.policyname, p.schemaname, p.tablename, p.permissive, p.cmd,
             (SELECT string_agg(CASE WHEN r = 'public' THEN 'PUBLIC' ELSE quote_ident(r) END, ', ')
                FROM unnest(p.roles) AS r),
             CASE WHEN p.qual IS NULL THEN '' ELSE ' USING (' || p.qual || ')' END,
             CASE WHEN p.with_check IS NULL THEN '' ELSE ' WITH CHECK (' || p.with_check || ')' END) AS def
      FROM pg_catalog.pg_policies p
     WHERE p.schemaname = 'storage'
     ORDER BY p.tablename, p.policyname`);
  const lines = [
    '-- Objects of the app that live on Supabase-managed tables (pg_dump leaves them out with the managed schemas).',
  ];
  for (const row of [...triggers.rows, ...policies.rows]) lines.push(`${row.def};`);
  return `${lines.join('\n')}\n`;
}

/** `schema.function` → extension, for every function an extension owns. */
export async function extensionFunctionMap(client: PgClient): Promise<Record<string, string>> {
  const { rows } = await client.query<{ fn: string; ext: string }>(`
    SELECT n.nspname || '.' || p.proname AS fn, e.extname AS ext
      FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND d.refclassid = 'pg_catalog.pg_extension'::regclass
      JOIN pg_catalog.pg_proc p ON p.oid = d.objid AND d.classid = 'pg_catalog.pg_proc'::regclass
      JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
     WHERE d.deptype = 'e'`);
  const map: Record<string, string> = {};
  for (const row of rows) map[row.fn] = row.ext;
  return map;
}
