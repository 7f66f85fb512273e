/**
 * `supa2aws auth import --remaining`: at the end of the lazy window, creates in Cognito every user of the
 * legacy store who is not in the pool yet (AdminCreateUser, message suppressed, the attributes the
 * migrate-user trigger gives), sets a random permanent password so they can reset it (a user left in
 * FORCE_CHANGE_PASSWORD cannot), links OAuth identities when configured, and records
 * `auth.users.cognito_sub` — re-binding a recorded sub whose Cognito user is gone (deleted, or the pool
 * rebuilt) to the user's new one, by the rule of recordSubsFromSnapshot, each re-binding logged. Paced under auth.maxRequestsPerSecond, backing off on TooManyRequests.
 * Converges: the pool is listed first and only the missing are created; UsernameExists is checked and
 * counted as already there; a user left half-done (FORCE_CHANGE_PASSWORD) is finished by the next run.
 * Also writes the EXPERIMENTAL CSV for the bcrypt import job (import-csv.ts).
 * A dry run lists the pool the same way (into a TEMP table) and counts who would be created, finished and
 * written to the CSV: it creates nobody, sets no password, records no sub and writes no file.
 */
import type { Config } from '../config/schema.ts';
import { AuthError, isSupa2awsError } from '../core/errors.ts';
import { OutageWatch } from '../core/outage.ts';
import { logger, silentReporter, type Reporter } from '../core/reporter.ts';
import { awsCredentialError, credentialProblem } from '../core/aws/aws-errors.ts';
import { targetPool, type TargetPool } from './cognito.ts';
import { defaultConnect, withClient, type ConnectFn } from '../core/pg.ts';
import type { CsvLayout } from './import-csv.ts';
import { RemainingImport } from './import-run.ts';
import { legacyTable } from './legacy-schema.ts';
import type { SubConflict, SubRebinding } from './pool-snapshot.ts';
import { AdaptiveRateLimiter } from './rate-limiter.ts';

export interface ImportOptions {
  config: Config;
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
  pool?: TargetPool;
  limiter?: AdaptiveRateLimiter;
  /** Cognito admin calls per second at the most. @default config.auth.maxRequestsPerSecond */
  maxRequestsPerSecond?: number;
  /** Where to write the EXPERIMENTAL bcrypt import-job CSV; false for none. @default false */
  csvFile?: string | false;
  /** Only write the CSV: create nobody. @default false */
  csvOnly?: boolean;
  /** Change nothing: count who would be created, finished and written to the CSV (`result.dryRun`). @default false */
  dryRun?: boolean;
  /** Users created at once (they share the rate limit). @default 4 */
  concurrency?: number;
  now?: () => Date;
  /**
   * A saved plan (`auth import --plan`): only the users it imports are created; the others the store
   * would import are counted in `result.sincePlan`, not created. @default every user the store imports
   */
  planned?: PlannedImport;
}

/** The saved plan an import applies: its file, when it was made, and the users it imports. */
export interface PlannedImport {
  file: string;
  createdAt: string;
  ids: ReadonlySet<string>;
}

/** What changed since the saved plan an import applied. */
export interface ImportSincePlan {
  file: string;
  createdAt: string;
  /** Users the plan imports. */
  planned: number;
  /** Users the store imports now that the plan does not (added, or no longer skipped since): not created. */
  notInPlan: { count: number; sample: string[] };
  /** Users the plan imports that the store no longer does (removed at the source, or skipped now). */
  gone: { count: number; sample: string[] };
}

/** What a dry run found the import would do; nothing was created, finished, recorded or written. */
export interface ImportDryRun {
  /** Users of the store to import who are in the pool already (signed in, or imported before): not created again. */
  inPool: number;
  /** Users half-created by an interrupted import (FORCE_CHANGE_PASSWORD) that it would finish. */
  finish: string[];
  /** The EXPERIMENTAL CSV it would write (none without csvFile): its rows, and the users it would leave out. */
  csv?: { file: string; rows: number; skippedUnverified: number };
}

export interface ImportFailure {
  id: string;
  code: string;
  message: string;
}

export interface ImportResult {
  version: 1;
  userPoolId: string;
  poolUsersBefore: number;
  candidates: number;
  created: number;
  /** Found already in the pool when creating (UsernameExists with the same Supabase UUID). */
  existing: number;
  /** Left half-done by an earlier run (FORCE_CHANGE_PASSWORD) and finished now. */
  finished: number;
  /** The Supabase UUIDs of the users finished now. */
  finishedIds: string[];
  linked: number;
  failed: ImportFailure[];
  cognitoSub: { recorded: number; rebound: SubRebinding[]; conflicts: SubConflict[]; column: boolean };
  rate: { ceiling: number; final: number; throttles: number; calls: number };
  csv?: {
    file: string;
    rows: number;
    skippedUnverified: number;
    headerSource: CsvLayout['headerSource'];
    hashColumn: string;
    hashColumnFromHeader: boolean;
    experimental: true;
  };
  elapsedMs: number;
  /** With a saved plan: what changed since it was made. */
  sincePlan?: ImportSincePlan;
  /** Set by a dry run, which changes nothing: `candidates` is who it would create (none with csvOnly). */
  dryRun?: ImportDryRun;
}

