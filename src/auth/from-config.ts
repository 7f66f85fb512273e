/**
 * Phase 3 from a loaded config: one entry point per step, which `auth plan|export|import|relink|verify|rollback`,
 * `supa2aws verify` and the demo all call. The engines read `auth.*`, `source.db`, `target.db` and
 * `target.cognito` from the config they are given; a flag overrides a setting through the step's run
 * options, never by editing the config.
 */
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../core/errors.ts';
import { pickDefined } from '../core/pick-defined.ts';
import type { Reporter } from '../core/reporter.ts';
import type { TargetPool } from './cognito.ts';
import type { ConnectFn } from '../core/pg.ts';
import { exportLegacyStore, type ExportResult } from './export.ts';
import { importRemaining, type ImportOptions, type ImportResult } from './import.ts';
import { planAuth, planPoolError, type AuthPlan } from './plan.ts';
import { plannedImports, PlannedUsers, readAuthPlanFile, writeAuthPlanFile } from './plan-file.ts';
import { relinkUser, type RelinkResult } from './relink.ts';
import { applyAuthRollback, planAuthRollback, type AuthRollbackResult } from './rollback.ts';
import type { AuthRollbackPlan } from './rollback-verdict.ts';
import { verifyAuth, type VerifyResult } from './verify.ts';

export interface AuthRunDeps {
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
  /** The target pool to use instead of building it from target.cognito (tests). */
  pool?: TargetPool;
}

/** Cognito shares 50 AdminCreateUser requests per second per account and region. */
const COGNITO_RATE_CEILING = 50;

export interface AuthPlanRunOptions {
  /** Also save the plan there (every user's id under their kind), for `auth import --plan` after review. */
  out?: string;
}

/** `auth plan` (and `auth export --dry-run`); with `out`, the plan is saved there too. */
export async function planAuthFromConfig(
  config: Config,
  options: AuthPlanRunOptions = {},
  deps: AuthRunDeps = {},
): Promise<AuthPlan> {
  const users = options.out ? new PlannedUsers() : undefined;
  const plan = await planAuth({
    config,
    ...pickDefined(deps, ['reporter', 'connect', 'pool']),
    ...(users ? { onUser: users.add } : {}),
  });
  if (options.out && users)
    writeAuthPlanFile(options.out, config, users.saved(plan), new Date(plan.generatedAt));
  return plan;
}

/** `auth export`. */
export function exportLegacyStoreFromConfig(config: Config, deps: AuthRunDeps = {}): Promise<ExportResult> {
  return exportLegacyStore({ config, ...pickDefined(deps, ['reporter', 'signal', 'connect']) });
}

export interface AuthImportRunOptions {
  /** Cognito admin calls per second at the most (0 < rate ≤ 50). @default auth.maxRequestsPerSecond */
  rate?: number;
  /** Where to write the EXPERIMENTAL bcrypt import-job CSV; false for none. @default false */
  csvFile?: string | false;
  /** Only write the CSV: create nobody. @default false */
  csvOnly?: boolean;
  /**
   * A plan file written by `auth plan --out`: create only the users it imports, after checking it matches
   * the config; users the store would import that it does not name are reported, not created.
   * @default every user of the legacy store not in the pool yet
   */
  planFile?: string;
}

/** `auth import --remaining` (or `--plan <file>`). */
export function importRemainingOptions(
  config: Config,
  options: AuthImportRunOptions = {},
  deps: AuthRunDeps = {},
): ImportOptions {
  const rate = options.rate;
  if (rate !== undefined && !(rate > 0 && rate <= COGNITO_RATE_CEILING))
    throw new ConfigError('AUTH_RATE_INVALID', `--rate must be between 0 and 50, got ${rate}`, {
      exit: 'usage',
      hint: 'Cognito shares 50 AdminCreateUser requests/s per account and region: stay below it.',
    });
  const saved = options.planFile ? readAuthPlanFile(options.planFile, config) : undefined;
  return {
    config,
    ...(saved && options.planFile
      ? { planned: { file: options.planFile, createdAt: saved.createdAt, ids: plannedImports(saved.plan) } }
      : {}),
    maxRequestsPerSecond: rate ?? config.auth.maxRequestsPerSecond,
    csvFile: options.csvFile ?? false,
    csvOnly: options.csvOnly === true,
    ...pickDefined(deps, ['reporter', 'signal', 'connect', 'pool']),
  };
}

export function importRemainingFromConfig(
  config: Config,
  options: AuthImportRunOptions = {},
  deps: AuthRunDeps = {},
): Promise<ImportResult> {
  return importRemaining(importRemainingOptions(config, options, deps));
}

/** What `auth import --dry-run` shows: `auth plan`'s plan, and who the import would create now. */
export interface ImportPreview {
  /** Every Supabase user by kind, with what happens to each kind (skipped: not created, and why). */
  plan: AuthPlan;
  /** The import counted, not run: `candidates` and `dryRun` say what it would do. */
  import: ImportResult;
}

/**
 * `auth import --dry-run` (with `--remaining` or `--plan`): the plan `auth plan` makes, then the import's own
 * steps counted instead of taken — nobody created, finished or recorded, no CSV written. A plan file is
 * checked against the config first; a target pool that cannot be described fails as in `auth plan`.
 */
export async function previewImportFromConfig(
  config: Config,
  options: AuthImportRunOptions = {},
  deps: AuthRunDeps = {},
): Promise<ImportPreview> {
  const importOptions = importRemainingOptions(config, options, deps);
  const plan = await planAuthFromConfig(config, {}, deps);
  const poolError = planPoolError(plan);
  if (poolError) throw poolError;
  return { plan, import: await importRemaining({ ...importOptions, dryRun: true }) };
}

/** `auth relink <user> [--dry-run]`. */
export function relinkUserFromConfig(
  config: Config,
  options: { userId: string; dryRun?: boolean },
  deps: AuthRunDeps = {},
): Promise<RelinkResult> {
  return relinkUser({
    config,
    userId: options.userId,
    dryRun: options.dryRun === true,
    ...pickDefined(deps, ['reporter', 'signal', 'connect', 'pool']),
  });
}

export interface AuthVerifyRunOptions {
  /** Sign this user in over USER_PASSWORD_AUTH as well. */
  probe?: { username: string; password: string };
}

/** `auth verify`, `supa2aws verify` and the demo's auth verify. */
export function verifyAuthFromConfig(
  config: Config,
  options: AuthVerifyRunOptions = {},
  deps: AuthRunDeps = {},
): Promise<VerifyResult> {
  return verifyAuth({
    config,
    ...(options.probe ? { probe: options.probe } : {}),
    ...pickDefined(deps, ['reporter', 'signal', 'connect', 'pool']),
  });
}

/** `auth rollback`: who switching the app back to Supabase tokens leaves without an account, or changed. */
export function planAuthRollbackFromConfig(
  config: Config,
  deps: AuthRunDeps = {},
): Promise<AuthRollbackPlan> {
  return planAuthRollback({ config, ...pickDefined(deps, ['reporter', 'signal', 'connect', 'pool']) });
}

/** `auth rollback --remove`: removes the plan's users from the pool. */
export function applyAuthRollbackFromConfig(
  config: Config,
  plan: AuthRollbackPlan,
  deps: AuthRunDeps = {},
): Promise<AuthRollbackResult> {
  return applyAuthRollback({ config, plan, ...pickDefined(deps, ['reporter', 'signal', 'pool']) });
}
