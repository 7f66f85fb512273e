export * from './browser-auth.ts';
export * from './claims.ts';
export type * from './types.ts';