function emptyResult(userPoolId: string, limiter: AdaptiveRateLimiter, options: ImportOptions): ImportResult {
  const { planned, csvFile } = options;
  return {
    version: 1,
    userPoolId,
    poolUsersBefore: 0,
    candidates: 0,
    created: 0,
    existing: 0,
    finished: 0,
    finishedIds: [],
    linked: 0,
    failed: [],
    cognitoSub: { recorded: 0, rebound: [], conflicts: [], column: false },
    rate: { ceiling: limiter.ceiling, final: limiter.rate, throttles: 0, calls: 0 },
    elapsedMs: 0,
    ...(planned
      ? {
          sincePlan: {
            file: planned.file,
            createdAt: planned.createdAt,
            planned: planned.ids.size,
            notInPlan: { count: 0, sample: [] },
            gone: { count: 0, sample: [] },
          },
        }
      : {}),
    ...(options.dryRun
      ? {
          dryRun: {
            inPool: 0,
            finish: [],
            ...(csvFile ? { csv: { file: csvFile, rows: 0, skippedUnverified: 0 } } : {}),
          },
        }
      : {}),
  };
}

export async function importRemaining(options: ImportOptions): Promise<ImportResult> {
  const { config } = options;
  const reporter = options.reporter ?? silentReporter;
  const log = logger(reporter);
  const started = Date.now();
  const pool = options.pool ?? targetPool(config);
  const limiter =
    options.limiter ??
    new AdaptiveRateLimiter({
      ceiling: options.maxRequestsPerSecond ?? config.auth.maxRequestsPerSecond,
      outage: new OutageWatch({ what: 'Cognito', onWait: (m) => log.warn(m) }),
    });
  const result = emptyResult(pool.userPoolId, limiter, options);
  const run = new RemainingImport(
    {
      options,
      config,
      pool,
      limiter,
      mode: config.auth.userIdAttribute,
      table: legacyTable(config.auth.legacySchema),
      now: (options.now ?? (() => new Date()))(),
      reporter,
      log,
    },
    result,
  );
  try {
    await withClient(options.connect ?? defaultConnect, config.target.db.url, 'target', (target) =>
      run.run(target),
    );
    run.csv?.close();
  } catch (error) {
    run.csv?.abort();
    const credentials = credentialProblem(error);
    throw withSummary(
      credentials
        ? awsCredentialError(credentials, `the target Cognito user pool ${pool.userPoolId}`, { cause: error })
        : error,
      result,
    );
  } finally {
    if (!options.pool) pool.client.destroy();
  }
  finishResult(result, run, limiter, started);
  log.info(
    result.dryRun
      ? `dry run: ${result.candidates} remaining users to create${options.csvOnly ? ' (--csv-only: created by nobody)' : ''}, ${result.dryRun.finish.length} half-created to finish; nothing changed`
      : `created ${result.created}, already there ${result.existing}, finished ${result.finished}, failed ${result.failed.length} of ${result.candidates} remaining users; re-bound ${result.cognitoSub.rebound.length}, sub conflicts ${result.cognitoSub.conflicts.length}`,
  );
  const since = result.sincePlan;
  if (since?.notInPlan.count)
    log.warn(
      `${since.notInPlan.count} user(s) to import are not in the plan ${since.file} (added or no longer skipped since it was made): not created; run \`supa2aws auth plan --out <file>\` again to take them`,
    );
  return result;
}

/** The CSV written, the limiter's final figures and the elapsed time, once the run is over. */
function finishResult(
  result: ImportResult,
  run: RemainingImport,
  limiter: AdaptiveRateLimiter,
  started: number,
): void {
  const { csv } = run;
  if (csv) {
    result.csv = {
      file: csv.file,
      rows: csv.rows,
      skippedUnverified: run.skippedUnverified,
      headerSource: csv.layout.headerSource,
      hashColumn: csv.layout.hashColumn,
      hashColumnFromHeader: csv.layout.hashColumnFromHeader,
      experimental: true,
    };
  }
  result.rate = {
    ceiling: limiter.ceiling,
    final: limiter.rate,
    throttles: limiter.throttles,
    calls: limiter.calls,
  };
  result.elapsedMs = Date.now() - started;
}

/** What an import stopped by an outage or Ctrl-C did before it stopped, said in its error. */
function withSummary(error: unknown, result: ImportResult): unknown {
  if (!isSupa2awsError(error) || (error.code !== 'AUTH_COGNITO_UNREACHABLE' && error.code !== 'INTERRUPTED'))
    return error;
  const done = `before it stopped: created ${result.created}, finished ${result.finished}, already there ${result.existing}, failed ${result.failed.length} of ${result.candidates} users read so far`;
  return new AuthError(error.code, `${error.message}; ${done}`, {
    exit: error.code === 'INTERRUPTED' ? 'interrupted' : 'environment',
    cause: error,
    details: { created: result.created, finished: result.finished, existing: result.existing },
    hint:
      error.code === 'INTERRUPTED'
        ? 'interrupted: run the same command again (`supa2aws auth import --remaining`): it creates nobody twice and finishes half-created users.'
        : `${error.hint ?? ''} Users created so far stay; a re-run creates nobody twice.`.trim(),
  });
}
