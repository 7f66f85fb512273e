/**
 * Splits a SQL script (a pg_dump file or a migration) into statements with the parser, keeping each
 * statement's original text and where it came from. psql meta-commands (`\restrict`, `\unrestrict`,
 * `\connect`...) are not SQL: they are blanked out line by line before parsing, so positions stay right.
 */
import { DbError } from '../../core/errors.ts';
import { lexSql } from './lexer.ts';
import { parseSql, SqlParseError, SqlText, type AstNode } from './parser.ts';

export interface SqlStatement {
  /** Position in the script, from 0. */
  index: number;
  /** Statement type, e.g. `CreateStmt`, `CreatePolicyStmt`. */
  node: string;
  /** The statement's parse tree (the fields inside the node). */
  ast: AstNode;
  /** The whole node, `{ [node]: ast }`, as deparse expects it. */
  stmt: AstNode;
  /** The original text, without leading comments and the closing semicolon. */
  text: string;
  /** The comments before it (pg_dump's `-- Name: ...; Type: ...` header), original text. */
  leading: string;
  /** Where it came from: file name and 1-based line/column of its first character. */
  source: string;
  line: number;
  column: number;
}

export interface StrippedLine {
  source: string;
  line: number;
  text: string;
}

export interface SplitResult {
  statements: SqlStatement[];
  /** psql meta-command lines removed before parsing. */
  stripped: StrippedLine[];
}

/** Blanks psql meta-command lines that are not inside a string, comment or function body. */
function blankMetaLines(text: string, source: string): { text: string; stripped: StrippedLine[] } {
  const candidates: Array<{ line: number; start: number; end: number }> = [];
  let offset = 0;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const bytes = Buffer.byteLength(line, 'utf8');
    if (line.startsWith('\\')) candidates.push({ line: i + 1, start: offset, end: offset + bytes });
    offset += bytes + 1;
  });
  if (candidates.length === 0) return { text, stripped: [] };
  const spans = lexSql(text)
    .filter((t) => t.end - t.start > 1)
    .map((t) => [t.start, t.end] as const);
  const insideToken = (at: number) => spans.some(([s, e]) => s < at && at < e);
  const bytes = Buffer.from(text, 'utf8');
  const stripped: StrippedLine[] = [];
  for (const c of candidates) {
    if (insideToken(c.start)) continue;
    stripped.push({ source, line: c.line, text: bytes.subarray(c.start, c.end).toString('utf8') });
    bytes.fill(0x20, c.start, c.end);
  }
  return { text: bytes.toString('utf8'), stripped };
}

function withoutTerminator(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed.endsWith(';') ? trimmed.slice(0, -1).trimEnd() : trimmed;
}

/** Parses a script into statements; a syntax error becomes DB_SQL_PARSE_ERROR with file, line and column. */
export function splitSql(script: string, source = 'schema.sql'): SplitResult {
  const { text, stripped } = blankMetaLines(script, source);
  const sql = new SqlText(text);
  let parsed: ReturnType<typeof parseSql>;
  try {
    parsed = parseSql(text);
  } catch (error) {
    if (error instanceof SqlParseError) {
      const at =
        error.cursorPosition === undefined ? undefined : sql.position(Math.max(0, error.cursorPosition - 1));
      throw new DbError(
        'DB_SQL_PARSE_ERROR',
        `${source}${at ? `:${at.line}:${at.column}` : ''}: ${error.message}`,
        {
          exit: 'usage',
          hint: 'The file is not valid PostgreSQL: fix the statement at that line (or regenerate the dump) and run again.',
          details: { source, ...(at ?? {}) },
        },
      );
    }
    throw error;
  }
  const tokens = lexSql(sql.bytes);
  const statements: SqlStatement[] = [];
  let tokenIndex = 0;
  for (const raw of parsed.stmts) {
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len === undefined || raw.stmt_len === 0 ? sql.byteLength : start + raw.stmt_len;
    while (tokenIndex < tokens.length && (tokens[tokenIndex]?.start ?? 0) < start) tokenIndex++;
    let body = start;
    let last = end;
    let first = true;
    for (let i = tokenIndex; i < tokens.length; i++) {
      const token = tokens[i];
      if (!token || token.start >= end) break;
      if (token.kind === 'comment') continue;
      if (first) body = token.start;
      first = false;
      last = token.end;
    }
    const node = Object.keys(raw.stmt)[0] ?? 'Unknown';
    const at = sql.position(body);
    statements.push({
      index: statements.length,
      node,
      ast: (raw.stmt[node] ?? {}) as AstNode,
      stmt: raw.stmt,
      text: withoutTerminator(sql.slice(body, last)),
      leading: sql.slice(start, body).replace(/^\s*\n/, ''),
      source,
      line: at.line,
      column: at.column,
    });
  }
  return { statements, stripped };
}
