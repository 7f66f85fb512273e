/** Which identity provider issued a verified token. */
export type IssuerKind = 'cognito' | 'supabase';

/** A JWT claims set, as decoded from the token (after its signature verified). */
export type JwtClaims = Readonly<Record<string, unknown>>;

/** The authenticated user attached to `req.user`. */
export interface AuthUser {
  /** The app's user ID: the Supabase UUID, whichever provider issued the token. */
  id: string;
  /** Email, when the token (or the user-ID resolver) carries one. Cognito access tokens do not. */
  email?: string;
  /** Database role for RLS: the Supabase `role` claim, `authenticated` for Cognito tokens. */
  role: string;
  /** Which provider issued the token. */
  issuer: IssuerKind;
  /** The verified claims, as they came in the token. */
  claims: JwtClaims;
}

/** Time source, injected so tests control it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
