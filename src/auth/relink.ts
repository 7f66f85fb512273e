/**
 * `supa2aws auth relink <user>`: the explicit admin step that re-binds a Supabase user to the Cognito user
 * the pool has for them now. The runtime resolver binds the first Cognito `sub` it sees for a user ID and
 * refuses any other after that (one app user, one Cognito identity), so a user deleted and migrated again,
 * or a rebuilt pool, locks the user out until an admin says which identity is theirs. Lists the pool
 * (ListUsers, to find the one user carrying the UUID and whether the old identity still exists), then
 * sets `auth.users.cognito_sub` to that user's sub and logs the change. App servers forget a cached
 * answer for the old sub within the resolver's ttlMs (5 minutes by default). With `dryRun` it checks the same
 * and says what it would set, changing nothing.
 */
import type { Config } from '../config/schema.ts';
import { AuthError } from '../core/errors.ts';
import { logger, silentReporter, step, type Reporter } from '../core/reporter.ts';
import { targetPool, type TargetPool } from './cognito.ts';
import { defaultConnect, withClient, type ConnectFn } from '../core/pg.ts';
import { hasCognitoSubColumn, POOL_TABLE, snapshotPool } from './pool-snapshot.ts';
import { AdaptiveRateLimiter } from './rate-limiter.ts';
import { isUuid } from '@supa2aws/runtime/auth';

export interface RelinkOptions {
  config: Config;
  /** The Supabase UUID of the user to re-bind. */
  userId: string;
  /** Check and say what would be set; change nothing. @default false */
  dryRun?: boolean;
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
  pool?: TargetPool;
}

export interface RelinkResult {
  version: 1;
  userPoolId: string;
  userId: string;
  /** The Cognito username now bound. */
  username: string;
  /** The sub recorded before (null: none). */
  from: string | null;
  /** The sub recorded now (null: the pool's user has none, as cognito-local's migrated users: the resolver records it at first sight). */
  to: string | null;
  /** The binding was moved (with dryRun: would be). */
  changed: boolean;
  dryRun: boolean;
  /** Whether the Cognito user of the old sub is still in the pool (it no longer resolves to this user). */
  oldIdentityInPool: boolean;
}

const relinkHint = (what: string) =>
  `${what}; then run \`supa2aws auth relink <user>\` again (\`supa2aws auth verify\` lists who needs it).`;

/** The user `auth relink` takes, lower-cased; anything but a UUID is a usage error (exit 2). */
export function relinkUserId(userId: string): string {
  if (!isUuid(userId)) {
    throw new AuthError('AUTH_RELINK_USER', `auth relink needs a Supabase user UUID, got "${userId}"`, {
      exit: 'usage',
      hint: 'Pass the user’s UUID as `supa2aws auth verify` prints it, e.g. `supa2aws auth relink 0b5e…`.',
    });
  }
  return userId.toLowerCase();
}

export async function relinkUser(options: RelinkOptions): Promise<RelinkResult> {
  const { config } = options;
  const dryRun = options.dryRun === true;
  const id = relinkUserId(options.userId);
  const reporter = options.reporter ?? silentReporter;
  const log = logger(reporter);
  const pool = options.pool ?? targetPool(config);
  const limiter = new AdaptiveRateLimiter({ ceiling: config.auth.maxRequestsPerSecond });
  try {
    return await withClient(
      options.connect ?? defaultConnect,
      config.target.db.url,
      'target',
      async (target) => {
        if (!(await hasCognitoSubColumn(target))) {
          throw new AuthError(
            'AUTH_RELINK_NO_COMPAT',
            'the target has no auth.users.cognito_sub to re-bind',
            {
              exit: 'usage',
              hint: 'Run `supa2aws db schema` and `supa2aws db copy` first: they create the compat auth.users.',
            },
          );
        }
        await step(reporter, `list the users of pool ${pool.userPoolId}`, () =>
          snapshotPool(target, pool, config.auth.userIdAttribute, limiter, options.signal),
        );
        const user = await target.query<{ cognito_sub: string | null }>(
          'SELECT cognito_sub FROM auth.users WHERE id = $1',
          [id],
        );
        if (user.rows.length === 0) {
          throw new AuthError('AUTH_RELINK_NO_USER', `user ${id} is not in the target auth.users`, {
            exit: 'usage',
            hint: relinkHint('Check the UUID, or copy the users with `supa2aws db copy`'),
          });
        }
        const from = user.rows[0]!.cognito_sub;
        const members = await target.query<{ username: string; sub: string | null }>(
          `SELECT username, sub FROM ${POOL_TABLE} WHERE supabase_id = $1`,
          [id],
        );
        if (members.rows.length !== 1) {
          throw new AuthError(
            'AUTH_RELINK_POOL_USER',
            `pool ${pool.userPoolId} has ${members.rows.length} users carrying ${id}, not one`,
            {
              exit: 'usage',
              hint: relinkHint(
                members.rows.length === 0
                  ? 'The user is not in the pool yet: they come at first sign-in or with `supa2aws auth import --remaining`'
                  : `Delete the extra Cognito users (${members.rows.map((m) => m.username).join(', ')}) so one remains`,
              ),
            },
          );
        }
        const member = members.rows[0]!;
        const to = member.sub;
        const oldIdentityInPool =
          from !== null &&
          from !== to &&
          (await target.query(`SELECT 1 FROM ${POOL_TABLE} WHERE sub = $1`, [from])).rows.length > 0;
        if (from === to) {
          log.info(`user ${id} is already bound to Cognito user ${member.username} (sub ${to ?? 'none'})`);
          return result(false);
        }
        if (to !== null) {
          const taken = await target.query<{ id: string }>(
            'SELECT id::text AS id FROM auth.users WHERE cognito_sub = $1 AND id <> $2',
            [to, id],
          );
          if (taken.rows[0]) {
            throw new AuthError(
              'AUTH_RELINK_SUB_TAKEN',
              `Cognito sub ${to} (pool user ${member.username}) is bound to another user, ${taken.rows[0].id}`,
              {
                exit: 'usage',
                hint: relinkHint(
                  `Find out which user that Cognito identity belongs to; re-bind ${taken.rows[0].id} first if it is the wrong one`,
                ),
              },
            );
          }
        }
        if (dryRun) return result(true);
        await target.query('UPDATE auth.users SET cognito_sub = $2 WHERE id = $1', [id, to]);
        log.warn(
          `re-bound user ${id}: auth.users.cognito_sub ${from ?? 'none'} → ${to ?? 'none (recorded at the next sign-in)'} (pool user ${member.username})${
            oldIdentityInPool
              ? `; Cognito user with sub ${from} is still in the pool and no longer resolves to this user`
              : ''
          }`,
        );
        return result(true);

        function result(changed: boolean): RelinkResult {
          return {
            version: 1,
            userPoolId: pool.userPoolId,
            userId: id,
            username: member.username,
            from,
            to,
            changed,
            dryRun,
            oldIdentityInPool,
          };
        }
      },
    );
  } finally {
    if (!options.pool) pool.client.destroy();
  }
}
