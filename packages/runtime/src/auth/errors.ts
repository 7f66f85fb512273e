import { AuthError } from '../errors/index.ts';

/**
 * Error codes of `@supa2aws/runtime/auth`. Callers (and tests) branch on these, never on message text.
 * Messages say the value seen and the value expected; they never contain the token.
 */
export const AuthErrorCode = {
  /** No bearer token in the request (RFC 6750: answered without an `error` attribute). */
  missing: 'AUTH_TOKEN_MISSING',
  /** Not a compact JWS: wrong number of parts, bad base64url, not JSON, too long, `crit`/`b64` header. */
  malformed: 'AUTH_TOKEN_MALFORMED',
  /** `alg` is `none` or not one pinned for the token's issuer. */
  alg: 'AUTH_TOKEN_ALG',
  /** No key with the token's `kid` in the issuer's JWKS, even after one refetch. */
  kid: 'AUTH_TOKEN_KID',
  /** The signature does not verify with the issuer's key. */
  signature: 'AUTH_TOKEN_SIGNATURE',
  /** `exp` is in the past (beyond the clock skew). */
  expired: 'AUTH_TOKEN_EXPIRED',
  /** `nbf` or `iat` is in the future (beyond the clock skew). */
  notYetValid: 'AUTH_TOKEN_NOT_YET_VALID',
  /** `iss` is missing or not a configured issuer. */
  issuer: 'AUTH_TOKEN_ISSUER',
  /** `aud` does not contain an accepted audience (Supabase tokens, Cognito ID tokens). */
  audience: 'AUTH_TOKEN_AUDIENCE',
  /** A Cognito access token's `client_id` is not in the allow-list. */
  client: 'AUTH_TOKEN_CLIENT',
  /** A Cognito token's `token_use` is not the kind accepted (an ID token where an access token is expected). */
  use: 'AUTH_TOKEN_USE',
  /** A required claim is missing or has the wrong type (`sub`, `exp`, ...). */
  claim: 'AUTH_TOKEN_CLAIM',
  /** A valid-looking Supabase token while `acceptSupabaseTokens` is off. */
  supabaseDisabled: 'AUTH_SUPABASE_DISABLED',
  /** The token is valid but no app user ID could be resolved for it. */
  userUnknown: 'AUTH_USER_UNKNOWN',
  /** The Cognito user is disabled or deleted (checked with AdminGetUser, see user-state.ts). */
  userDisabled: 'AUTH_USER_DISABLED',
  /** The JWKS could not be fetched or parsed (server side; retryable). */
  jwksUnavailable: 'AUTH_JWKS_UNAVAILABLE',
  /** The injected user-ID resolver failed (server side; retryable). */
  resolverFailed: 'AUTH_USER_RESOLVER_FAILED',
  /** The user's state could not be read from Cognito (server side; retryable). */
  userStateUnavailable: 'AUTH_USER_STATE_UNAVAILABLE',
  /** Options or environment variables are missing or invalid. */
  config: 'AUTH_CONFIG_INVALID',
} as const;
export type AuthErrorCodeValue = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];

/**
 * What a client is told for each code: short and fixed. The full message (issuers, JWKS URL, client IDs,
 * the server's clock) is for the server's log (`onRefused`), or the body when `exposeDetails` is on.
 */
export const PUBLIC_MESSAGES: Readonly<Record<AuthErrorCodeValue, string>> = {
  AUTH_TOKEN_MISSING: 'No bearer token',
  AUTH_TOKEN_MALFORMED: 'Token is malformed',
  AUTH_TOKEN_ALG: 'Token algorithm is not accepted',
  AUTH_TOKEN_KID: 'Token key is unknown',
  AUTH_TOKEN_SIGNATURE: 'Token signature is invalid',
  AUTH_TOKEN_EXPIRED: 'Token has expired',
  AUTH_TOKEN_NOT_YET_VALID: 'Token is not valid yet',
  AUTH_TOKEN_ISSUER: 'Token issuer is not accepted',
  AUTH_TOKEN_AUDIENCE: 'Token audience is not accepted',
  AUTH_TOKEN_CLIENT: 'Token client is not accepted',
  AUTH_TOKEN_USE: 'Token use is not accepted',
  AUTH_TOKEN_CLAIM: 'Token claims are invalid',
  AUTH_SUPABASE_DISABLED: 'Supabase tokens are no longer accepted: sign in again',
  AUTH_USER_UNKNOWN: 'User is unknown',
  AUTH_USER_DISABLED: 'User is disabled or deleted',
  AUTH_JWKS_UNAVAILABLE: 'Token keys are unavailable: retry later',
  AUTH_USER_RESOLVER_FAILED: 'User lookup is unavailable: retry later',
  AUTH_USER_STATE_UNAVAILABLE: 'User state is unavailable: retry later',
  AUTH_CONFIG_INVALID: 'Authentication is misconfigured',
};

/** Longest piece of an attacker-supplied value quoted in a message. */
const MAX_QUOTED = 80;

