/**
 * `db plan`: reads the source (and the target when it is reachable) and says what the move will do:
 * blockers with what to do about each, warnings, and the fixes supa2aws applies by itself. Changes nothing.
 */
import { toSupa2awsError } from '../../core/errors.ts';
import { silentReporter, step, type Reporter } from '../../core/reporter.ts';
import { selectSchemas } from '../catalog/schemas.ts';
import { listTables, tableKey } from '../catalog/tables.ts';
import { defaultConnect, serverMajor, withClient, type ConnectFn } from '../../core/pg.ts';
import { choosePgDump, type FindPgDumpOptions } from '../schema/pg-dump.ts';
import { display } from '../sql/analyze.ts';
import {
  EXTENSIONS,
  extensionVerdict,
  isPlatformRole,
  SUPA2AWS_SCHEMA,
  type Rds16Support,
} from '../supabase-facts.ts';
import { refProblems } from '../transform/references.ts';
import type { Finding } from '../transform/types.ts';
import { readInventory, type Inventory } from './inventory.ts';

export interface PlanDbOptions {
  sourceUrl: string;
  /** Also inspect the target when given and reachable. */
  targetUrl?: string;
  /** App schemas. @default every app schema of the source with tables */
  schemas?: string[];
  pgDump?: FindPgDumpOptions;
  reporter?: Reporter;
  connect?: ConnectFn;
}

export interface DbPlan {
  version: 1;
  source: {
    version: string;
    major: number;
    user: Inventory['user'];
    databaseBytes: number;
  };
  target: {
    reachable: boolean;
    error?: string;
    version?: string;
    major?: number;
    user?: string;
    superuser?: boolean;
    rdsSuperuser?: boolean;
    schemaApplied?: boolean;
    appTables?: number;
  } | null;
  /** The app schemas the move covers (every app schema with tables, unless db.schemas narrows it). */
  schemas: string[];
  pgDump: { path?: string; major?: number; ok: boolean; error?: string };
  extensions: Array<{
    name: string;
    version: string;
    schema: string;
    rds16: Rds16Support | 'unknown';
    advice: string;
    usedBy: string[];
  }>;
  supabase: {
    policiesCallingAuth: string[];
    foreignKeysIntoSupabase: Array<{ table: string; name: string; references: string }>;
    triggersOnManagedTables: Array<{ table: string; name: string; function: string }>;
    objectsCallingUnsupported: Array<{ object: string; calls: string[]; extensions: string[] }>;
    objectsUsingSupabaseOnly: Array<{ object: string; uses: string[] }>;
    eventTriggers: Inventory['eventTriggers'];
    publications: Inventory['publications'];
    reservedRoleGrants: Inventory['grants'];
    storagePolicies: string[];
    cronJobs: number | null;
  };
  tables: Array<{
    table: string;
    rowEstimate: number;
    totalBytes: number;
    primaryKey: string[];
    rls: boolean;
  }>;
  tablesWithoutPrimaryKey: string[];
  generatedColumns: string[];
  sequences: Inventory['sequences'];
  totals: { tables: number; rowEstimate: number; totalBytes: number };
  blockers: Finding[];
  warnings: Finding[];
  fixes: Finding[];
}

async function inspectTarget(
  connect: ConnectFn,
  url: string,
  schemas: string[],
): Promise<NonNullable<DbPlan['target']>> {
  try {
    return await withClient(connect, url, 'target', async (client) => {
      const { rows } = await client.query<{
        version: string;
        name: string;
        superuser: boolean;
        rds: boolean;
        applied: boolean;
        tables: string;
      }>(
        `SELECT current_setting('server_version') AS version, current_user AS name,
                (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser,
                coalesce((SELECT pg_has_role(current_user, 'rds_superuser', 'MEMBER') FROM pg_catalog.pg_roles WHERE rolname = 'rds_superuser'), false) AS rds,
                to_regclass('${SUPA2AWS_SCHEMA}.schema_migrations') IS NOT NULL AS applied,
                (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.relkind = 'r' AND n.nspname = ANY($1::text[])) AS tables`,
        [schemas],
      );
      const r = rows[0]!;
      return {
        reachable: true,
        version: r.version,
        major: await serverMajor(client),
        user: r.name,
        superuser: r.superuser,
        rdsSuperuser: r.rds,
        schemaApplied: r.applied,
        appTables: Number(r.tables),
      };
    });
  } catch (error) {
    return { reachable: false, error: toSupa2awsError(error).message };
  }
}

