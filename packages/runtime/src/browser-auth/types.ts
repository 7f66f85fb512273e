/** The shapes supabase-js's `supabase.auth` returns, which Aiuteur's auth store already consumes. */
import type { BrowserOAuthOptions } from './oauth.ts';

export interface AuthUser {
  /** The app's user ID: the Supabase UUID carried into Cognito. */
  id: string;
  email?: string;
  phone?: string;
  user_metadata: Record<string, unknown>;
  app_metadata: { provider: 'cognito' };
}

export interface AuthSession {
  access_token: string;
  refresh_token: string;
  /** Seconds until the access token expires. */
  expires_in: number;
  /** Unix time (seconds) when the access token expires. */
  expires_at: number;
  token_type: 'bearer';
  user: AuthUser;
}

export interface AuthErrorShape {
  name: string;
  message: string;
  /**
   * Cognito's exception name, e.g. NotAuthorizedException; from `auth.mfa`, supabase-js's error code where one
   * fits (`mfa_verification_failed`, `mfa_challenge_expired`, `mfa_factor_not_found`...), so the app's checks hold.
   */
  code: string;
  /** What to do about it, where the runtime (or Amplify) knows. */
  hint?: string;
  status?: number;
}

export type AuthResult<T> =
  { data: T; error: null } | { data: { [K in keyof T]: null }; error: AuthErrorShape };

/**
 * `auth.mfa`: supabase-js's MFA API on Cognito TOTP (mfa.ts). Where Cognito differs:
 * - Supabase signs in at aal1 and the app challenges to reach aal2. Cognito gives no tokens before the TOTP
 *   code: `signInWithPassword` answers no session and no error and holds the sign-in; until the code is
 *   verified, `getSession()` is null, `getAuthenticatorAssuranceLevel()` says aal1 → aal2 and `listFactors()`
 *   lists the TOTP factor. `verify` completes the sign-in (Cognito's RespondToAuthChallenge), and the session
 *   exists from then on. No `SIGNED_IN` event is sent at aal1; after the code it is `SIGNED_IN`, where
 *   supabase-js sends `MFA_CHALLENGE_VERIFIED`.
 * - The held sign-in lives in memory for Cognito's 3-minute session: a reload, or 3 minutes, means signing in
 *   with the password again (`mfa_challenge_expired`). A wrong code may spend Cognito's session too.
 * - Cognito holds one TOTP device per user, so there is one factor, {@link TOTP_FACTOR_ID}; no phone factors.
 * - Cognito tokens carry no `aal` claim: a session is aal2 when the TOTP code was verified in it in this
 *   browser (recorded by its origin_jti in localStorage); a session from before enrolling, from another browser
 *   or from a federated sign-in is aal1 (→ aal2 with TOTP on, except federated). Verifying an enrollment keeps
 *   the same tokens.
 */
export interface MfaFactor<
  Type extends string = 'totp',
  Status extends 'verified' | 'unverified' = 'verified' | 'unverified',
> {
  /** Always {@link TOTP_FACTOR_ID}: Cognito holds one TOTP device per user. */
  id: string;
  friendly_name?: string;
  /** supabase-js's `Factor<Type, Status>` takes the same parameters; here the type is always 'totp'. */
  factor_type: Type;
  status: Status;
  /** Cognito keeps no date for the TOTP device: the empty string. */
  created_at: string;
  /** Cognito keeps no date for the TOTP device: the empty string. */
  updated_at: string;
}

export interface MfaEnrollParams {
  /** Only 'totp': the pool's MFA is TOTP (infra's auth stack); `phone` is refused with `mfa_phone_enroll_not_enabled`. */
  factorType: 'totp' | 'phone';
  friendlyName?: string;
  /** The issuer the authenticator app shows. @default the page's host name (Supabase: the site URL's host) */
  issuer?: string;
}

