/**
 * Maps a verified Cognito identity to the app's user ID (the Supabase UUID) and records
 * `auth.users.cognito_sub` the first time it sees the pair. It fits the runtime verifier's
 * `resolveUserId` hook (user-id.ts, `ResolveUserId`) structurally.
 *
 * In order:
 * 1. the UUID the token carries: the username (when auth.userIdAttribute is `username`) or
 *    `custom:supabase_id` (ID tokens only: access tokens carry no custom attributes);
 * 2. else `auth.users` where `cognito_sub = sub` (recorded by `auth import` or an earlier sight);
 * 3. else, if given, `lookupAttributes(username)` (an AdminGetUser) for `custom:supabase_id`.
 * A UUID found by 1 or 3 is checked against `auth.users` and its `cognito_sub` recorded when empty; a
 * different sub already recorded for that UUID is refused (null): one app user, one Cognito identity.
 * Answers are cached for `ttlMs`, and concurrent lookups of one identity share one query.
 *
 * Runtime code: it imports no pg and no AWS SDK; the pool and the lookup are injected.
 */
import { isUuid } from './claims.ts';

/** A pg Pool (or anything with its query shape) connected as a role that may read and update auth.users. */
export interface ResolverDb {
  query<R extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

export interface CognitoIdentity {
  /** Cognito's `sub` (cognito-local gives users the migrate-user trigger created none). */
  sub: string | undefined;
  /** `username` (access token) or `cognito:username` (ID token). */
  username: string | undefined;
  claims: Readonly<Record<string, unknown>>;
}

export interface CognitoUserIdResolverOptions {
  pool: ResolverDb;
  /** How long an answer is kept. @default 300000 (5 minutes) */
  ttlMs?: number;
  /** Most answers kept; the oldest go first. @default 10000 */
  maxEntries?: number;
  /** Where the UUID is carried (config auth.userIdAttribute). @default 'custom:supabase_id' */
  userIdAttribute?: 'custom:supabase_id' | 'username';
  /** The user's attributes by Cognito username (AdminGetUser), for access tokens of unrecorded users. */
  lookupAttributes?: (username: string) => Promise<Record<string, string> | undefined>;
  /** @default Date.now */
  now?: () => number;
}

export type CognitoUserIdResolver = ((identity: CognitoIdentity) => Promise<string | null>) & {
  /** Forgets every cached answer. */
  clear(): void;
};

const SUPABASE_ID = 'custom:supabase_id';

export function createCognitoUserIdResolver(options: CognitoUserIdResolverOptions): CognitoUserIdResolver {
  const ttl = options.ttlMs ?? 300_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const mode = options.userIdAttribute ?? SUPABASE_ID;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { id: string | null; expiresAt: number }>();
  const inflight = new Map<string, Promise<string | null>>();
  const db = options.pool;

  const carried = (identity: CognitoIdentity, attributes?: Record<string, string>): string | undefined => {
    if (mode === 'username') return isUuid(identity.username) ? identity.username.toLowerCase() : undefined;
    const value = attributes?.[SUPABASE_ID] ?? identity.claims[SUPABASE_ID];
    return typeof value === 'string' && isUuid(value) ? value.toLowerCase() : undefined;
  };

  /** Confirms the user exists and records the sub; null when the UUID belongs to another Cognito identity. */
  const claim = async (id: string, sub: string | undefined): Promise<string | null> => {
    if (!sub) {
      const { rows } = await db.query('SELECT 1 FROM auth.users WHERE id = $1', [id]);
      return rows.length > 0 ? id : null;
    }
    try {
      const { rows } = await db.query(
        `UPDATE auth.users SET cognito_sub = $2 WHERE id = $1 AND (cognito_sub IS NULL OR cognito_sub = $2) RETURNING id`,
        [id, sub],
      );
      return rows.length > 0 ? id : null;
    } catch (error) {
      // 23505: this sub is already recorded for another user.
      if ((error as { code?: string }).code === '23505') return null;
      throw error;
    }
  };

  const lookup = async (identity: CognitoIdentity): Promise<string | null> => {
    const fromToken = carried(identity);
    if (fromToken) return claim(fromToken, identity.sub);
    if (identity.sub) {
      const { rows } = await db.query<{ id: string }>(
        'SELECT id::text AS id FROM auth.users WHERE cognito_sub = $1',
        [identity.sub],
      );
      if (rows[0]) return rows[0].id;
    }
    if (options.lookupAttributes && identity.username) {
      const attributes = await options.lookupAttributes(identity.username);
      const id = attributes ? carried({ ...identity, claims: {} }, attributes) : undefined;
      if (id) return claim(id, identity.sub ?? attributes?.sub);
    }
    return null;
  };

  const resolve = (async (identity: CognitoIdentity) => {
    const key = identity.sub ? `sub:${identity.sub}` : `username:${identity.username ?? ''}`;
    const hit = cache.get(key);
    if (hit && hit.expiresAt > now()) return hit.id;
    let pending = inflight.get(key);
    if (!pending) {
      pending = lookup(identity).finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    const id = await pending;
    if (id) {
      cache.delete(key);
      cache.set(key, { id, expiresAt: now() + ttl });
      while (cache.size > maxEntries) {
        const oldest = cache.keys().next().value;
        if (oldest === undefined) break;
        cache.delete(oldest);
      }
    }
    return id;
  }) as CognitoUserIdResolver;
  resolve.clear = () => cache.clear();
  return resolve;
}
