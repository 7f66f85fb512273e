/**
 * Sign-in through Cognito's hosted UI and the identity providers the user pool federates (Google, Apple,
 * Facebook, Login with Amazon, OIDC and SAML), shaped like supabase-js's `signInWithOAuth`, on Amplify v6's
 * `signInWithRedirect` (authorization code with PKCE).
 *
 * The way back: Cognito returns the browser to a redirect sign-in URL with `?code=&state=`. On that page,
 * Amplify's OAuth listener (imported below, so a bundle that never calls signInWithRedirect on the page the
 * browser lands on still has it) checks the state, exchanges the code at `https://<domain>/oauth2/token` with
 * its PKCE verifier as soon as `Amplify.configure` runs, stores the tokens, and dispatches the Hub `auth`
 * events `signInWithRedirect` and `signedIn` (onAuthStateChange's SIGNED_IN), or `signInWithRedirect_failure`.
 * Until it is done, fetchAuthSession waits for it, so getSession() on that page answers the new session.
 */
import 'aws-amplify/auth/enable-oauth-listener';
import { signInWithRedirect, type SignInWithRedirectInput } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';
import type { AuthErrorShape, AuthSession, AuthUser } from './types.ts';

export interface BrowserOAuthOptions {
  /**
   * The user pool's domain, as Amplify wants it (no scheme): `<prefix>.auth.<region>.amazoncognito.com`,
   * or a custom domain (infra's `CognitoDomain` output). A leading `https://` and trailing `/` are dropped.
   */
  domain: string;
  /**
   * Where Cognito may send the browser back after sign-in: exactly the app client's callback URLs. One URL,
   * a comma-separated list (as an environment variable holds it) or an array.
   */
  redirectSignIn: string | readonly string[];
  /** Where Cognito's /logout may send the browser back: exactly the app client's sign-out URLs. */
  redirectSignOut: string | readonly string[];
  /**
   * The scopes asked for; the app client must allow each.
   * @default ['openid', 'email', 'profile']
   */
  scopes?: readonly string[];
  /**
   * Only the authorization code grant (with PKCE): Cognito's implicit grant returns no refresh token.
   * @default 'code'
   */
  responseType?: 'code';
}

/** supabase-js's `signInWithOAuth` argument, as far as Cognito can honour it. */
export interface SignInWithOAuthCredentials {
  /**
   * `google`, `apple`, `facebook` or `amazon` (Cognito's built-in social providers), or the name of an
   * OIDC or SAML identity provider of the user pool, which must be exactly this string (e.g. `azure`).
   */
  provider: string;
  options?: {
    /** One of `redirectSignIn` (Cognito compares callback URLs exactly). @default the first that fits this page */
    redirectTo?: string;
    /** Space-separated scopes asked for on top of the configured ones. */
    scopes?: string;
    /** Added to the authorize URL: Cognito reads `lang`, `login_hint`, `nonce` and `prompt`. */
    queryParams?: Record<string, string>;
    /** Answer the URL without going there. @default false */
    skipBrowserRedirect?: boolean;
  };
}

export type OAuthResponse =
  | { data: { provider: string; url: string }; error: null }
  | { data: { provider: string; url: null }; error: AuthErrorShape };

export type CodeExchangeResponse =
  | { data: { session: AuthSession; user: AuthUser }; error: null }
  | { data: { session: null; user: null }; error: AuthErrorShape };

export interface BrowserOAuth {
  /** Sends the browser to Cognito's hosted UI, straight on to `provider`. */
  signInWithOAuth(credentials: SignInWithOAuthCredentials): Promise<OAuthResponse>;
  /**
   * The session the redirect sign-in gave, once Amplify has exchanged the code in this page's URL (it does
   * so by itself on load: `authCode` is not needed, and is taken only for supabase-js's signature).
   */
  exchangeCodeForSession(authCode?: string): Promise<CodeExchangeResponse>;
}

/** Amplify's names for Cognito's built-in social providers, by supabase-js's. */
const SOCIAL: Record<string, 'Google' | 'Apple' | 'Facebook' | 'Amazon'> = {
  google: 'Google',
  apple: 'Apple',
  facebook: 'Facebook',
  amazon: 'Amazon',
};

export function amplifyProvider(provider: string): NonNullable<SignInWithRedirectInput['provider']> {
  return SOCIAL[provider] ?? { custom: provider };
}

const list = (value: string | readonly string[] | undefined): string[] =>
  (typeof value === 'string' ? value.split(',') : [...(value ?? [])]).map((v) => v.trim()).filter(Boolean);

/**
 * The settings left empty — an environment variable unset where the generated module reads it — which leave
 * OAuth off (signInWithOAuth answers OAUTH_NOT_CONFIGURED naming them) instead of failing the page's load.
 */
export function missingOAuthSettings(options: BrowserOAuthOptions): string[] {
  const missing: string[] = [];
  if (!options.domain?.trim()) missing.push('domain');
  if (list(options.redirectSignIn).length === 0) missing.push('redirectSignIn');
  if (list(options.redirectSignOut).length === 0) missing.push('redirectSignOut');
  return missing;
}

/** The oauth option when every setting is there, else undefined (OAuth off). */
export function usableOAuth(options: BrowserOAuthOptions | undefined): BrowserOAuthOptions | undefined {
  return options && missingOAuthSettings(options).length === 0 ? options : undefined;
}

