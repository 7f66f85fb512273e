export { createAuthVerifier, DEFAULT_CLOCK_SKEW_SECONDS } from './auth-verifier.ts';
export type { AuthVerifier, AuthVerifierOptions } from './auth-verifier.ts';
export { authOptionsFromEnv, createAuthVerifierFromEnv } from './from-env.ts';
export type { Env, FromEnvOptions } from './from-env.ts';
export { CognitoIssuer } from './cognito-issuer.ts';
export type { CognitoIssuerOptions, CognitoTokenUse } from './cognito-issuer.ts';
export { SupabaseIssuer } from './supabase-issuer.ts';
export type { SupabaseIssuerOptions } from './supabase-issuer.ts';
export type { IssuerVerifier, VerifyContext } from './issuer-verifier.ts';
export { SimpleJwksCache } from './jwks-cache.ts';
export type { JwksCache, SimpleJwksCacheOptions } from './jwks-cache.ts';
export { SimpleJwksFetcher, parseJwks } from './jwks-fetcher.ts';
export type { Jwk, Jwks, JwksFetcher, SimpleJwksFetcherOptions } from './jwks-fetcher.ts';
export { CognitoUserIds } from './user-id.ts';
export type { CognitoUserIdOptions, ResolveUserId, ResolvedUser, UserIdLookup } from './user-id.ts';
export { bearerToken, optionalAuth, requireAuth } from './middleware.ts';
export type {
  AuthMiddleware,
  AuthNext,
  AuthRequest,
  AuthResponse,
  RequireAuthOptions,
} from './middleware.ts';
export { claimsForRls } from './rls-claims.ts';
export type { RlsClaims } from './rls-claims.ts';
export { decodeJwtUnverified, MAX_JSON_DEPTH } from './jwt-parts.ts';
export type { DecodedJwt } from './jwt-parts.ts';
export { isUuid } from './claims.ts';
export { systemClock } from './types.ts';
export type { AuthUser, Clock, IssuerKind, JwtClaims } from './types.ts';
export {
  AuthErrorCode,
  AuthTokenError,
  AuthUnavailableError,
  SupabaseTokensDisabledError,
  TokenAlgorithmError,
  TokenAudienceError,
  TokenClaimError,
  TokenClientError,
  TokenExpiredError,
  TokenIssuerError,
  TokenKeyNotFoundError,
  TokenMalformedError,
  TokenMissingError,
  TokenNotYetValidError,
  TokenSignatureError,
  TokenUseError,
  UserDisabledError,
  UserUnknownError,
  PUBLIC_MESSAGES,
} from './errors.ts';
export type { AuthErrorCodeValue } from './errors.ts';
export * from './cognito-user-resolver.ts';
export * from './admin-lookup.ts';
export * from './user-state.ts';
