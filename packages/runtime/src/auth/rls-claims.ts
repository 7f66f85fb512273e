import type { AuthUser } from './types.ts';

/** The claims the compat `auth.uid()`, `auth.role()`, `auth.email()` and `auth.jwt()` read. */
export interface RlsClaims {
  sub: string;
  role: 'authenticated';
  aud: 'authenticated';
  email?: string;
}

/**
 * The JSON object to set as `request.jwt.claims` for a user's transaction
 * (`select set_config('request.jwt.claims', $1, true)` with `JSON.stringify(claimsForRls(user))`), so the
 * RLS policies kept from Supabase see the same `sub` whichever provider issued the token.
 */
export function claimsForRls(user: Pick<AuthUser, 'id' | 'email'>): RlsClaims {
  return {
    sub: user.id,
    role: 'authenticated',
    aud: 'authenticated',
    ...(user.email ? { email: user.email } : {}),
  };
}
