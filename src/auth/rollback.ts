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
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import type pg from 'pg';
import type { Config } from '../core/config/schema.ts';
import { awsCredentialError, credentialProblem } from '../core/aws/aws-errors.ts';
import { AuthError, ConfigError, InterruptedError, isSupa2awsError } from '../core/errors.ts';
import { OutageWatch } from '../core/outage.ts';
import { logger, silentReporter, step, type Reporter } from '../core/reporter.ts';
import type { SourceUser } from './classify.ts';
import { awsErrorName, targetPool, type TargetPool } from './cognito.ts';
import { defaultConnect, withClient, type Connect } from './db.ts';
import { emailKey, isUuid, toE164 } from './identifiers.ts';
import { legacyTable } from './legacy-schema.ts';
import { maskEmail } from './plan.ts';
import { hasCognitoSubColumn } from './pool-snapshot.ts';
import { AdaptiveRateLimiter } from './rate-limiter.ts';
import { readSourceUsersById } from './source-users.ts';
import { supabaseIdOf, type UserIdAttribute } from './user-id.ts';

/** Why Supabase does not have a pool user. */
export type RemoveReason = 'created-in-cognito' | 'deleted-in-supabase';

/** What a pool user's Cognito record says that Supabase does not know. */
export type ChangeKind = 'email-changed' | 'phone-changed' | 'disabled-in-cognito';

/** A pool user as the rollback sees them (from ListUsers). */
export interface RollbackPoolUser {
  username: string;
  sub: string | null;
  /** The Supabase UUID the user carries (lower-cased), or null. */
  supabaseId: string | null;
  /** `email`, lower-cased. */
  email: string | null;
  /** `phone_number` (+E.164). */
  phone: string | null;
  enabled: boolean;
}

/** What the rollback knows about a pool user besides the pool. */
export interface RollbackCounterpart {
  /** The source's auth.users row of the user's app ID, if it has one. */
  source: SourceUser | undefined;
  /** The target's auth.users row bound to the user's sub (`cognito_sub`), when the user carries no UUID. */
  boundUserId: string | undefined;
  /** Whether `auth export` wrote the user's ID to the legacy store (undefined: there is no store). */
  inLegacyStore: boolean | undefined;
}

/** A pool user Supabase does not have: removed by `auth rollback --remove`. */
export interface RollbackRemoval {
  /** The Cognito username (AdminDeleteUser's key; an email in some pools). */
  username: string;
  sub: string | null;
  /** The app's user ID (rows are keyed by it), or null when the app has none. */
  userId: string | null;
  /** Masked. */
  email: string | null;
  reason: RemoveReason;
  /** Why, and what switching back means for them. */
  detail: string;
}

/** A pool user Supabase has, whose Cognito record changed in a way Supabase cannot know: listed only. */
export interface RollbackChange {
  username: string;
  sub: string | null;
  userId: string;
  changes: ChangeKind[];
  /** What differs, and what switching back means for them. */
  detail: string;
}

export interface AuthRollbackPlan {
  version: 1;
  userPoolId: string;
  poolUsers: number;
  remove: RollbackRemoval[];
  changed: RollbackChange[];
  /** What switching back means for every user. */
  everyone: string[];
  /** What the pool cannot show, so the plan cannot list. */
  undetectable: string[];
}

export const ROLLBACK_EVERYONE = [
  'Every signed-in user signs in again: Supabase does not accept Cognito tokens.',
  'Rows the app wrote after the switch stay where they are, keyed by the user’s ID; this command removes Cognito users only.',
];

export const ROLLBACK_UNDETECTABLE = [
  'A password changed in Cognito (reset or changed in the app): Cognito never shows a password or when it changed. Such users sign in to Supabase with their old password, or reset it there.',
  'MFA set up in Cognito and identity providers linked there after the switch: Supabase knows neither.',
];

/** The rollback's view of one ListUsers entry; undefined for an entry without a username. */
export function rollbackPoolUser(user: UserType, mode: UserIdAttribute): RollbackPoolUser | undefined {
  if (!user.Username) return undefined;
  const attribute = (name: string) => user.Attributes?.find((a) => a.Name === name)?.Value ?? null;
  const id = supabaseIdOf(user, mode);
  return {
    username: user.Username,
    sub: attribute('sub'),
    supabaseId: isUuid(id) ? id.toLowerCase() : null,
    email: emailKey(attribute('email')) ?? null,
    phone: attribute('phone_number'),
    enabled: user.Enabled !== false,
  };
}

const masked = (email: string | null) => (email ? maskEmail(email) : null);

/**
 * Pure: whether switching back to Supabase leaves this pool user without a Supabase account (a removal),
 * with something Supabase does not know (a change), or as they were (undefined).
 */
export function rollbackVerdict(
  user: RollbackPoolUser,
  counterpart: RollbackCounterpart,
  now: Date,
): { remove: RollbackRemoval } | { changed: RollbackChange } | undefined {
  const userId = user.supabaseId ?? counterpart.boundUserId ?? null;
  const source = counterpart.source;
  if (!source || source.deletedAt) {
    const deleted = Boolean(source?.deletedAt);
    const exported = deleted || counterpart.inLegacyStore === true;
    const why = !userId
      ? 'created in Cognito after the switch: carries no Supabase UUID and no app user is bound to it'
      : exported
        ? `deleted from Supabase after it was exported (${userId} is ${deleted ? 'soft-deleted in' : 'gone from'} auth.users)`
        : `created in Cognito after the switch: Supabase has no user ${userId}`;
    const rows = userId
      ? `; the app’s rows keyed by ${userId} stay, with nobody who can sign in as their owner`
      : '';
    return {
      remove: {
        username: user.username,
        sub: user.sub,
        userId,
        email: masked(user.email),
        reason: userId && exported ? 'deleted-in-supabase' : 'created-in-cognito',
        detail: `${why}. After switching back they cannot sign in: Supabase has no account for them${rows}.`,
      },
    };
  }
  const changes: ChangeKind[] = [];
  const what: string[] = [];
  const sourceEmail = emailKey(source.email) ?? null;
  if (user.email && user.email !== sourceEmail) {
    changes.push('email-changed');
    what.push(
      sourceEmail
        ? `email changed in Cognito to ${maskEmail(user.email)}: Supabase still has ${maskEmail(sourceEmail)}, the address they sign in with after switching back`
        : `email ${maskEmail(user.email)} added in Cognito: Supabase has none, so they cannot sign in with it after switching back`,
    );
  }
  const sourcePhone = toE164(source.phone) ?? null;
  if (user.phone && user.phone !== sourcePhone) {
    changes.push('phone-changed');
    what.push(
      sourcePhone
        ? 'phone number changed in Cognito: Supabase still has the old one, the number they sign in with after switching back'
        : 'phone number added in Cognito: Supabase has none, so they cannot sign in with it after switching back',
    );
  }
  const banned = source.bannedUntil !== null && source.bannedUntil > now;
  if (!user.enabled && !banned) {
    changes.push('disabled-in-cognito');
    what.push(
      'disabled in Cognito but not banned in Supabase: after switching back they can sign in again (ban them in Supabase if that was on purpose)',
    );
  }
  if (changes.length === 0) return undefined;
  return {
    changed: { username: user.username, sub: user.sub, userId: source.id, changes, detail: what.join('; ') },
  };
}

export interface AuthRollbackOptions {
  config: Config;
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: Connect;
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
    await withClient(connect, config.source.db.url, (source) =>
      withClient(connect, config.target.db.url, async (target) => {
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
