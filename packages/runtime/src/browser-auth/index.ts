export * from './browser-auth.ts';
export * from './claims.ts';
export * from './oauth.ts';
export type * from './types.ts';
