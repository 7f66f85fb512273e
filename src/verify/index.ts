export * from './verify-migration.ts';
