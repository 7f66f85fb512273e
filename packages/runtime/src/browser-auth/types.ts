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
  /** Cognito's exception name, e.g. NotAuthorizedException. */
  code: string;
  /** What to do about it, where the runtime (or Amplify) knows. */
  hint?: string;
  status?: number;
}

export type AuthResult<T> =
  { data: T; error: null } | { data: { [K in keyof T]: null }; error: AuthErrorShape };

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
