export {
  analyzeCode,
  analyzeCodeSites,
  CLIENT_NAME as CLIENT_NAME_PATTERN,
  exportedClients,
  fileSide,
  parseSource,
  supabasePackage,
  type CodeSite,
  type ModuleClients,
} from './analyze-code.ts';
export type { ClientRoot } from './classify-chain.ts';
export { analyzeConfig } from './analyze-config.ts';
export { isPureExpression, requestReads } from './pure-expression.ts';
export {
  failingFindings,
  failOnExitCode,
  importCandidates,
  parseFailOn,
  readCodebase,
  scanCodebase,
  type ReadCodebase,
  type FailOn,
  type ScanOptions,
} from './scan-codebase.ts';
export { quoteIdent, selectList, translateFromChain, translateRpc } from './sql-translate.ts';
export { classify, walkFiles } from './walk-files.ts';
export type { ForeignKey } from './embed.ts';
export { RUNTIME_IMPORT, runtimeModule, type RuntimeModule } from './runtime-import.ts';
export { SCAN_PHASES } from './types.ts';
export type * from './types.ts';
