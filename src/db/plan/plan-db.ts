/**
 * `db plan`: reads the source (and the target when it is reachable) and says what the move will do:
 * blockers with what to do about each, warnings, and the fixes supa2aws applies by itself. Changes nothing.
 */
import { toSupa2awsError } from '../../core/errors.ts';
import { silentReporter, step, type Reporter } from '../../core/reporter.ts';
import { selectSchemas } from '../catalog/schemas.ts';
import { listTables, tableKey, type TableInfo } from '../catalog/tables.ts';
import { defaultConnect, serverMajor, withClient, type ConnectFn } from '../../core/pg.ts';
import { choosePgDump, type FindPgDumpOptions } from '../schema/pg-dump.ts';
import { SUPA2AWS_SCHEMA } from '../supabase-facts.ts';
import type { DbPlan } from './db-plan.ts';
import { foreignKeysIntoSupabase, planFindings } from './findings.ts';
import { readInventory, type Inventory } from './inventory.ts';
import { objectUses, planExtensions } from './object-uses.ts';

export type { DbPlan } from './db-plan.ts';

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

/** pg_dump for the source's major version, or why there is none. */
async function pgDumpFor(major: number, options: FindPgDumpOptions | undefined): Promise<DbPlan['pgDump']> {
  try {
    const binary = await choosePgDump(major, options);
    return { path: binary.path, major: binary.major, ok: true };
  } catch (error) {
    return { ok: false, error: toSupa2awsError(error).message };
  }
}

/** What was read from the source. */
interface SourceFacts {
  inv: Inventory;
  tables: TableInfo[];
  schemas: string[];
}

function readSource(connect: ConnectFn, options: PlanDbOptions): Promise<SourceFacts> {
  return withClient(connect, options.sourceUrl, 'source', async (client) => {
    const { schemas } = await selectSchemas(client, options.schemas);
    return {
      schemas,
      inv: await readInventory(client, schemas),
      tables: await listTables(client, schemas, { withAuthUsers: true }),
    };
  });
}

export async function planDb(options: PlanDbOptions): Promise<DbPlan> {
  const reporter = options.reporter ?? silentReporter;
  const connect = options.connect ?? defaultConnect;
  const source = await step(reporter, 'read the source catalog', () => readSource(connect, options));
  const target = options.targetUrl
    ? await step(reporter, 'inspect the target', () =>
        inspectTarget(connect, options.targetUrl!, source.schemas),
      )
    : null;
  return assemblePlan(source, target, await pgDumpFor(source.inv.major, options.pgDump));
}

/** The plan from what was read: pure. */
function assemblePlan(
  { inv, tables, schemas }: SourceFacts,
  target: DbPlan['target'],
  pgDump: DbPlan['pgDump'],
): DbPlan {
  const uses = objectUses(inv);
  const extensions = planExtensions(inv, uses.usedBy);
  const withoutPk = tables.filter((t) => t.primaryKey.length === 0).map(tableKey);
  const findings = planFindings({ inv, schemas, target, pgDump, extensions, uses, withoutPk });
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
      policiesCallingAuth: uses.policiesCallingAuth,
      foreignKeysIntoSupabase: foreignKeysIntoSupabase(inv),
      triggersOnManagedTables: inv.managedTableTriggers,
      objectsCallingUnsupported: uses.callingUnsupported,
      objectsUsingSupabaseOnly: uses.supabaseOnly,
      eventTriggers: inv.eventTriggers,
      publications: inv.publications,
      reservedRoleGrants: inv.grants,
      storagePolicies: uses.storagePolicies,
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
    ...findings,
  };
}
