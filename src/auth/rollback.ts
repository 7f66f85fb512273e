/**
 * `supa2aws auth rollback`: what switching the app back to Supabase tokens means for the pool's users, and
 * the way to remove the users Supabase does not have.
 *
 * Plan (reads only): lists the pool (ListUsers, 60 a page) and looks each user up in the source's
 * auth.users by the Supabase UUID they carry (`custom:supabase_id` or the username) or, for a user who
 * carries none, by the app user the target's `auth.users.cognito_sub` binds to their sub. A user Supabase
 * does not have (created in Cognito after the switch, or deleted from Supabase after migrating) cannot sign
 * in once the app takes Supabase tokens again: they are the ones `apply` removes. A user Supabase has whose
 * Cognito record says something Supabase cannot know (another email or phone, disabled in Cognito) is
 * listed and left alone. What the pool cannot show — a password changed in Cognito — is said, not guessed.
 *
 * Apply (only when asked): AdminGetUser then AdminDeleteUser for each listed user, skipping one whose
 * username now names another Cognito user than the plan saw; a user already gone counts as removed. The
 * app's rows keyed by a removed user's ID stay, and so does their target auth.users row.
 */
import {
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type pg from 'pg';
import type { Config } from '../config/schema.ts';
import { awsCredentialError, credentialProblem } from '../core/aws/aws-errors.ts';
import { AuthError, ConfigError, InterruptedError, isSupa2awsError } from '../core/errors.ts';
import { OutageWatch } from '../core/outage.ts';
import { logger, silentReporter, step, type Reporter } from '../core/reporter.ts';
import { awsErrorName, targetPool, type TargetPool } from './cognito.ts';
import { defaultConnect, withClient, type ConnectFn } from '../core/pg.ts';
import { legacyTable } from './legacy-schema.ts';
import { hasCognitoSubColumn } from './pool-snapshot.ts';
import { AdaptiveRateLimiter } from './rate-limiter.ts';
import { readSourceUsersById } from './source-users.ts';
import {
  rollbackPoolUser,
  rollbackVerdict,
  ROLLBACK_EVERYONE,
  ROLLBACK_UNDETECTABLE,
  type AuthRollbackPlan,
  type RollbackCounterpart,
  type RollbackPoolUser,
} from './rollback-verdict.ts';

export interface AuthRollbackOptions {
  config: Config;
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
  pool?: TargetPool;
  now?: () => Date;
}

function limiterFor(config: Config, reporter: Reporter): AdaptiveRateLimiter {
  const log = logger(reporter);
  return new AdaptiveRateLimiter({
    ceiling: config.auth.maxRequestsPerSecond,
    outage: new OutageWatch({ what: 'Cognito', onWait: (m) => log.warn(m) }),
  });
}

/** A Cognito refusal as the coded error it stands for; anything else unchanged. */
function cognitoError(error: unknown, pool: TargetPool): unknown {
  if (isSupa2awsError(error)) return error;
  const where = `the target Cognito user pool ${pool.userPoolId}`;
  const credentials = credentialProblem(error);
  if (credentials) return awsCredentialError(credentials, where, { cause: error });
  const name = awsErrorName(error);
  if (name === 'ResourceNotFoundException')
    return new AuthError('AUTH_POOL_NOT_FOUND', `${where} does not exist`, {
      exit: 'usage',
      cause: error,
      hint: 'Check target.cognito.userPoolId (and region) in the config: it must be the pool the app switched to.',
    });
  if (name === 'AccessDeniedException' || name === 'NotAuthorizedException')
    return new AuthError('AUTH_ROLLBACK_DENIED', `AWS refused to let these credentials manage ${where}`, {
      exit: 'permission',
      cause: error,
      hint: 'auth rollback needs cognito-idp:ListUsers (and AdminGetUser, AdminDeleteUser with --remove) on the pool.',
    });
  return error;
}

/** Looks up one ListUsers page's users on the source and the target. */
async function counterparts(
  users: RollbackPoolUser[],
  source: pg.ClientBase,
  target: pg.ClientBase,
  lookups: { subColumn: boolean; store: string | undefined },
): Promise<RollbackCounterpart[]> {
  const subs = users.flatMap((u) => (!u.supabaseId && u.sub ? [u.sub] : []));
  const bound = new Map<string, string>();
  if (lookups.subColumn && subs.length > 0) {
    const { rows } = await target.query<{ id: string; cognito_sub: string }>(
      'SELECT id::text AS id, cognito_sub FROM auth.users WHERE cognito_sub = ANY($1)',
      [subs],
    );
    for (const r of rows) bound.set(r.cognito_sub, r.id);
  }
  const idOf = (u: RollbackPoolUser) => u.supabaseId ?? (u.sub ? bound.get(u.sub) : undefined);
  const ids = [...new Set(users.flatMap((u) => idOf(u) ?? []))];
  const sourceUsers = new Map((await readSourceUsersById(source, ids)).map((s) => [s.id, s]));
  const stored = lookups.store
    ? new Set(
        (
          await target.query<{ id: string }>(
            `SELECT id::text AS id FROM ${lookups.store} WHERE id = ANY($1::uuid[])`,
            [ids],
          )
        ).rows.map((r) => r.id),
      )
    : undefined;
  return users.map((u) => {
    const id = idOf(u);
    return {
      source: id ? sourceUsers.get(id) : undefined,
      boundUserId: u.sub ? bound.get(u.sub) : undefined,
      inLegacyStore: stored ? id !== undefined && stored.has(id) : undefined,
    };
  });
}

export async function planAuthRollback(options: AuthRollbackOptions): Promise<AuthRollbackPlan> {
  const { config } = options;
  const reporter = options.reporter ?? silentReporter;
  const pool = options.pool ?? targetPool(config);
  const mode = config.auth.userIdAttribute;
  const limiter = limiterFor(config, reporter);
  const signal = options.signal;
  const now = (options.now ?? (() => new Date()))();
  const connect = options.connect ?? defaultConnect;
  const plan: AuthRollbackPlan = {
    version: 1,
    userPoolId: pool.userPoolId,
    poolUsers: 0,
    remove: [],
    changed: [],
    everyone: ROLLBACK_EVERYONE,
    undetectable: ROLLBACK_UNDETECTABLE,
  };
  try {
    await withClient(connect, config.source.db.url, 'source', (source) =>
      withClient(connect, config.target.db.url, 'target', async (target) => {
        const table = legacyTable(config.auth.legacySchema);
        const lookups = {
          subColumn: await hasCognitoSubColumn(target),
          store:
            (await target.query(`SELECT to_regclass($1) AS t`, [table])).rows[0]?.t !== null
              ? table
              : undefined,
        };
        await step(reporter, `compare the users of pool ${pool.userPoolId} with Supabase's`, async () => {
          let token: string | undefined;
          do {
            if (signal?.aborted) throw new InterruptedError('auth rollback');
            const page = await limiter.call(
              () =>
                pool.client.send(
                  new ListUsersCommand({ UserPoolId: pool.userPoolId, Limit: 60, PaginationToken: token }),
                ),
              signal ? { signal } : {},
            );
            const users = (page.Users ?? []).flatMap((u) => rollbackPoolUser(u, mode) ?? []);
            const found = await counterparts(users, source, target, lookups);
            users.forEach((user, i) => {
              const verdict = rollbackVerdict(user, found[i]!, now);
              if (verdict && 'remove' in verdict) plan.remove.push(verdict.remove);
              else if (verdict) plan.changed.push(verdict.changed);
            });
            plan.poolUsers += users.length;
            reporter.emit({ type: 'progress', task: 'compare users', done: plan.poolUsers, unit: 'users' });
            token = page.PaginationToken;
          } while (token);
        });
      }),
    );
  } catch (error) {
    throw cognitoError(error, pool);
  } finally {
    if (!options.pool) pool.client.destroy();
  }
  return plan;
}

export interface AuthRollbackResult {
  version: 1;
  userPoolId: string;
  /** Users the plan listed for removal. */
  planned: number;
  /** Deleted now. */
  removed: number;
  /** Already gone from the pool. */
  alreadyGone: number;
  /** Left in the pool: their username now names another Cognito user than the plan saw. */
  skipped: { username: string; sub: string | null; why: string }[];
  failed: { username: string; sub: string | null; code: string; message: string }[];
}

export interface AuthRollbackApplyOptions extends AuthRollbackOptions {
  plan: AuthRollbackPlan;
}

/** Removes the users the plan lists from the pool (AdminDeleteUser), and nobody else. */
export async function applyAuthRollback(options: AuthRollbackApplyOptions): Promise<AuthRollbackResult> {
  const { config, plan } = options;
  const reporter = options.reporter ?? silentReporter;
  const log = logger(reporter);
  const pool = options.pool ?? targetPool(config);
  if (plan.userPoolId !== pool.userPoolId) {
    if (!options.pool) pool.client.destroy();
    throw new ConfigError(
      'AUTH_ROLLBACK_PLAN_POOL',
      `the rollback plan is for pool ${plan.userPoolId}, the config names ${pool.userPoolId}`,
      { exit: 'usage', hint: 'Plan again with `supa2aws auth rollback` against this config, then remove.' },
    );
  }
  const mode = config.auth.userIdAttribute;
  const limiter = limiterFor(config, reporter);
  const signal = options.signal;
  const call = <T>(fn: () => Promise<T>) => limiter.call(fn, signal ? { signal } : {});
  const result: AuthRollbackResult = {
    version: 1,
    userPoolId: pool.userPoolId,
    planned: plan.remove.length,
    removed: 0,
    alreadyGone: 0,
    skipped: [],
    failed: [],
  };
  const key = { UserPoolId: pool.userPoolId };
  try {
    await step(reporter, `remove ${plan.remove.length} users from pool ${pool.userPoolId}`, async () => {
      for (const user of plan.remove) {
        if (signal?.aborted) throw new InterruptedError('auth rollback');
        try {
          const found = await call(() =>
            pool.client.send(new AdminGetUserCommand({ ...key, Username: user.username })),
          );
          const now = rollbackPoolUser(
            { Username: found.Username ?? user.username, Attributes: found.UserAttributes },
            mode,
          );
          // Without a sub (cognito-local's migrated users) the plan's app ID is the UUID the user carried.
          const same = user.sub ? now?.sub === user.sub : now?.supabaseId === user.userId;
          if (!same) {
            result.skipped.push({
              username: user.username,
              sub: user.sub,
              why: `the username now names another Cognito user (sub ${now?.sub ?? 'none'}): plan again`,
            });
            continue;
          }
          await call(() => pool.client.send(new AdminDeleteUserCommand({ ...key, Username: user.username })));
          result.removed++;
          log.info(
            `removed Cognito user ${user.sub ?? '(no sub)'}: ${user.reason}, app user ${user.userId ?? 'none'}`,
          );
        } catch (error) {
          if (awsErrorName(error) === 'UserNotFoundException') {
            result.alreadyGone++;
            continue;
          }
          if (signal?.aborted) throw new InterruptedError('auth rollback');
          const mapped = cognitoError(error, pool);
          if (isSupa2awsError(mapped)) throw mapped;
          result.failed.push({
            username: user.username,
            sub: user.sub,
            code: awsErrorName(error) ?? 'Error',
            message: (error as Error).message,
          });
        }
        reporter.emit({
          type: 'progress',
          task: 'remove users',
          done: result.removed + result.alreadyGone + result.skipped.length + result.failed.length,
          total: plan.remove.length,
          unit: 'users',
        });
      }
    });
  } finally {
    if (!options.pool) pool.client.destroy();
  }
  log.info(
    `removed ${result.removed}, already gone ${result.alreadyGone}, skipped ${result.skipped.length}, failed ${result.failed.length} of ${result.planned} users`,
  );
  return result;
}
