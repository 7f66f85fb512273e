/** Types of `supa2aws scan`: what was found where, which phase moves it, and what replaces it. */

/** The migration phase a finding belongs to. `config` covers clients, env vars, URLs and dependencies. */
export type ScanPhase = 'storage' | 'db' | 'auth' | 'realtime' | 'functions' | 'config';
export const SCAN_PHASES: readonly ScanPhase[] = ['storage', 'db', 'auth', 'realtime', 'functions', 'config'];

export type FindingKind =
  | 'client' // createClient / createBrowserClient / createServerClient
  | 'import' // import of a @supabase/* package
  | 'query' // from(...) chains
  | 'rpc'
  | 'auth'
  | 'storage'
  | 'functions'
  | 'realtime'
  | 'env' // SUPABASE_* environment variables
  | 'url' // Supabase URLs
  | 'dependency' // @supabase/* in package.json
  | 'other'; // any other use of a Supabase client

/** Where the code runs, guessed from the file: it decides between browser and server replacements. */
export type CodeSide = 'browser' | 'server' | 'unknown';

export interface SqlTranslation {
  /** Parameterised SQL ($1, $2...). */
  text: string;
  /** The source expressions bound to $1, $2... in order. */
  params: string[];
  /** What the SQL does not say (single(), RLS, assumed conflict target...). */
  notes: string[];
  /**
   * An insert or update whose row is not an object literal (`update(fields)`, `insert({ ...fields, id })`):
   * its columns are the row's keys at run time, so the SQL is built then (`text` shows it with the keys
   * left open). `where` and `returning` are SQL with $1..$n bound to `params`; the row is bound after them.
   */
  row?: { op: 'insert' | 'update'; table: string; expression: string; where: string; returning: string };
}

export interface Finding {
  /** Path relative to the scanned directory, with forward slashes. */
  file: string;
  /** 1-based line and column. */
  line: number;
  column: number;
  phase: ScanPhase;
  kind: FindingKind;
  /** The call or name found, normalised: `supabase.from('projects').select().eq()`, `auth.getUser`, `SUPABASE_URL`. */
  api: string;
  /** The source text (first line, trimmed, at most 200 characters). */
  snippet: string;
  side: CodeSide;
  /** The supa2aws replacement: a runtime module and what to call, or a step to take. */
  replacement: string;
  /** For simple from() chains: the equivalent SQL. */
  sql?: SqlTranslation;
  /** Why a from() chain has no SQL translation. */
  sqlSkipped?: string;
}

export interface ScanReport {
  version: 1;
  /** The directory scanned (absolute). */
  root: string;
  filesScanned: number;
  codeFiles: number;
  configFiles: number;
  findings: Finding[];
  byPhase: Record<ScanPhase, number>;
  /** Files that could not be parsed or read, with the reason. */
  skipped: Array<{ file: string; reason: string }>;
}
