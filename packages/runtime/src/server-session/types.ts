/** What the server session reads and writes, and the supabase-js shaped answers it gives. */

/** Options of a cookie the session writes (Next's `cookies().set` takes them, as do most frameworks'). */
export interface CookieSetOptions {
  path?: string;
  maxAge?: number;
  expires?: Date;
}

/** A cookie the session writes, named with its value and options in one object. */
export interface CookieToSet extends CookieSetOptions {
  name: string;
  value: string;
}

/**
 * The request's cookies. Next's `await cookies()` (next/headers) and `request.cookies` (middleware) fit as
 * they are; elsewhere wrap the framework's. `set` is needed by `signOut` only: server components have
 * read-only cookies, route handlers and server actions can write them. It is called with one object, the
 * form both of Next's cookie stores take (middleware's `request.cookies.set` has no options argument). In
 * middleware, `request.cookies.set` changes only the request: to sign out there, read from `request.cookies`
 * and write to `response.cookies` (a jar of your own with `get` from one and `set` to the other).
 */
export interface CookieJar {
  get(name: string): { value: string } | undefined;
  set?(cookie: CookieToSet): unknown;
}

/** supabase-js's `User`, as much of it as a verified token says. */
export interface SessionUser {
  /** The app's user ID: the Supabase UUID, whichever provider issued the token. */
  id: string;
  aud: 'authenticated';
  /** The database role for RLS: `authenticated` for Cognito tokens, the `role` claim for Supabase ones. */
  role: string;
  email?: string;
  app_metadata: { provider: 'cognito' | 'supabase'; [key: string]: unknown };
  /** Supabase tokens carry it; Cognito access tokens do not (read it from the database). */
  user_metadata: Record<string, unknown>;
}

/** supabase-js's `Session`. */
export interface ServerSessionData {
  access_token: string;
  /** Empty when the cookies hold none. */
  refresh_token: string;
  token_type: 'bearer';
  /** Unix time (seconds) the access token expires. */
  expires_at: number;
  /** Seconds until then. */
  expires_in: number;
  user: SessionUser;
}

/** supabase-js's `AuthError`, with the runtime's error code. */
export interface SessionError {
  /** `AuthSessionMissingError`, `AuthApiError` (token refused) or `AuthRetryableFetchError` (keys or Cognito unreachable). */
  name: string;
  /** The runtime's code, e.g. AUTH_TOKEN_EXPIRED. */
  code: string;
  /** A short fixed message, safe to pass on to a client. */
  message: string;
  status: number;
}

export interface ServerSession {
  /** `supabase.auth.getUser()`: the verified user, or null with an error saying why. */
  getUser(): Promise<{ data: { user: SessionUser | null }; error: SessionError | null }>;
  /** `supabase.auth.getSession()`, verified too: no session (and no error) when there are no session cookies. */
  getSession(): Promise<{ data: { session: ServerSessionData | null }; error: SessionError | null }>;
  /** `supabase.auth.signOut()` on this request: clears the session cookies (Cognito's and, during the switch, Supabase's). */
  signOut(): Promise<{ error: SessionError | null }>;
}
