export { generatedModule, type RuntimeHandle } from './generated-module.ts';
export {
  planCodeMigration,
  type CodeMigrationOptions,
  type CodeMigrationPlan,
  type FileChange,
} from './plan-code-migration.ts';
export {
  applyCodeMigration,
  planDiff,
  uncommitted,
  type ApplyCodeMigrationOptions,
} from './apply-code-migration.ts';
export { typeCheckChange, type TypeCheckResult } from './type-check.ts';
export { rewriteFile, type SiteOutcome } from './rewrite-file.ts';
export { readForeignKeys } from './foreign-keys.ts';
