export * from './backup.ts';
export * from './bucket.ts';
export * from './run-backup.ts';
