import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { createAuthVerifier, type AuthVerifier, type AuthVerifierOptions } from './auth-verifier.ts';
import { configError } from './cognito-issuer.ts';
import type { CognitoTokenUse } from './cognito-issuer.ts';
import type { ResolveUserId } from './user-id.ts';
import { adminGetUserState, DEFAULT_USER_STATE_TTL_MS } from './user-state.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the verifier's options from environment variables (pure; throws ConfigError with a hint):
 * - `COGNITO_USER_POOL_ID` (required unless `COGNITO_ISSUER`), `COGNITO_CLIENT_ID` (required, comma-separated),
 *   `COGNITO_REGION` (default: the pool ID's prefix), `COGNITO_ISSUER` (cognito-local: `http://host:port/<poolId>`),
 *   `COGNITO_JWKS_URL`, `COGNITO_TOKEN_USE` (access | id | any; default access),
 *   `COGNITO_REQUIRE_SUB` (default true; false only for cognito-local).
 * - `ACCEPT_SUPABASE_TOKENS` (default: true when `SUPABASE_URL` is set), `SUPABASE_URL`,
 *   `SUPABASE_JWT_SECRET` (enables HS256), `SUPABASE_JWKS_URL` (a URL, or `off` for HS256-only projects).
 * - `AUTH_CLOCK_SKEW_SECONDS` (default 60).
 * - `COGNITO_USER_STATE_TTL_SECONDS` (createAuthVerifierFromEnv only): how long a user's enabled state
 *   (AdminGetUser) is trusted; default 60; `off` trusts a token until it expires even if its user is
 *   disabled or deleted. `COGNITO_ENDPOINT` points the AdminGetUser client elsewhere (cognito-local);
 *   `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` sign it when set, else the SDK's chain.
 */
export function authOptionsFromEnv(env: Env = process.env): AuthVerifierOptions {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const poolId = get('COGNITO_USER_POOL_ID');
  const issuer = get('COGNITO_ISSUER');
  const clientIds = (get('COGNITO_CLIENT_ID') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const missing = [
    ...(poolId || issuer ? [] : ['COGNITO_USER_POOL_ID']),
    ...(clientIds.length ? [] : ['COGNITO_CLIENT_ID']),
  ];
  const supabaseUrl = get('SUPABASE_URL');
  const acceptSupabase = bool(env, 'ACCEPT_SUPABASE_TOKENS') ?? supabaseUrl !== undefined;
  if (acceptSupabase && !supabaseUrl) missing.push('SUPABASE_URL');
  if (missing.length) {
    throw configError(
      `Missing environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')}. Expected the Cognito pool and app client${acceptSupabase ? ', and the Supabase project URL while ACCEPT_SUPABASE_TOKENS is on' : ''}`,
      'e.g. COGNITO_USER_POOL_ID=eu-west-1_AbCdEf123 COGNITO_CLIENT_ID=<app client id> (from `supa2aws auth plan` or the CDK outputs); set ACCEPT_SUPABASE_TOKENS=false once every client signs in with Cognito.',
    );
  }
  const tokenUse = get('COGNITO_TOKEN_USE') as CognitoTokenUse | undefined;
  const jwksSetting = get('SUPABASE_JWKS_URL');
  const skew = get('AUTH_CLOCK_SKEW_SECONDS');
  const skewSeconds = skew === undefined ? undefined : Number(skew);
  if (skewSeconds !== undefined && !Number.isFinite(skewSeconds)) {
    throw configError(`AUTH_CLOCK_SKEW_SECONDS is ${JSON.stringify(skew)}. Expected a number of seconds`);
  }
  const requireSub = bool(env, 'COGNITO_REQUIRE_SUB');
  const secret = get('SUPABASE_JWT_SECRET');
  return {
    cognito: {
      userPoolId: poolId ?? (issuer as string).split('/').pop() ?? '',
      clientIds,
      ...(get('COGNITO_REGION') ? { region: get('COGNITO_REGION') } : {}),
      ...(issuer ? { issuer } : {}),
      ...(get('COGNITO_JWKS_URL') ? { jwksUrl: get('COGNITO_JWKS_URL') } : {}),
      ...(tokenUse ? { tokenUse } : {}),
      ...(requireSub === undefined ? {} : { requireSub }),
    },
    ...(supabaseUrl
      ? {
          supabase: {
            url: supabaseUrl,
            ...(secret ? { jwtSecret: secret } : {}),
            ...(jwksSetting ? { jwks: /^(off|false|none)$/i.test(jwksSetting) ? false : jwksSetting } : {}),
          },
        }
      : {}),
    acceptSupabaseTokens: acceptSupabase,
    ...(skewSeconds === undefined ? {} : { clockSkewSeconds: skewSeconds }),
  };
}

export interface FromEnvOptions {
  /** @default process.env */
  env?: Env;
  /** Resolves Cognito users whose token does not carry the app user ID (see `ResolveUserId`). */
  resolveUserId?: ResolveUserId;
  /** Anything else, applied over what the environment says. */
  overrides?: Partial<AuthVerifierOptions>;
  /** The client of the user-state check. @default one for the pool's region and `COGNITO_ENDPOINT` */
  cognitoClient?: CognitoIdentityProviderClient;
  /**
   * Whether to check that each token's Cognito user is still enabled (AdminGetUser, as
   * `COGNITO_USER_STATE_TTL_SECONDS` says). `false` verifies the token alone (signature, expiry, issuer, app
   * client) and needs no AWS credentials: for Next.js middleware on the Edge runtime, which has none; route
   * handlers and server components keep the check. `COGNITO_USER_STATE_TTL_SECONDS` is then not read.
   * @default true
   */
  userStateCheck?: boolean;
}

/** `createAuthVerifier(verifierOptionsFromEnv(options))`, failing fast with a hint when settings are missing. */
export function createAuthVerifierFromEnv(options: FromEnvOptions = {}): AuthVerifier {
  return createAuthVerifier(verifierOptionsFromEnv(options));
}

/**
 * Everything createAuthVerifierFromEnv builds its verifier with, the environment read once: authOptionsFromEnv,
 * the user-state check (its Cognito client made here), `resolveUserId`, then `overrides`.
 */
export function verifierOptionsFromEnv(options: FromEnvOptions = {}): AuthVerifierOptions {
  const env = options.env ?? process.env;
  const fromEnv = authOptionsFromEnv(env);
  const ttl = env.COGNITO_USER_STATE_TTL_SECONDS?.trim();
  let userState: AuthVerifierOptions['userState'] = null;
  if (options.userStateCheck !== false && fromEnv.cognito && !/^(off|false|none)$/i.test(ttl ?? '')) {
    const seconds = ttl ? Number(ttl) : DEFAULT_USER_STATE_TTL_MS / 1000;
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > 86_400) {
      throw configError(
        `COGNITO_USER_STATE_TTL_SECONDS is ${JSON.stringify(ttl)}. Expected 0 to 86400 seconds, or off`,
      );
    }
    const poolId = fromEnv.cognito.userPoolId;
    const client =
      options.cognitoClient ??
      userStateClient(env, fromEnv.cognito.region ?? env.AWS_REGION ?? poolId.split('_')[0]);
    userState = { check: adminGetUserState(client, poolId), ttlMs: seconds * 1000 };
  }
  return {
    ...fromEnv,
    userState,
    ...(options.resolveUserId ? { resolveUserId: options.resolveUserId } : {}),
    ...options.overrides,
  };
}

/**
 * The client of the user-state check: `COGNITO_ENDPOINT` if set, and the environment's AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) when set, as the SDK's default chain on Node reads them first.
 * Where a bundler picked the SDK's browser build (Next.js middleware on the Edge runtime, workers) there is
 * no chain (no task or instance role, no profile): without those keys the check could only fail, so the
 * verifier is refused here with what to do instead.
 */
function userStateClient(env: Env, region: string | undefined): CognitoIdentityProviderClient {
  const endpoint = env.COGNITO_ENDPOINT?.trim();
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  const sessionToken = env.AWS_SESSION_TOKEN?.trim();
  const credentials =
    accessKeyId && secretAccessKey
      ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
      : undefined;
  const client = new CognitoIdentityProviderClient({
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  });
  if (!credentials && client.config.runtime !== 'node') {
    client.destroy();
    throw configError(
      `The Cognito user-state check (AdminGetUser) has no AWS credentials here: the AWS SDK runs as its ${client.config.runtime ?? 'browser'} build, which has no credential chain. Expected AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the check off`,
      'In Next.js middleware, verify the token alone, as `supa2aws migrate-code` writes it: serverSessionFromEnv(request.cookies, { userStateCheck: false }) (route handlers and server components keep the check). Or give this runtime AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of a principal allowed cognito-idp:AdminGetUser.',
    );
  }
  return client;
}

function bool(env: Env, name: string): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return undefined;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw configError(`${name} is ${JSON.stringify(env[name])}. Expected true or false`);
}
