export * from './browser-auth.ts';
export * from './claims.ts';
export { TOTP_FACTOR_ID } from './mfa.ts';
export * from './oauth.ts';
export type * from './types.ts';
