export * from './schema.ts';
export * from './load.ts';
export * from '../core/config/comments.ts';