/** `loginWith.oauth` for Amplify.configure. */
export function amplifyOAuthConfig(options: BrowserOAuthOptions) {
  // Amplify picks, on the page the browser returns to, the first URL that starts with that page's origin and
  // path: shortest first, so that `https://app/` is not taken for `https://app/auth/callback` or the reverse.
  const byLength = (urls: string[]) => urls.sort((a, b) => a.length - b.length);
  return {
    domain: options.domain.replace(/^https?:\/\//, '').replace(/\/+$/, ''),
    redirectSignIn: byLength(list(options.redirectSignIn)),
    redirectSignOut: byLength(list(options.redirectSignOut)),
    scopes: [...(options.scopes ?? ['openid', 'email', 'profile'])],
    responseType: options.responseType ?? ('code' as const),
  };
}

const oauthError = (code: string, message: string, hint: string): AuthErrorShape => ({
  name: 'AuthApiError',
  code,
  message,
  hint,
  status: 400,
});

function fromAmplify(error: unknown): AuthErrorShape {
  const e = error as { name?: string; message?: string; recoverySuggestion?: string };
  return {
    name: 'AuthApiError',
    code: e.name ?? 'UnknownError',
    message: e.message ?? String(error),
    ...(e.recoverySuggestion ? { hint: e.recoverySuggestion } : {}),
    status: 400,
  };
}

/**
 * The OAuth half of createBrowserAuth. Call it before `Amplify.configure`, so that a failed code exchange
 * on this page load (which configure starts) is caught and answered by exchangeCodeForSession.
 */
export function createBrowserOAuth(
  given: BrowserOAuthOptions | undefined,
  currentSession: () => Promise<AuthSession | null>,
): BrowserOAuth {
  let failure: AuthErrorShape | undefined;
  const missing = given ? missingOAuthSettings(given) : [];
  const options = usableOAuth(given);
  if (options)
    Hub.listen('auth', ({ payload }) => {
      if (payload.event === 'signInWithRedirect_failure') failure = fromAmplify(payload.data?.error);
      if (payload.event === 'signInWithRedirect') failure = undefined;
    });

  return {
    async signInWithOAuth({ provider, options: extra = {} }) {
      const failed = (error: AuthErrorShape): OAuthResponse => ({ data: { provider, url: null }, error });
      if (!options)
        return failed(
          oauthError(
            'OAUTH_NOT_CONFIGURED',
            missing.length
              ? `signInWithOAuth({ provider: '${provider}' }) needs the hosted UI settings, and oauth.${missing.join(', oauth.')} ${missing.length === 1 ? 'is' : 'are'} empty (an environment variable not set when the app was built?)`
              : `signInWithOAuth({ provider: '${provider}' }) needs the user pool's domain, and createBrowserAuth was given no oauth option`,
            'pass oauth: { domain, redirectSignIn, redirectSignOut } to createBrowserAuth (the Cognito domain and the app client callback URLs; see the guide, 04, "Social and OIDC sign-in")',
          ),
        );
      const config = amplifyOAuthConfig(options);
      if (extra.redirectTo !== undefined && !config.redirectSignIn.includes(extra.redirectTo))
        return failed(
          oauthError(
            'OAUTH_REDIRECT_NOT_ALLOWED',
            `redirectTo ${extra.redirectTo} is not one of the redirect sign-in URLs (${config.redirectSignIn.join(', ')})`,
            "Cognito compares callback URLs exactly: add it to oauth.redirectSignIn and to the app client's callback URLs, or leave redirectTo out",
          ),
        );
      let url: string | undefined;
      try {
        await signInWithRedirect({
          provider: amplifyProvider(provider),
          options: {
            // Amplify builds the authorize URL; this adds what supabase-js's options ask, then goes there.
            authSessionOpener: async (authorizeUrl) => {
              const target = new URL(authorizeUrl);
              if (extra.redirectTo) target.searchParams.set('redirect_uri', extra.redirectTo);
              const scopes = new Set([...config.scopes, ...(extra.scopes?.split(/\s+/) ?? [])]);
              scopes.delete('');
              target.searchParams.set('scope', [...scopes].join(' '));
              for (const [key, value] of Object.entries(extra.queryParams ?? {}))
                target.searchParams.set(key, value);
              url = target.toString();
              if (!extra.skipBrowserRedirect) window.location.assign(url);
            },
          },
        });
      } catch (error) {
        return failed(fromAmplify(error));
      }
      if (url === undefined)
        return failed(
          oauthError(
            'OAUTH_NO_REDIRECT',
            'Amplify did not open the hosted UI',
            'signInWithOAuth runs in a browser page (window.location)',
          ),
        );
      return { data: { provider, url }, error: null };
    },

    async exchangeCodeForSession() {
      const none = { data: { session: null, user: null } } as const;
      try {
        const session = await currentSession();
        if (session) return { data: { session, user: session.user }, error: null };
      } catch (error) {
        return { ...none, error: fromAmplify(error) };
      }
      return {
        ...none,
        error:
          failure ??
          oauthError(
            'OAUTH_NO_SESSION',
            'no session came back from the redirect sign-in on this page',
            'start it with signInWithOAuth in this browser, and have Cognito return to one of oauth.redirectSignIn',
          ),
      };
    },
  };
}
