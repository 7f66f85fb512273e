export * from './plan/plan-db.ts';
export * from './schema/build-schema.ts';
export * from './schema/apply-schema.ts';
export { choosePgDump, type PgDumpBinary, type FindPgDumpOptions } from './schema/pg-dump.ts';
export * from './copy/copy-data.ts';
export * from './verify/verify-db.ts';
export { verifyReportMarkdown } from './verify/report.ts';
export { transformSchema, type SqlScript } from './transform/transform.ts';
export {
  renderSchema,
  type SchemaScript,
  type SchemaSummary,
  type ScriptStatement,
} from './transform/render.ts';
export type * from './transform/types.ts';
export { DB_MAX_CONCURRENCY, dbConfigSchema } from './config.ts';
export type { ConnectFn } from '../core/pg.ts';
export * from './phase-reports.ts';
export * from './replicate/index.ts';
export * from './app-role/index.ts';
export * from './from-config.ts';
export * from './phase-runs.ts';