export interface MfaEnrollData {
  id: string;
  type: 'totp';
  friendly_name?: string;
  totp: {
    /** The `otpauth://` URI as a QR code: an SVG data URI, for `<img src>`, as Supabase returns it. */
    qr_code: string;
    /** The shared secret (base32), for typing into the authenticator app. */
    secret: string;
    uri: string;
  };
}

export interface MfaChallengeData {
  id: string;
  type: 'totp';
  /** Unix time (seconds) when the challenge expires: Cognito's sign-in session lasts 3 minutes. */
  expires_at: number;
}

export interface MfaAssuranceData {
  currentLevel: 'aal1' | 'aal2' | null;
  nextLevel: 'aal1' | 'aal2' | null;
  currentAuthenticationMethods: Array<{ method: 'password' | 'totp'; timestamp: number }>;
}

/** supabase-js's MFA results: `data` is null with an error. */
export type MfaResult<T> = { data: T; error: null } | { data: null; error: AuthErrorShape };

export interface BrowserAuthMfa {
  /** setUpTOTP (Cognito AssociateSoftwareToken); needs a session; refused while a TOTP device is on. */
  enroll(params: MfaEnrollParams): Promise<MfaResult<MfaEnrollData>>;
  /**
   * No Cognito call: an id for the held sign-in, or for the enrollment being verified. A signed-in session
   * with neither has no code to ask for (Cognito asks only at sign-in): `mfa_challenge_unavailable`.
   */
  challenge(params: { factorId: string }): Promise<MfaResult<MfaChallengeData>>;
  /**
   * At sign-in, confirmSignIn (RespondToAuthChallenge SOFTWARE_TOKEN_MFA): the session it answers is the
   * signed-in one. At enrollment, verifyTOTPSetup then updateMFAPreference({ totp: 'PREFERRED' }): the same
   * session, now aal2. A wrong code is `mfa_verification_failed` (status 422), and the challenge stays.
   */
  verify(params: { factorId: string; challengeId: string; code: string }): Promise<MfaResult<AuthSession>>;
  challengeAndVerify(params: { factorId: string; code: string }): Promise<MfaResult<AuthSession>>;
  /** updateMFAPreference({ totp: 'DISABLED' }): the next sign-in asks for no code. */
  unenroll(params: { factorId: string }): Promise<MfaResult<{ id: string }>>;
  /** fetchMFAPreference (Cognito GetUser); while a sign-in is held, the TOTP factor it waits for. */
  listFactors(): Promise<
    MfaResult<{ all: MfaFactor[]; totp: MfaFactor[]; phone: MfaFactor[]; webauthn: MfaFactor[] }>
  >;
  /** From the session and fetchMFAPreference (a Cognito call, where supabase-js reads the token). */
  getAuthenticatorAssuranceLevel(): Promise<MfaResult<MfaAssuranceData>>;
}

export type AuthChangeEvent =
  'INITIAL_SESSION' | 'SIGNED_IN' | 'SIGNED_OUT' | 'TOKEN_REFRESHED' | 'USER_UPDATED';

export interface Subscription {
  unsubscribe(): void;
}

export interface BrowserAuthOptions {
  userPoolId: string;
  /** The SPA app client (no secret). */
  userPoolClientId: string;
  /** Endpoint override for a local Cognito stand-in; leave out for AWS. */
  userPoolEndpoint?: string;
  /**
   * USER_PASSWORD_AUTH during the migration window so Cognito's migrate-user trigger fires (it does not on SRP);
   * USER_SRP_AUTH afterwards.
   * @default 'USER_PASSWORD_AUTH'
   */
  authFlowType?: 'USER_PASSWORD_AUTH' | 'USER_SRP_AUTH';
  /**
   * Keep the session in cookies instead of localStorage (Amplify's `ssr` mode), so Next.js server code
   * reads it with `@supa2aws/runtime/server-session`.
   * @default false
   */
  ssr?: boolean;
  /**
   * The hosted UI, for signInWithOAuth (social, OIDC and SAML providers federated by the user pool).
   * @default none: signInWithOAuth answers OAUTH_NOT_CONFIGURED
   */
  oauth?: BrowserOAuthOptions;
}
