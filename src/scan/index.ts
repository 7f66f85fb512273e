export { analyzeCode, exportedClients, fileSide, parseSource, type ModuleClients } from './analyze-code.ts';
export { analyzeConfig } from './analyze-config.ts';
export {
  failingFindings,
  failOnExitCode,
  importCandidates,
  parseFailOn,
  scanCodebase,
  type FailOn,
  type ScanOptions,
} from './scan-codebase.ts';
export { quoteIdent, selectList, translateFromChain, translateRpc } from './sql-translate.ts';
export { classify, DEFAULT_EXCLUDED_DIRS, walkFiles } from './walk-files.ts';
export { SCAN_PHASES } from './types.ts';
export type * from './types.ts';
