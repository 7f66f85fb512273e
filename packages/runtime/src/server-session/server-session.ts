/**
 * `supabase.auth.getUser()` / `getSession()` / `signOut()` for server code (Next.js server components,
 * route handlers, server actions, middleware) over the request's cookies: the Cognito session Amplify keeps
 * in cookies in the browser, verified with the runtime's AuthVerifier; while the verifier accepts Supabase
 * tokens (the switch), a Supabase session cookie too. Framework-agnostic: it only needs a cookie getter.
 *
 * No refresh happens here: an expired access token is refused (AUTH_TOKEN_EXPIRED), and the browser's
 * Amplify refreshes it and rewrites the cookies on its next call.
 */
import type { AuthVerifier } from '../auth/auth-verifier.ts';
import { AuthTokenError, AuthUnavailableError, PUBLIC_MESSAGES } from '../auth/errors.ts';
import type { AuthUser } from '../auth/types.ts';
import {
  COGNITO_TOKEN_KEYS,
  cognitoTokenCookie,
  lastAuthUserCookie,
  supabaseAuthCookie,
} from './cookie-names.ts';
import { readSupabaseTokens, supabaseCookieNames } from './supabase-cookie.ts';
import type { CookieJar, ServerSession, ServerSessionData, SessionError, SessionUser } from './types.ts';

export interface ServerSessionOptions {
  /** This request's cookies, e.g. `await cookies()` from next/headers. */
  cookies: CookieJar;
  /** The runtime's verifier (createAuthVerifierFromEnv): it decides which tokens are accepted. */
  verifier: AuthVerifier;
  /** The app clients whose sessions the browser keeps in cookies (the web client), tried in order. */
  clientIds: string | readonly string[];
  /**
   * The Supabase project URL, to find its session cookie while `verifier.acceptSupabaseTokens` is on.
   * @default none: only Cognito cookies are read
   */
  supabaseUrl?: string;
}

interface Found {
  accessToken: string;
  refreshToken: string;
  /** Cookies that belong to this session, cleared by signOut. */
  names: string[];
}

const MISSING: SessionError = {
  name: 'AuthSessionMissingError',
  code: 'AUTH_TOKEN_MISSING',
  message: 'Auth session missing!',
  status: 400,
};

export function createServerSession(options: ServerSessionOptions): ServerSession {
  const { cookies, verifier } = options;
  const clientIds = typeof options.clientIds === 'string' ? [options.clientIds] : [...options.clientIds];
  const supabaseCookie =
    options.supabaseUrl && verifier.acceptSupabaseTokens
      ? supabaseAuthCookie(options.supabaseUrl)
      : undefined;

  const cognitoNames = (clientId: string, username: string): string[] => [
    ...COGNITO_TOKEN_KEYS.map((key) => cognitoTokenCookie(clientId, username, key)),
    lastAuthUserCookie(clientId),
  ];

  const find = (): Found | undefined => {
    for (const clientId of clientIds) {
      const username = cookies.get(lastAuthUserCookie(clientId))?.value;
      if (!username) continue;
      const accessToken = cookies.get(cognitoTokenCookie(clientId, username, 'accessToken'))?.value;
      if (!accessToken) continue;
      const refreshToken = cookies.get(cognitoTokenCookie(clientId, username, 'refreshToken'))?.value ?? '';
      return { accessToken, refreshToken, names: cognitoNames(clientId, username) };
    }
    if (supabaseCookie) {
      const tokens = readSupabaseTokens(cookies, supabaseCookie);
      if (tokens) return { ...tokens, names: supabaseCookieNames(supabaseCookie) };
    }
    return undefined;
  };

  /** The verified session, undefined without session cookies; a refused token is an error result. */
  const verified = async (): Promise<
    { session: ServerSessionData; error: null } | { session: null; error: SessionError } | undefined
  > => {
    const found = find();
    if (!found) return undefined;
    try {
      const user = await verifier.verify(found.accessToken);
      const expiresAt = Number(user.claims.exp ?? 0);
      return {
        session: {
          access_token: found.accessToken,
          refresh_token: found.refreshToken,
          token_type: 'bearer',
          expires_at: expiresAt,
          expires_in: Math.max(0, expiresAt - Math.floor(Date.now() / 1000)),
          user: sessionUser(user),
        },
        error: null,
      };
    } catch (error) {
      return { session: null, error: sessionError(error) };
    }
  };

  return {
    async getUser() {
      const result = await verified();
      if (!result) return { data: { user: null }, error: MISSING };
      return { data: { user: result.session?.user ?? null }, error: result.error };
    },

    async getSession() {
      const result = await verified();
      if (!result) return { data: { session: null }, error: null };
      return { data: { session: result.session }, error: result.error };
    },

    async signOut() {
      const names = new Set<string>();
      for (const clientId of clientIds) {
        const username = cookies.get(lastAuthUserCookie(clientId))?.value;
        if (username) for (const name of cognitoNames(clientId, username)) names.add(name);
      }
      if (supabaseCookie) for (const name of supabaseCookieNames(supabaseCookie)) names.add(name);
      const present = [...names].filter((name) => cookies.get(name) !== undefined);
      if (present.length === 0) return { error: null };
      if (!cookies.set) return { error: readOnly() };
      try {
        // Amplify writes its cookies at path=/; a cookie is cleared only at the path it was set with.
        for (const name of present)
          cookies.set({ name, value: '', path: '/', maxAge: 0, expires: new Date(0) });
      } catch {
        // Next's cookies() in a server component: read-only.
        return { error: readOnly() };
      }
      return { error: null };
    },
  };
}

function sessionUser(user: AuthUser): SessionUser {
  const claims = user.claims;
  const meta = (value: unknown): Record<string, unknown> =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  return {
    id: user.id,
    aud: 'authenticated',
    role: user.role,
    ...(user.email ? { email: user.email } : {}),
    app_metadata:
      user.issuer === 'supabase'
        ? { ...meta(claims.app_metadata), provider: 'supabase' }
        : { provider: 'cognito' },
    user_metadata: user.issuer === 'supabase' ? meta(claims.user_metadata) : {},
  };
}

function sessionError(error: unknown): SessionError {
  if (error instanceof AuthTokenError || error instanceof AuthUnavailableError) {
    const message = PUBLIC_MESSAGES[error.code as keyof typeof PUBLIC_MESSAGES] ?? 'Token refused';
    const name = error instanceof AuthUnavailableError ? 'AuthRetryableFetchError' : 'AuthApiError';
    return { name, code: error.code, message, status: error.status };
  }
  throw error;
}

function readOnly(): SessionError {
  return {
    name: 'AuthApiError',
    code: 'AUTH_COOKIES_READ_ONLY',
    message: 'Cookies are read-only here: sign out in a route handler or server action',
    status: 500,
  };
}
