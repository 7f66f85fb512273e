import type pg from 'pg';
import { DbError } from '../errors/index.ts';
import { assertOpen } from './create-pool.ts';
import { DbErrorCode, explainConnectError } from './errors.ts';

/** JWT-style claims; `sub` is the app's user ID (the Supabase UUID). */
export interface UserClaims {
  sub: string;
  email?: string;
  [claim: string]: unknown;
}

/**
 * Who the transaction runs for: the user's UUID, claims with a UUID `sub`, or an authenticated user as
 * `@supa2aws/runtime/auth` attaches it to `req.user` (`id` is the app user ID; its `claims` are kept, with
 * `sub` replaced by `id`, so `auth.jwt()` still sees the token's other claims).
 */
export type WithUserSubject =
  string | UserClaims | { id: string; email?: string; claims?: Readonly<Record<string, unknown>> };

export interface TransactionOptions {
  /** BEGIN READ ONLY. @default false */
  readOnly?: boolean;
  /** Statement timeout for this transaction only, in ms (SET LOCAL). @default the pool's */
  statementTimeoutMs?: number;
}

export interface WithUserOptions extends TransactionOptions {
  /**
   * The role RLS policies are written for; the transaction runs as it (SET LOCAL ROLE). The pool's
   * login role must be a member: `GRANT authenticated TO app_user`. Taken from here, never from the
   * token, so a token cannot choose a role that bypasses RLS. @default 'authenticated'
   */
  role?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLE = /^[a-z_][a-z0-9_$]{0,62}$/;

function normaliseSubject(subject: WithUserSubject, role: string): Record<string, unknown> {
  let claims: Record<string, unknown>;
  let userId: unknown;
  if (typeof subject === 'string') {
    userId = subject;
    claims = {};
  } else if ('id' in subject && typeof subject.id === 'string') {
    userId = subject.id;
    claims = { ...(subject.claims ?? {}) };
    if (subject.email !== undefined) claims.email = subject.email;
  } else {
    userId = (subject as UserClaims).sub;
    claims = { ...subject };
  }
  if (typeof userId !== 'string' || !UUID.test(userId)) {
    throw new DbError(
      DbErrorCode.userId,
      `withUser needs the app user's UUID; got ${JSON.stringify(userId)}`,
      {
        exit: 'usage',
        hint: "Pass req.user (from @supa2aws/runtime/auth), the user's UUID, or claims whose sub is that UUID.",
      },
    );
  }
  return { aud: 'authenticated', ...claims, sub: userId.toLowerCase(), role };
}

function roleError(error: unknown, role: string): unknown {
  const code = (error as { code?: string }).code;
  if (code !== '22023' && code !== '42501' && code !== '42704') return error;
  return new DbError(DbErrorCode.role, `cannot run as role "${role}": ${(error as Error).message}`, {
    hint: `Create it and let the app's login role use it: CREATE ROLE ${role} NOLOGIN; GRANT ${role} TO <app user>; (the compat auth schema step does this).`,
    details: { code },
    cause: error,
  });
}

async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  assertOpen(pool);
  try {
    return await pool.connect();
  } catch (error) {
    throw explainConnectError(error, 'the database');
  }
}

async function inTransaction<T>(
  pool: pg.Pool,
  options: TransactionOptions,
  setup: ((client: pg.PoolClient) => Promise<void>) | undefined,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await connect(pool);
  let broken: Error | undefined;
  // A connection that dies while checked out (failover, server restart) emits 'error' between queries;
  // unhandled, that would crash the process. Note it, and destroy the connection on release.
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query(options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
    try {
      if (options.statementTimeoutMs !== undefined) {
        await client.query(`SELECT set_config('statement_timeout', $1, true)`, [
          String(options.statementTimeoutMs),
        ]);
      }
      if (setup) await setup(client);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable: destroy it rather than return it to the pool.
        broken = rollbackError as Error;
      }
      throw error;
    }
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/**
 * Runs `fn` in a transaction as the given user, so the RLS policies kept from Supabase apply:
 * `request.jwt.claims` (and `request.jwt.claim.sub/role/email`) are set for the transaction only
 * (`set_config(..., true)`), and the role switches to `options.role` (SET LOCAL ROLE). Commits when `fn`
 * resolves, rolls back when it throws. Settings end with the transaction, so pooled connections never
 * carry one user's identity to the next; do not use session-level SET inside `fn`.
 */
export async function withUser<T>(
  pool: pg.Pool,
  subject: WithUserSubject,
  fn: (client: pg.PoolClient) => Promise<T>,
  options: WithUserOptions = {},
): Promise<T> {
  const role = options.role ?? 'authenticated';
  if (!ROLE.test(role)) {
    throw new DbError(DbErrorCode.role, `role ${JSON.stringify(role)} is not a plain lower-case identifier`, {
      exit: 'usage',
      hint: "Use the role the policies name, usually 'authenticated'.",
    });
  }
  const claims = normaliseSubject(subject, role);
  return inTransaction(
    pool,
    options,
    async (client) => {
      try {
        await client.query(
          `SELECT set_config('request.jwt.claims', $1, true),
                  set_config('request.jwt.claim.sub', $2, true),
                  set_config('request.jwt.claim.role', $3, true),
                  set_config('request.jwt.claim.email', $4, true),
                  set_config('role', $3, true)`,
          [JSON.stringify(claims), claims.sub, role, typeof claims.email === 'string' ? claims.email : ''],
        );
      } catch (error) {
        throw roleError(error, role);
      }
    },
    fn,
  );
}

/**
 * Runs `fn` in a transaction as the pool's login role (no user identity: RLS does not restrict the
 * table owner). For trusted service work such as the job worker.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  return inTransaction(pool, options, undefined, fn);
}
