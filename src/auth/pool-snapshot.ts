/**
 * A snapshot of the pool's users in a TEMP table on the target connection (username, Supabase UUID, sub,
 * status), so `auth import` and `auth verify` can join it against the legacy store in SQL instead of
 * holding a user list in memory. ListUsers pages of 60 (cognito-local returns everything in one page).
 */
import { ListUsersCommand, type UserType } from '@aws-sdk/client-cognito-identity-provider';
import type pg from 'pg';
import type { TargetPool } from './cognito.ts';
import type { AdaptiveRateLimiter } from './rate-limiter.ts';
import { supabaseIdOf, type UserIdAttribute } from './user-id.ts';

export const POOL_TABLE = 'pg_temp.supa2aws_pool_users';

export interface PoolUserRow {
  username: string;
  supabase_id: string | null;
  sub: string | null;
  status: string | null;
  enabled: boolean;
}

function poolUserRow(user: UserType, mode: UserIdAttribute): PoolUserRow | undefined {
  if (!user.Username) return undefined;
  const id = supabaseIdOf(user, mode);
  return {
    username: user.Username,
    supabase_id: id && /^[0-9a-f-]{36}$/i.test(id) ? id.toLowerCase() : null,
    sub: user.Attributes?.find((a) => a.Name === 'sub')?.Value ?? null,
    status: user.UserStatus ?? null,
    enabled: user.Enabled !== false,
  };
}

/** Fills the TEMP table; returns how many pool users there are. */
export async function snapshotPool(
  target: pg.ClientBase,
  pool: TargetPool,
  mode: UserIdAttribute,
  limiter: AdaptiveRateLimiter,
  signal?: AbortSignal,
): Promise<number> {
  await target.query(`DROP TABLE IF EXISTS ${POOL_TABLE}`);
  await target.query(`CREATE TEMP TABLE supa2aws_pool_users (
    username text PRIMARY KEY, supabase_id text, sub text, status text, enabled boolean NOT NULL)`);
  await target.query(`CREATE INDEX ON ${POOL_TABLE} (supabase_id)`);
  let token: string | undefined;
  let total = 0;
  do {
    const page = await limiter.call(
      () =>
        pool.client.send(
          new ListUsersCommand({ UserPoolId: pool.userPoolId, Limit: 60, PaginationToken: token }),
        ),
      signal ? { signal } : {},
    );
    const rows = (page.Users ?? []).flatMap((u) => poolUserRow(u, mode) ?? []);
    if (rows.length > 0) {
      await target.query(
        `INSERT INTO ${POOL_TABLE} (username, supabase_id, sub, status, enabled)
         SELECT username, supabase_id, sub, status, enabled
           FROM jsonb_to_recordset($1::jsonb) AS r(username text, supabase_id text, sub text, status text, enabled boolean)
         ON CONFLICT (username) DO NOTHING`,
        [JSON.stringify(rows)],
      );
    }
    total += rows.length;
    token = page.PaginationToken;
  } while (token);
  return total;
}

/** Whether the target has the compat `auth.users` with a `cognito_sub` column (the DB phase makes it). */
export async function hasCognitoSubColumn(target: pg.ClientBase): Promise<boolean> {
  const { rows } = await target.query(
    `SELECT 1 FROM information_schema.columns
      WHERE table_schema = 'auth' AND table_name = 'users' AND column_name = 'cognito_sub'`,
  );
  return rows.length > 0;
}

/** A user whose recorded Cognito sub was moved to the pool's current user. */
export interface SubRebinding {
  id: string;
  from: string;
  to: string;
}

/** A user whose recorded sub differs from the pool's and was left alone, with why. */
export interface SubConflict {
  id: string;
  recorded: string;
  pool: string;
  reason: string;
}

/**
 * Records `auth.users.cognito_sub` for every pool user that carries a Supabase UUID and a sub, where it
 * is not set yet, and applies the re-binding rule to a recorded sub that differs from the pool's: it is
 * moved to the pool's sub only when the Cognito user it named is gone from the pool (deleted, or the pool
 * rebuilt), exactly one pool user carries the Supabase UUID, and no other user has the new sub — the old
 * identity can sign in nowhere, so nobody loses access and nobody gains another's. Any other difference is
 * a conflict, left for an admin (`supa2aws auth relink`). Needs a complete snapshot (snapshotPool).
 */
export async function recordSubsFromSnapshot(
  target: pg.ClientBase,
): Promise<{ recorded: number; rebound: SubRebinding[]; conflicts: SubConflict[] }> {
  const recorded = await target.query(
    `UPDATE auth.users u SET cognito_sub = p.sub
       FROM ${POOL_TABLE} p
      WHERE p.supabase_id = u.id::text AND p.sub IS NOT NULL AND u.cognito_sub IS NULL
        AND NOT EXISTS (SELECT 1 FROM auth.users o WHERE o.cognito_sub = p.sub)`,
  );
  const rebound = await target.query<SubRebinding>(
    `UPDATE auth.users u SET cognito_sub = p.sub
       FROM ${POOL_TABLE} p, auth.users old
      WHERE old.id = u.id AND p.supabase_id = u.id::text AND p.sub IS NOT NULL
        AND u.cognito_sub IS NOT NULL AND u.cognito_sub <> p.sub
        AND NOT EXISTS (SELECT 1 FROM ${POOL_TABLE} q WHERE q.sub = u.cognito_sub)
        AND (SELECT count(*) FROM ${POOL_TABLE} q WHERE q.supabase_id = p.supabase_id) = 1
        AND NOT EXISTS (SELECT 1 FROM auth.users o WHERE o.cognito_sub = p.sub)
      RETURNING u.id::text AS id, old.cognito_sub AS "from", p.sub AS "to"`,
  );
  const conflicts = await target.query<SubConflict>(
    `SELECT u.id::text AS id, u.cognito_sub AS recorded, p.sub AS pool,
            CASE WHEN EXISTS (SELECT 1 FROM ${POOL_TABLE} q WHERE q.sub = u.cognito_sub)
                   THEN 'the recorded Cognito user is still in the pool'
                 WHEN EXISTS (SELECT 1 FROM auth.users o WHERE o.cognito_sub = p.sub)
                   THEN 'the pool''s sub is recorded for another user'
                 ELSE 'more than one pool user carries this Supabase UUID' END AS reason
       FROM auth.users u JOIN ${POOL_TABLE} p ON p.supabase_id = u.id::text
      WHERE p.sub IS NOT NULL AND u.cognito_sub IS NOT NULL AND u.cognito_sub <> p.sub
      ORDER BY u.id`,
  );
  return { recorded: recorded.rowCount ?? 0, rebound: rebound.rows, conflicts: conflicts.rows };
}
