/**
 * A browser Cognito client with the `supabase.auth` shape Aiuteur's auth store uses, built on Amplify v6
 * Auth. Sessions persist in localStorage (Amplify's default), so a reload stays signed in.
 */
import { Amplify } from 'aws-amplify';
import {
  fetchAuthSession,
  signIn,
  signOut,
  signUp,
  type AuthSession as AmplifySession,
} from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';
import { userFromClaims } from './claims.ts';
import { createMfa } from './mfa.ts';
import { amplifyOAuthConfig, createBrowserOAuth, usableOAuth, type BrowserOAuth } from './oauth.ts';
import type {
  AuthChangeEvent,
  AuthErrorShape,
  AuthSession,
  AuthUser,
  BrowserAuthMfa,
  BrowserAuthOptions,
  Subscription,
} from './types.ts';

function toError(error: unknown): AuthErrorShape {
  const e = error as { name?: string; message?: string };
  return {
    name: 'AuthApiError',
    code: e.name ?? 'UnknownError',
    message: e.message ?? String(error),
    status: 400,
  };
}

function toSession(session: AmplifySession): AuthSession | null {
  const access = session.tokens?.accessToken;
  const id = session.tokens?.idToken;
  if (!access) return null;
  const expiresAt = Number(access.payload.exp ?? 0);
  return {
    access_token: access.toString(),
    // Amplify keeps the refresh token to itself and refreshes for us; supabase-js callers rarely read it.
    refresh_token: '',
    expires_at: expiresAt,
    expires_in: Math.max(0, expiresAt - Math.floor(Date.now() / 1000)),
    token_type: 'bearer',
    user: userFromClaims({
      ...(access.payload as Record<string, unknown>),
      ...((id?.payload ?? {}) as Record<string, unknown>),
    }),
  };
}

export interface BrowserAuth extends BrowserOAuth {
  signUp(input: {
    email: string;
    password: string;
    options?: { data?: Record<string, string> };
  }): Promise<{ data: { user: AuthUser | null; session: AuthSession | null }; error: AuthErrorShape | null }>;
  signInWithPassword(input: {
    email: string;
    password: string;
  }): Promise<{ data: { user: AuthUser | null; session: AuthSession | null }; error: AuthErrorShape | null }>;
  signOut(): Promise<{ error: AuthErrorShape | null }>;
  getSession(): Promise<{ data: { session: AuthSession | null }; error: AuthErrorShape | null }>;
  getUser(): Promise<{ data: { user: AuthUser | null }; error: AuthErrorShape | null }>;
  onAuthStateChange(callback: (event: AuthChangeEvent, session: AuthSession | null) => void): {
    data: { subscription: Subscription };
  };
  /** supabase.auth.mfa on Cognito TOTP: see mfa.ts and the differences in types.ts. */
  mfa: BrowserAuthMfa;
}

export function createBrowserAuth(options: BrowserAuthOptions): BrowserAuth {
  const oauth = createBrowserOAuth(options.oauth, () => currentSession());
  const oauthSettings = usableOAuth(options.oauth);
  Amplify.configure(
    {
      Auth: {
        Cognito: {
          userPoolId: options.userPoolId,
          userPoolClientId: options.userPoolClientId,
          ...(options.userPoolEndpoint ? { userPoolEndpoint: options.userPoolEndpoint } : {}),
          loginWith: {
            email: true,
            ...(oauthSettings ? { oauth: amplifyOAuthConfig(oauthSettings) } : {}),
          },
        },
      },
    },
    // ssr: Amplify keeps the session in cookies, where server code reads it (runtime/server-session).
    options.ssr ? { ssr: true } : undefined,
  );
  const authFlowType = options.authFlowType ?? 'USER_PASSWORD_AUTH';

  const currentSession = async (forceRefresh = false): Promise<AuthSession | null> =>
    toSession(await fetchAuthSession({ forceRefresh }));
  const mfa = createMfa({ currentSession: () => currentSession() });

  return {
    ...oauth,

    async signUp({ email, password, options: extra }) {
      try {
        const result = await signUp({
          username: email,
          password,
          options: { userAttributes: { email, ...(extra?.data ?? {}) } },
        });
        // Like Supabase with email confirmation on: a user, no session until confirmed and signed in.
        const user: AuthUser = {
          id: result.userId ?? '',
          email,
          user_metadata: extra?.data ?? {},
          app_metadata: { provider: 'cognito' },
        };
        return { data: { user, session: null }, error: null };
      } catch (error) {
        return { data: { user: null, session: null }, error: toError(error) };
      }
    },

    async signInWithPassword({ email, password }) {
      try {
        // A stale session from another user would make Amplify refuse to sign in.
        await signOut().catch(() => undefined);
        mfa.forget();
        const result = await signIn({ username: email, password, options: { authFlowType } });
        // Supabase would answer an aal1 session here; Cognito holds the sign-in until the TOTP code (mfa.ts).
        if (!result.isSignedIn && mfa.holdSignIn(result.nextStep.signInStep))
          return { data: { user: null, session: null }, error: null };
        if (!result.isSignedIn) {
          return {
            data: { user: null, session: null },
            error: {
              name: 'AuthApiError',
              code: result.nextStep.signInStep,
              message: `Sign-in needs: ${result.nextStep.signInStep}`,
            },
          };
        }
        const session = await currentSession();
        return { data: { user: session?.user ?? null, session }, error: null };
      } catch (error) {
        return { data: { user: null, session: null }, error: toError(error) };
      }
    },

    async signOut() {
      try {
        mfa.forget();
        await signOut();
        return { error: null };
      } catch (error) {
        return { error: toError(error) };
      }
    },

    async getSession() {
      try {
        return { data: { session: await currentSession() }, error: null };
      } catch (error) {
        return { data: { session: null }, error: toError(error) };
      }
    },

    async getUser() {
      try {
        const session = await currentSession();
        return { data: { user: session?.user ?? null }, error: null };
      } catch (error) {
        return { data: { user: null }, error: toError(error) };
      }
    },

    onAuthStateChange(callback) {
      const stop = Hub.listen('auth', ({ payload }) => {
        const events: Record<string, AuthChangeEvent> = {
          signedIn: 'SIGNED_IN',
          signedOut: 'SIGNED_OUT',
          tokenRefresh: 'TOKEN_REFRESHED',
        };
        const event = events[payload.event];
        if (!event) return;
        if (event === 'SIGNED_OUT') callback(event, null);
        else
          void currentSession().then(
            (session) => callback(event, session),
            () => callback(event, null),
          );
      });
      // supabase-js reports the stored session right away as INITIAL_SESSION.
      void currentSession().then(
        (session) => callback('INITIAL_SESSION', session),
        () => callback('INITIAL_SESSION', null),
      );
      return { data: { subscription: { unsubscribe: stop } } };
    },

    mfa: mfa.api,
  };
}
