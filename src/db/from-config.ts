/**
 * Phase 2 from a loaded config: each step's engine options are built here, once, from `db.*`, the source and
 * target URLs and `auth.legacySchema`. `db plan|schema|copy|verify`, `supa2aws verify` and the demo all call
 * these; a flag overrides a setting through the step's run options, never by editing the config.
 */
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../core/errors.ts';
import { pickDefined } from '../core/pick-defined.ts';
import type { Reporter } from '../core/reporter.ts';
import { copyData, type CopyDataOptions, type CopyDataResult } from './copy/copy-data.ts';
import { planDb, type DbPlan, type PlanDbOptions } from './plan/plan-db.ts';
import type { ConnectFn } from '../core/pg.ts';
import { applySchema, setupPrivileged, type ApplySchemaResult } from './schema/apply-schema.ts';
import {
  buildSchema,
  type BuildSchemaOptions,
  type SchemaBuild,
  type SchemaSource,
} from './schema/build-schema.ts';
import type { FindPgDumpOptions } from './schema/pg-dump.ts';
import type { SchemaScript } from './transform/render.ts';
import { verifyDb, type VerifyDbOptions, type VerifyReport } from './verify/verify-db.ts';

/** What a step takes besides its options: the reporter, the abort signal and (tests) the connector. */
export interface DbRunDeps {
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
}

/**
 * pg_dump: the `--pg-dump` flag, then `db.pgDump` (then PG_DUMP, PATH and Debian's clients, which choosePgDump
 * reads). `db plan|schema`, `backup` and `doctor` all choose through this.
 */
export function pgDumpChoice(
  db: { pgDump?: string | undefined },
  flag: string | undefined,
): FindPgDumpOptions {
  return {
    ...(flag ? { flag } : {}),
    ...(db.pgDump ? { config: db.pgDump } : {}),
  };
}

/** The role owning everything on the target: db.ownerRole, else the user of target.db.url. */
export function ownerRoleOf(config: Config): string {
  if (config.db.ownerRole) return config.db.ownerRole;
  try {
    return decodeURIComponent(new URL(config.target.db.url).username) || 'postgres';
  } catch {
    return 'postgres';
  }
}

function tablesOption(tables: string[] | undefined): { tables?: string[] } {
  return tables ? { tables } : {};
}

function schemasOption(config: Config): { schemas?: string[] } {
  return config.db.schemas ? { schemas: config.db.schemas } : {};
}

export interface DbPlanRunOptions {
  /** pg_dump to use. @default db.pgDump, then PG_DUMP, then PATH */
  pgDump?: string;
}

/** `db plan`. */
export function planDbOptions(
  config: Config,
  options: DbPlanRunOptions = {},
  deps: DbRunDeps = {},
): PlanDbOptions {
  return {
    sourceUrl: config.source.db.url,
    targetUrl: config.target.db.url,
    ...schemasOption(config),
    pgDump: pgDumpChoice(config.db, options.pgDump),
    ...pickDefined(deps, ['reporter', 'connect']),
  };
}

export function planDbFromConfig(
  config: Config,
  options: DbPlanRunOptions = {},
  deps: DbRunDeps = {},
): Promise<DbPlan> {
  return planDb(planDbOptions(config, options, deps));
}

export interface DbSchemaRunOptions {
  /** Read the app migrations in this directory instead of running pg_dump. */
  fromMigrations?: string;
  /** With fromMigrations: apply seed.sql last. @default false */
  seed?: boolean;
  /** Read this schema-only dump instead of running pg_dump. */
  fromDump?: string;
  /** @default db.rls */
  rls?: 'keep' | 'drop';
  /** Supabase's default privileges on public (false for projects with that setting off). @default the engine's */
  apiDefaultPrivileges?: boolean;
  /** pg_dump to use. @default db.pgDump, then PG_DUMP, then PATH */
  pgDump?: string;
}

function schemaSource(config: Config, options: DbSchemaRunOptions): SchemaSource {
  if (options.fromMigrations)
    return { kind: 'migrations', dir: options.fromMigrations, seed: options.seed === true };
  if (options.fromDump) return { kind: 'dump-file', file: options.fromDump };
  return {
    kind: 'pg_dump',
    sourceUrl: config.source.db.url,
    pgDump: pgDumpChoice(config.db, options.pgDump),
  };
}

/** `db schema`: where the schema comes from and how it is rewritten. */
export function buildSchemaOptions(
  config: Config,
  options: DbSchemaRunOptions = {},
  deps: DbRunDeps = {},
): BuildSchemaOptions {
  if (options.rls !== undefined && options.rls !== 'keep' && options.rls !== 'drop')
    throw new ConfigError('DB_BAD_FLAG', `--rls must be keep or drop, got ${String(options.rls)}`, {
      exit: 'usage',
      hint: 'supa2aws db schema --rls keep',
    });
  return {
    source: schemaSource(config, options),
    ownerRole: ownerRoleOf(config),
    rls: options.rls ?? config.db.rls,
    ...(options.apiDefaultPrivileges === false ? { apiDefaultPrivileges: false } : {}),
    ...pickDefined(deps, ['reporter', 'signal', 'connect']),
  };
}

