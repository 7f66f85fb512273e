/**
 * The real PostgreSQL parser (libpg_query 17, compiled to WebAssembly by @libpg-query/parser, the full build
 * of `libpg-query`: it adds the PL/pgSQL parser that the slim build leaves out). Its scanner is not used:
 * `scanSync` fails on long tokens, token boundaries come from lexer.ts.
 * PostgreSQL 17's grammar reads dumps of 15, 16 and 17. Locations it reports are UTF-8 byte offsets;
 * `SqlText` converts them to string offsets and lines.
 */
import { deparseSync, loadModule, parsePlPgSQLSync, parseSync } from '@libpg-query/parser';

/** A parse-tree node as libpg_query returns it: `{ NodeType: { ...fields } }` or a bare field object. */
export type AstNode = { [key: string]: unknown };

export interface RawStatement {
  stmt: AstNode;
  /** Byte offset where the statement (including leading comments) starts. */
  stmt_location?: number;
  /** Byte length; absent for the last statement, which runs to the end. */
  stmt_len?: number;
}

let loaded: Promise<void> | undefined;

/** Loads the WebAssembly module once; every other function here needs it first. */
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

export class SqlParseError extends Error {
  constructor(
    message: string,
    readonly cursorPosition: number | undefined,
  ) {
    super(message);
  }
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    throw new SqlParseError(error instanceof Error ? error.message : String(error), details?.cursorPosition);
  }
}

export function parseSql(sql: string): { stmts: RawStatement[] } {
  if (sql.length === 0) return { stmts: [] };
  const result = wrap(() => parseSync(sql)) as unknown as { stmts?: RawStatement[] };
  return { stmts: result.stmts ?? [] };
}

export function parsePlpgsql(createFunctionSql: string): AstNode[] {
  const result = wrap(() => parsePlPgSQLSync(createFunctionSql)) as unknown;
  if (Array.isArray(result)) return result as AstNode[];
  const funcs = (result as { plpgsql_funcs?: AstNode[] }).plpgsql_funcs;
  return funcs ?? [];
}

/** Deparses one statement node back to SQL (used only for statements that must be rewritten). */
export function deparseStatement(stmt: AstNode): string {
  return deparseSync({ version: 170004, stmts: [{ stmt }] } as never);
}

/** A text with UTF-8 byte offsets mapped to string offsets, lines and columns. */
export class SqlText {
  readonly bytes: Buffer;
  private lineStarts: number[] | undefined;

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
  }

  get byteLength(): number {
    return this.bytes.length;
  }

  slice(startByte: number, endByte: number): string {
    return this.bytes.subarray(startByte, endByte).toString('utf8');
  }

  /** 1-based line and column (in characters) of a byte offset. */
  position(byte: number): { line: number; column: number } {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let i = 0; i < this.bytes.length; i++) if (this.bytes[i] === 0x0a) this.lineStarts.push(i + 1);
    }
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= byte) lo = mid;
      else hi = mid - 1;
    }
    const start = this.lineStarts[lo] ?? 0;
    return { line: lo + 1, column: this.slice(start, byte).length + 1 };
  }
}