export async function planDb(options: PlanDbOptions): Promise<DbPlan> {
  const reporter = options.reporter ?? silentReporter;
  const connect = options.connect ?? defaultConnect;
  const { inv, tables, schemas } = await step(reporter, 'read the source catalog', () =>
    withClient(connect, options.sourceUrl, 'source', async (client) => {
      const { schemas } = await selectSchemas(client, options.schemas);
      return {
        schemas,
        inv: await readInventory(client, schemas),
        tables: await listTables(client, schemas, { withAuthUsers: true }),
      };
    }),
  );
  const target = options.targetUrl
    ? await step(reporter, 'inspect the target', () => inspectTarget(connect, options.targetUrl!, schemas))
    : null;
  let pgDump: DbPlan['pgDump'];
  try {
    const binary = await choosePgDump(inv.major, options.pgDump);
    pgDump = { path: binary.path, major: binary.major, ok: true };
  } catch (error) {
    pgDump = { ok: false, error: toSupa2awsError(error).message };
  }

  const blockers: Finding[] = [];
  const warnings: Finding[] = [];
  const fixes: Finding[] = [];
  const usedBy = new Map<string, string[]>();
  const callingUnsupported: DbPlan['supabase']['objectsCallingUnsupported'] = [];
  const supabaseOnly: DbPlan['supabase']['objectsUsingSupabaseOnly'] = [];
  // pg_cron exists on RDS once the parameter group loads it: `db schema` keeps a function calling it and
  // leaves out other statements using it, so none of them blocks.
  const usingCron: string[] = [];
  const policiesCallingAuth: string[] = [];
  const storagePolicies: string[] = [];
  for (const o of inv.objects) {
    if (o.kind === 'policy' && o.on?.startsWith('storage.')) {
      storagePolicies.push(o.object);
      continue;
    }
    if (o.kind === 'policy' && o.refs.functions.some((f) => f.schema === 'auth'))
      policiesCallingAuth.push(o.object);
    const problems = refProblems(o.refs, inv.extensionMembers);
    for (const use of problems.unsupported)
      usedBy.set(use.extension, [...(usedBy.get(use.extension) ?? []), o.object]);
    for (const need of problems.needsExtension)
      usedBy.set(need.extension, [...(usedBy.get(need.extension) ?? []), o.object]);
    for (const t of o.refs.types) {
      const ext = inv.extensionMembers[`${t.schema}.${t.name}`];
      if (ext) usedBy.set(ext, [...(usedBy.get(ext) ?? []), o.object]);
    }
    if (problems.unsupported.length > 0)
      callingUnsupported.push({
        object: o.object,
        calls: [...new Set(problems.unsupported.map((u) => u.ref))],
        extensions: [...new Set(problems.unsupported.map((u) => u.extension))],
      });
    if (problems.managed.length > 0) supabaseOnly.push({ object: o.object, uses: problems.managed });
    if (problems.cron.length > 0)
      usingCron.push(
        `${o.object} → ${problems.cron.join(', ')}: ${o.object.startsWith('function ') ? 'kept' : 'left out until pg_cron is enabled'}`,
      );
  }
  const extensions = inv.extensions.map((e) => {
    const verdict = extensionVerdict(e.name);
    return {
      ...e,
      rds16: verdict.rds16,
      advice: verdict.advice,
      usedBy: [...new Set(usedBy.get(e.name) ?? [])],
    };
  });
  for (const e of extensions) {
    if ((e.rds16 === 'unsupported' || e.rds16 === 'unknown') && e.usedBy.length > 0)
      blockers.push({
        severity: 'blocker',
        code: 'DB_UNSUPPORTED_EXTENSION_USED',
        message: `${e.name} is not available on RDS 16 and the app uses it.`,
        advice: e.advice,
        objects: e.usedBy,
      });
    else if (e.rds16 === 'unsupported' || e.rds16 === 'unknown')
      warnings.push({
        severity: 'warning',
        code: 'DB_UNSUPPORTED_EXTENSION_UNUSED',
        message: `${e.name} is not available on RDS 16; nothing in the app schemas uses it, so it is left out.`,
        advice: e.advice,
      });
    else if (e.rds16 === 'parameter-group' && (e.usedBy.length > 0 || e.name === 'pg_cron'))
      warnings.push({
        severity: 'warning',
        code: 'DB_EXTENSION_NEEDS_PARAMETER_GROUP',
        message: `${e.name} needs the RDS parameter group.`,
        advice: e.advice,
      });
  }
  for (const c of callingUnsupported.filter((x) => x.object.startsWith('function '))) {
    blockers.push({
      severity: 'blocker',
      code: 'DB_FUNCTION_CALLS_UNSUPPORTED',
      message: `${c.object} calls ${c.calls.join(', ')}, which RDS 16 does not have.`,
      advice: c.extensions.map((e) => extensionVerdict(e).advice).join(' '),
      objects: [c.object],
    });
  }
  // A function is blocked like any other object: `db schema` does not keep a caller of something removed.
  for (const s of supabaseOnly) {
    blockers.push({
      severity: 'blocker',
      code: 'DB_USES_SUPABASE_ONLY_OBJECTS',
      message: `${s.object} uses ${s.uses.join(', ')}, which exist only on Supabase.`,
      advice: 'Rewrite it against app tables (or the compat auth.users / auth.uid()).',
      objects: [s.object],
    });
  }
  if (!pgDump.ok)
    warnings.push({
      severity: 'warning',
      code: 'DB_PG_DUMP_UNAVAILABLE',
      message: pgDump.error ?? 'no usable pg_dump',
      advice:
        'Install a pg_dump at least as new as the source, or use `supa2aws db schema --from-migrations supabase/migrations`.',
    });
  if (target && !target.reachable)
    warnings.push({
      severity: 'warning',
      code: 'DB_TARGET_UNREACHABLE',
      message: `the target is not reachable: ${target.error}`,
      advice: 'Check target.db.url and the security group; `supa2aws doctor` tests reachability.',
    });
  if (target?.reachable && (target.major ?? 0) < inv.major)
    blockers.push({
      severity: 'blocker',
      code: 'DB_TARGET_OLDER',
      message: `the target runs PostgreSQL ${target.major}, older than the source's ${inv.major}.`,
      advice: 'Create the RDS instance with engine version 16 (or newer).',
    });
  if (target?.reachable && target.superuser)
    warnings.push({
      severity: 'warning',
      code: 'DB_TARGET_SUPERUSER',
      message: `the target user ${target.user} is a superuser, unlike RDS's master user: permission problems would not show here.`,
    });
  if (target?.reachable && !target.schemaApplied && (target.appTables ?? 0) > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_TARGET_NOT_EMPTY',
      message: `the target already has ${target.appTables} table(s) in ${schemas.join(', ')} that supa2aws did not create.`,
      advice: 'Apply to an empty database (drop and re-create it).',
    });
  if (!inv.user.bypassRls && !inv.user.superuser)
    warnings.push({
      severity: 'warning',
      code: 'DB_SOURCE_RLS_APPLIES',
      message: `the source user ${inv.user.name} is subject to RLS: copies of tables it does not own could miss rows.`,
      advice: 'Use the postgres user (it has BYPASSRLS on Supabase).',
    });
  const withoutPk = tables.filter((t) => t.primaryKey.length === 0).map(tableKey);
  if (withoutPk.length > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_TABLES_WITHOUT_PRIMARY_KEY',
      message:
        'Tables without a primary key: verified with one whole-table digest (no key ranges); logical replication needs REPLICA IDENTITY FULL for their updates and deletes.',
      objects: withoutPk,
    });
  if (storagePolicies.length > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_STORAGE_POLICIES',
      message: 'Policies on storage.objects are not migrated as SQL.',
      advice: 'They become S3 bucket policies / presigned URLs (supa2aws storage).',
      objects: storagePolicies,
    });
  const storageTriggers = inv.managedTableTriggers.filter((t) => t.table.startsWith('storage.'));
  if (storageTriggers.length > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_STORAGE_TRIGGERS',
      message: 'Triggers on storage.objects are not migrated.',
      advice: 'Use S3 event notifications or app code after the upload.',
      objects: storageTriggers.map((t) => `${t.name} → ${t.function}()`),
    });
  const fkInto = inv.foreignKeys.filter(
    (f) => f.references.startsWith('auth.') || f.references.startsWith('storage.'),
  );
  const fkDropped = fkInto.filter((f) => f.references !== 'auth.users');
  if (fkDropped.length > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_FOREIGN_KEYS_INTO_SUPABASE',
      message: 'Foreign keys into Supabase tables other than auth.users are dropped.',
      objects: fkDropped.map((f) => `${f.table}.${f.name} → ${f.references}`),
    });
  if (inv.eventTriggers.length > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_EVENT_TRIGGERS',
      message: 'Event triggers are dropped: they need a superuser (they served PostgREST).',
      objects: inv.eventTriggers.map((e) => `${e.name} (${e.event}) → ${e.function}()`),
    });
  const otherPubs = inv.publications.filter((p) => p.name !== 'supabase_realtime');
  if (otherPubs.length > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_PUBLICATIONS',
      message: 'Publications other than supabase_realtime are kept; FOR ALL TABLES needs rds_superuser.',
      objects: otherPubs.map((p) => p.name),
    });
  if (usingCron.length > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_USES_PG_CRON',
      message: `${usingCron.length} object(s) use pg_cron, which RDS has once its parameter group loads it; each is listed with what db schema does with it.`,
      advice: EXTENSIONS.pg_cron?.advice,
      objects: usingCron,
    });
  if ((inv.cronJobs ?? 0) > 0)
    warnings.push({
      severity: 'warning',
      code: 'DB_CRON_JOBS',
      message: `${inv.cronJobs} pg_cron job(s) are not migrated.`,
      advice: EXTENSIONS.pg_cron?.advice,
    });
  warnings.push({
    severity: 'warning',
    code: 'DB_SERVICE_ROLE_NO_BYPASSRLS',
    message: 'service_role is created on the target without BYPASSRLS.',
    advice: 'Connect the backend as the owner role, or grant BYPASSRLS from the master user.',
  });

  const authFks = fkInto.filter((f) => f.references === 'auth.users');
  const authTriggers = inv.managedTableTriggers.filter((t) => t.table === 'auth.users');
  fixes.push({
    severity: 'info',
    code: 'DB_COMPAT_AUTH',
    message: `Compat auth schema: auth.users keyed by the Supabase UUID (+ cognito_sub) and auth.uid()/role()/email()/jwt(): ${policiesCallingAuth.length} policies calling auth.*, ${authFks.length} FKs to auth.users and ${authTriggers.length} trigger(s) on it keep working unchanged.`,
    objects: [...authTriggers.map((t) => `trigger ${t.name} on auth.users → ${t.function}()`)],
  });
  fixes.push({
    severity: 'info',
    code: 'DB_API_ROLES',
    message: 'anon, authenticated and service_role are created as NOLOGIN roles; grants to them are kept.',
  });
  const platformGrants = inv.grants.filter((g) => isPlatformRole(g.role));
  if (platformGrants.length > 0)
    fixes.push({
      severity: 'info',
      code: 'DB_PLATFORM_GRANTS',
      message: `Grants to Supabase platform roles are dropped: ${platformGrants.map((g) => `${g.role} (${g.objects})`).join(', ')}.`,
    });
  const installs = extensions.filter((e) => e.rds16 === 'supported' && e.name !== 'plpgsql');
  if (installs.length > 0)
    fixes.push({
      severity: 'info',
      code: 'DB_EXTENSIONS',
      message: `Installed into the extensions schema (so extensions.x() calls resolve): ${installs.map((e) => e.name).join(', ')}.`,
    });
  if (inv.publications.some((p) => p.name === 'supabase_realtime'))
    fixes.push({
      severity: 'info',
      code: 'DB_REALTIME',
      message: 'The supabase_realtime publication is dropped (Realtime is not used).',
    });
  if (inv.generatedColumns.length > 0)
    fixes.push({
      severity: 'info',
      code: 'DB_GENERATED_COLUMNS',
      message: 'Generated columns are left out of the data copy (the target computes them).',
      objects: inv.generatedColumns,
    });
  fixes.push({
    severity: 'info',
    code: 'DB_OWNERS',
    message:
      'Every object is owned by the target owner role; loads run as that role, without superuser settings.',
  });

  const planTables = tables.map((t) => ({
    table: tableKey(t),
    rowEstimate: t.rowEstimate,
    totalBytes: t.totalBytes,
    primaryKey: t.primaryKey,
    rls: t.rlsEnabled,
  }));
  return {
    version: 1,
    source: { version: inv.version, major: inv.major, user: inv.user, databaseBytes: inv.databaseBytes },
    target,
    schemas,
    pgDump,
    extensions,
    supabase: {
      policiesCallingAuth,
      foreignKeysIntoSupabase: fkInto,
      triggersOnManagedTables: inv.managedTableTriggers,
      objectsCallingUnsupported: callingUnsupported,
      objectsUsingSupabaseOnly: supabaseOnly,
      eventTriggers: inv.eventTriggers,
      publications: inv.publications,
      reservedRoleGrants: inv.grants,
      storagePolicies,
      cronJobs: inv.cronJobs,
    },
    tables: planTables,
    tablesWithoutPrimaryKey: withoutPk,
    generatedColumns: inv.generatedColumns,
    sequences: inv.sequences,
    totals: {
      tables: planTables.length,
      rowEstimate: planTables.reduce((n, t) => n + t.rowEstimate, 0),
      totalBytes: planTables.reduce((n, t) => n + t.totalBytes, 0),
    },
    blockers,
    warnings,
    fixes,
  };
}

export { display };