/** Quotes a value seen in a token for an error message: JSON-encoded, truncated, never the token. */
export function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
}

/**
 * A token was refused: the request gets a 401 with `WWW-Authenticate: Bearer error="invalid_token"`
 * (or without `error` when no token was sent).
 */
export class AuthTokenError extends AuthError {
  /** HTTP status the middleware answers with. */
  readonly status: number = 401;

  constructor(code: AuthErrorCodeValue, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { exit: 'permission', details });
  }
}

export class TokenMissingError extends AuthTokenError {
  constructor(message = 'No bearer token: expected an "Authorization: Bearer <token>" header') {
    super(AuthErrorCode.missing, message);
  }
}
export class TokenMalformedError extends AuthTokenError {
  constructor(message: string) {
    super(AuthErrorCode.malformed, message);
  }
}
export class TokenAlgorithmError extends AuthTokenError {
  constructor(seen: unknown, expected: readonly string[], issuer?: string) {
    super(
      AuthErrorCode.alg,
      `Token algorithm ${quote(seen)} is not accepted${issuer ? ` for issuer ${quote(issuer)}` : ''}. Expected: ${expected.join(', ') || 'none configured'}`,
      { alg: typeof seen === 'string' ? seen.slice(0, MAX_QUOTED) : undefined },
    );
  }
}
export class TokenKeyNotFoundError extends AuthTokenError {
  constructor(kid: unknown, jwksUrl: string) {
    super(
      AuthErrorCode.kid,
      `No key with kid ${quote(kid)} in the JWKS at ${jwksUrl}. Expected a kid the issuer publishes`,
    );
  }
}
export class TokenSignatureError extends AuthTokenError {
  constructor(
    message = 'Token signature does not verify with the issuer key. Expected a token signed by the issuer',
  ) {
    super(AuthErrorCode.signature, message);
  }
}
export class TokenExpiredError extends AuthTokenError {
  constructor(exp: number, now: number, skew: number) {
    super(
      AuthErrorCode.expired,
      `Token expired at ${isoSeconds(exp)} (now ${isoSeconds(now)}, clock skew ${skew} s). Expected exp in the future`,
      { exp },
    );
  }
}
export class TokenNotYetValidError extends AuthTokenError {
  constructor(claim: 'nbf' | 'iat', value: number, now: number, skew: number) {
    super(
      AuthErrorCode.notYetValid,
      `Token ${claim} ${isoSeconds(value)} is in the future (now ${isoSeconds(now)}, clock skew ${skew} s). Expected ${claim} not after now`,
      { [claim]: value },
    );
  }
}
export class TokenIssuerError extends AuthTokenError {
  constructor(seen: unknown, expected: readonly string[]) {
    super(
      AuthErrorCode.issuer,
      `Token issuer ${quote(seen)} is not accepted. Expected one of: ${expected.join(', ')}`,
    );
  }
}
export class TokenAudienceError extends AuthTokenError {
  constructor(seen: unknown, expected: readonly string[]) {
    super(
      AuthErrorCode.audience,
      `Token audience ${quote(seen)} is not accepted. Expected one of: ${expected.join(', ')}`,
    );
  }
}
export class TokenClientError extends AuthTokenError {
  constructor(seen: unknown, expected: readonly string[]) {
    super(
      AuthErrorCode.client,
      `Token client_id ${quote(seen)} is not accepted. Expected one of: ${expected.join(', ')}`,
    );
  }
}
export class TokenUseError extends AuthTokenError {
  constructor(seen: unknown, expected: readonly string[]) {
    super(
      AuthErrorCode.use,
      `Token token_use ${quote(seen)} is not accepted. Expected: ${expected.join(' or ')}`,
    );
  }
}
export class TokenClaimError extends AuthTokenError {
  constructor(claim: string, seen: unknown, expected: string) {
    super(AuthErrorCode.claim, `Token claim ${claim} is ${quote(seen)}. Expected ${expected}`, { claim });
  }
}
export class SupabaseTokensDisabledError extends AuthTokenError {
  constructor(issuer: string) {
    super(
      AuthErrorCode.supabaseDisabled,
      `Supabase tokens (issuer ${quote(issuer)}) are no longer accepted. Expected a Cognito token: sign in again`,
    );
  }
}
export class UserUnknownError extends AuthTokenError {
  constructor(message: string) {
    super(AuthErrorCode.userUnknown, message);
  }
}

export class UserDisabledError extends AuthTokenError {
  constructor(state: 'disabled' | 'deleted', username: string) {
    super(
      AuthErrorCode.userDisabled,
      `Cognito user ${quote(username)} is ${state}. Expected an enabled user`,
    );
  }
}

/** The server could not check a token (JWKS down, resolver failing): 503, retryable. */
export class AuthUnavailableError extends AuthError {
  readonly status: number = 503;

  constructor(code: AuthErrorCodeValue, message: string, cause?: unknown) {
    super(code, message, { exit: 'environment', retryable: true, cause });
  }
}

function isoSeconds(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString();
}
