import type { AuthUser } from './types.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The app user ID from ID-token claims: the Supabase UUID carried as `custom:supabase_id`, or as the
 * Cognito username when that is the UUID; `sub` only for users created in Cognito after the migration.
 */
export function appUserId(claims: Record<string, unknown>): string {
  const custom = claims['custom:supabase_id'];
  if (typeof custom === 'string' && custom) return custom;
  const username = claims['cognito:username'] ?? claims.username;
  if (typeof username === 'string' && UUID.test(username)) return username;
  return String(claims.sub ?? '');
}

export function userFromClaims(claims: Record<string, unknown>): AuthUser {
  const user: AuthUser = { id: appUserId(claims), user_metadata: {}, app_metadata: { provider: 'cognito' } };
  if (typeof claims.email === 'string') user.email = claims.email;
  if (typeof claims.phone_number === 'string') user.phone = claims.phone_number;
  return user;
}