export function buildSchemaFromConfig(
  config: Config,
  options: DbSchemaRunOptions = {},
  deps: DbRunDeps = {},
): Promise<SchemaBuild> {
  return buildSchema(buildSchemaOptions(config, options, deps));
}

export interface DbApplyRunOptions {
  /** Apply although blocked objects were left out. @default false */
  allowBlocked?: boolean;
  /** A superuser / rds_superuser connection that creates the schemas and extensions first. */
  privilegedUrl?: string;
  /** Check the script against the target and apply nothing, the privileged step included. @default false */
  dryRun?: boolean;
}

/** `db schema` (and `--apply-file`): the privileged step when a connection for it is given, then the script. */
export async function applySchemaFromConfig(
  config: Config,
  script: SchemaScript,
  options: DbApplyRunOptions = {},
  deps: DbRunDeps = {},
): Promise<ApplySchemaResult> {
  if (options.privilegedUrl && !options.dryRun)
    await setupPrivileged({
      adminUrl: options.privilegedUrl,
      ownerRole: ownerRoleOf(config),
      extensions: script.summary.extensions,
      ...pickDefined(deps, ['reporter', 'connect']),
    });
  return applySchema(script, {
    targetUrl: config.target.db.url,
    ...(options.allowBlocked ? { allowBlocked: true } : {}),
    dryRun: options.dryRun === true,
    ...pickDefined(deps, ['reporter', 'signal', 'connect']),
  });
}

export interface DbCopyRunOptions {
  /** @default db.concurrency */
  concurrency?: number;
  /** Only these tables (`schema.name`). @default every table */
  tables?: string[];
  /** @default db.copyFormat */
  format?: string;
  /** @default false */
  dryRun?: boolean;
}

function copyFormat(format: string): 'auto' | 'binary' | 'text' {
  if (format === 'auto' || format === 'binary' || format === 'text') return format;
  throw new ConfigError('DB_BAD_FLAG', `--format must be auto, binary or text, got ${format}`, {
    exit: 'usage',
    hint: 'supa2aws db copy --format auto',
  });
}

/** `db copy`. */
export function copyDataOptions(
  config: Config,
  options: DbCopyRunOptions = {},
  deps: DbRunDeps = {},
): CopyDataOptions {
  return {
    sourceUrl: config.source.db.url,
    targetUrl: config.target.db.url,
    ...schemasOption(config),
    concurrency: options.concurrency ?? config.db.concurrency,
    format: copyFormat(options.format ?? config.db.copyFormat),
    dryRun: options.dryRun === true,
    ...tablesOption(options.tables),
    ...pickDefined(deps, ['reporter', 'signal', 'connect']),
  };
}

export function copyDataFromConfig(
  config: Config,
  options: DbCopyRunOptions = {},
  deps: DbRunDeps = {},
): Promise<CopyDataResult> {
  return copyData(copyDataOptions(config, options, deps));
}

export interface DbVerifyRunOptions {
  /** @default db.verifyChunkRows */
  chunkRows?: number;
  /** @default db.concurrency */
  concurrency?: number;
  /** Only these tables (`schema.name`). @default every table */
  tables?: string[];
  /** Compare the schemas too. @default true */
  schema?: boolean;
}

/**
 * `db verify`, `supa2aws verify` and the cutover's verify: the app schemas of db.schemas, the legacy password
 * store (auth.legacySchema) left out as the target's own, db.verifyChunkRows and db.concurrency.
 */
export function verifyDbOptions(
  config: Config,
  options: DbVerifyRunOptions = {},
  deps: DbRunDeps = {},
): VerifyDbOptions {
  return {
    sourceUrl: config.source.db.url,
    targetUrl: config.target.db.url,
    ...schemasOption(config),
    targetOnlySchemas: [config.auth.legacySchema],
    chunkRows: options.chunkRows ?? config.db.verifyChunkRows,
    concurrency: options.concurrency ?? config.db.concurrency,
    schema: options.schema !== false,
    ...tablesOption(options.tables),
    ...pickDefined(deps, ['reporter', 'signal', 'connect']),
  };
}

export function verifyDbFromConfig(
  config: Config,
  options: DbVerifyRunOptions = {},
  deps: DbRunDeps = {},
): Promise<VerifyReport> {
  return verifyDb(verifyDbOptions(config, options, deps));
}
