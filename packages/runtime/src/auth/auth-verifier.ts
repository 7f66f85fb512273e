import { CognitoIssuer, configError, type CognitoIssuerOptions } from './cognito-issuer.ts';
import {
  SupabaseTokensDisabledError,
  TokenAlgorithmError,
  TokenClaimError,
  TokenIssuerError,
  TokenMalformedError,
} from './errors.ts';
import type { IssuerVerifier } from './issuer-verifier.ts';
import { SimpleJwksCache, type JwksCache } from './jwks-cache.ts';
import type { JwksFetcher } from './jwks-fetcher.ts';
import { decodeJwtUnverified } from './jwt-parts.ts';
import { SupabaseIssuer, type SupabaseIssuerOptions } from './supabase-issuer.ts';
import { systemClock, type AuthUser, type Clock } from './types.ts';
import { CognitoUserIds, type CognitoUserIdOptions, type ResolveUserId } from './user-id.ts';
import { CachedUserState, type UserStateOptions } from './user-state.ts';

export interface AuthVerifierOptions {
  /** The Cognito user pool whose tokens are accepted. */
  cognito?: CognitoIssuerOptions;
  /** The Supabase project whose tokens are accepted during the migration window. */
  supabase?: SupabaseIssuerOptions;
  /**
   * The switch: accept Supabase tokens. Off, they are refused with AUTH_SUPABASE_DISABLED.
   * @default true when `supabase` is given
   */
  acceptSupabaseTokens?: boolean;
  /** Clock difference allowed on exp, nbf and iat, in seconds. @default 60 */
  clockSkewSeconds?: number;
  /** Longest token accepted, in characters. @default 16384 */
  maxTokenLength?: number;
  /** How Cognito tokens map to the app user ID (the Supabase UUID). */
  userId?: CognitoUserIdOptions;
  /** Shorthand for `userId.resolve`. */
  resolveUserId?: ResolveUserId;
  /**
   * Check that the Cognito user behind each token is still enabled (AdminGetUser, answers cached for
   * `ttlMs`), so a disabled or deleted user loses access within a minute instead of when the token
   * expires. See user-state.ts. `null` or absent: trust the token for its lifetime.
   * @default absent here; on in createAuthVerifierFromEnv
   */
  userState?: UserStateOptions | null;
  /** Collaborators with working defaults; tests replace them. */
  deps?: {
    clock?: Clock;
    /** Used by the default JWKS cache. @default new SimpleJwksFetcher() */
    jwksFetcher?: JwksFetcher;
    /** @default new SimpleJwksCache({ fetcher: deps.jwksFetcher, clock: deps.clock }) */
    jwksCache?: JwksCache;
  };
}

/** Verifies bearer tokens from Cognito and (while the switch is on) Supabase into one app user. */
export interface AuthVerifier {
  /** Verifies a token (without the `Bearer ` prefix). Throws AuthTokenError (401) or AuthUnavailableError (503). */
  verify(token: string): Promise<AuthUser>;
  /** Whether Supabase tokens are accepted. */
  readonly acceptSupabaseTokens: boolean;
  /** The `iss` values accepted, in order. */
  readonly issuers: readonly string[];
  /** Fetches every configured JWKS now, so the first request does not wait (call at boot). */
  warm(): Promise<void>;
}

/** Hosted Supabase Auth issuers, recognised even when the project is not configured, to say "turned off". */
const SUPABASE_HOSTED_ISSUER = /^https:\/\/[a-z0-9]+\.supabase\.co\/auth\/v1$/;

/** The default clock skew, in seconds: small against Cognito's 5-60 minute access tokens. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;

export function createAuthVerifier(options: AuthVerifierOptions): AuthVerifier {
  const clock = options.deps?.clock ?? systemClock;
  const jwks = options.deps?.jwksCache ?? new SimpleJwksCache({ fetcher: options.deps?.jwksFetcher, clock });
  const skewSeconds = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  if (!Number.isFinite(skewSeconds) || skewSeconds < 0 || skewSeconds > 300) {
    throw configError(`clockSkewSeconds is ${skewSeconds}. Expected 0 to 300`);
  }
  const maxTokenLength = options.maxTokenLength ?? 16_384;
  const acceptSupabase = options.acceptSupabaseTokens ?? options.supabase !== undefined;
  if (acceptSupabase && !options.supabase) {
    throw configError(
      'acceptSupabaseTokens is true but no Supabase project is configured. Expected supabase.url',
      'Set SUPABASE_URL (and SUPABASE_JWT_SECRET for HS256 tokens), or ACCEPT_SUPABASE_TOKENS=false.',
    );
  }
  const cognito = options.cognito ? new CognitoIssuer(options.cognito) : undefined;
  const supabase = options.supabase ? new SupabaseIssuer(options.supabase) : undefined;
  const active = new Map<string, IssuerVerifier>();
  if (cognito) active.set(cognito.issuer, cognito);
  if (supabase && acceptSupabase) active.set(supabase.issuer, supabase);
  if (active.size === 0) {
    throw configError(
      'No token issuer is accepted. Expected a Cognito pool, or a Supabase project with acceptSupabaseTokens',
      'Set COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID.',
    );
  }
  const issuers = [...active.keys()];
  const userState = options.userState ? new CachedUserState(options.userState, clock) : undefined;
  const userIds = new CognitoUserIds(
    { ...options.userId, resolve: options.userId?.resolve ?? options.resolveUserId },
    clock,
  );

  return {
    acceptSupabaseTokens: acceptSupabase,
    issuers,
    async warm() {
      await Promise.all([...active.values()].flatMap((v) => (v.jwksUrl ? [jwks.refresh(v.jwksUrl)] : [])));
    },
    async verify(token: string): Promise<AuthUser> {
      if (typeof token !== 'string' || token === '') {
        throw new TokenMalformedError('Token is empty. Expected a JWT after "Bearer "');
      }
      const decoded = decodeJwtUnverified(token, maxTokenLength);
      const alg = decoded.header.alg;
      if (typeof alg !== 'string' || alg.toLowerCase() === 'none')
        throw new TokenAlgorithmError(alg, ['a signed JWT']);
      // `iss` is read unverified only to choose the verifier; that verifier then checks everything.
      const iss = decoded.payload.iss;
      const verifier = typeof iss === 'string' ? active.get(iss) : undefined;
      if (!verifier) {
        if (
          !acceptSupabase &&
          typeof iss === 'string' &&
          (iss === supabase?.issuer || SUPABASE_HOSTED_ISSUER.test(iss))
        ) {
          throw new SupabaseTokensDisabledError(iss);
        }
        throw new TokenIssuerError(iss, issuers);
      }
      const claims = await verifier.verify(token, decoded, {
        jwks,
        nowSeconds: Math.floor(clock.now() / 1000),
        skewSeconds,
      });
      if (verifier.kind === 'supabase') {
        const email = typeof claims.email === 'string' && claims.email !== '' ? claims.email : undefined;
        return {
          id: (claims.sub as string).toLowerCase(),
          ...(email ? { email } : {}),
          role: typeof claims.role === 'string' ? claims.role : 'authenticated',
          issuer: 'supabase',
          claims,
        };
      }
      const user = await userIds.resolve(claims);
      if (userState) {
        const username = claims.username ?? claims['cognito:username'];
        if (typeof username !== 'string' || username === '') {
          throw new TokenClaimError(
            'username',
            username,
            'the Cognito username (username or cognito:username)',
          );
        }
        await userState.requireEnabled(username);
      }
      return { ...user, role: 'authenticated', issuer: 'cognito', claims };
    },
  };
}
