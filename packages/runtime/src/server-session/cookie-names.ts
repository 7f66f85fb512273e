/**
 * The cookies a Cognito session lives in. Amplify v6 with `ssr: true` (and @aws-amplify/adapter-nextjs)
 * keeps its token store in cookies named after the store's keys:
 * `CognitoIdentityServiceProvider.<clientId>.LastAuthUser` holds the username, and
 * `CognitoIdentityServiceProvider.<clientId>.<username>.<accessToken|idToken|refreshToken|...>` the tokens.
 * The browser writes them through js-cookie, which percent-encodes names (an email username's `@` becomes
 * `%40`), so they are looked up encoded the same way, as Amplify's Next.js adapter does.
 */

const COGNITO_COOKIE_PREFIX = 'CognitoIdentityServiceProvider';

/** The per-user keys Amplify's token store writes (and clears on sign-out). */
export const COGNITO_TOKEN_KEYS = [
  'accessToken',
  'idToken',
  'refreshToken',
  'clockDrift',
  'signInDetails',
  'oauthMetadata',
] as const;
export type CognitoTokenKey = (typeof COGNITO_TOKEN_KEYS)[number];

/** A cookie name as js-cookie writes it: percent-encoded, except the characters cookie names allow. */
function encodeCookieName(name: string): string {
  return encodeURIComponent(name).replace(/%(2[346B]|5E|60|7C)/g, decodeURIComponent);
}

/** The cookie naming the last user who signed in with this app client. */
export function lastAuthUserCookie(clientId: string): string {
  return encodeCookieName(`${COGNITO_COOKIE_PREFIX}.${clientId}.LastAuthUser`);
}

/** The cookie holding one of a user's tokens for this app client. */
export function cognitoTokenCookie(clientId: string, username: string, key: CognitoTokenKey): string {
  return encodeCookieName(`${COGNITO_COOKIE_PREFIX}.${clientId}.${username}.${key}`);
}

/**
 * The cookie @supabase/ssr (and the auth helpers) keep the Supabase session in: `sb-<project ref>-auth-token`,
 * the ref being the first label of the project URL's host (`sb-127-auth-token` for a local stack).
 */
export function supabaseAuthCookie(supabaseUrl: string): string {
  return `sb-${new URL(supabaseUrl).hostname.split('.')[0]}-auth-token`;
}
