/**
 * Token boundaries of a SQL text, following PostgreSQL's lexer (src/backend/parser/scan.l) for what decides
 * where a token ends: comments (`--`, nested `/* *\/`), string constants (`'…'`, `E'…'` with backslash
 * escapes, `B'…'`, `X'…'`, `N'…'`, `U&'…'`), quoted identifiers, dollar-quoted strings and operators.
 *
 * It replaces `@libpg-query/parser`'s `scanSync`, which returns truncated JSON (and so throws) for any token
 * longer than about 1,150 bytes: a long string literal in a DO block or a PL/pgSQL assignment. The parser
 * itself has no such limit; statements still come from it, this only finds where tokens start and end.
 * Offsets are UTF-8 byte offsets, like the parser's; every delimiter is ASCII, so bytes of multi-byte
 * characters never end a token early.
 */

export type LexKind = 'comment' | 'string' | 'identifier' | 'operator' | 'other';

export interface LexToken {
  kind: LexKind;
  /** Byte offsets: `start` inclusive, `end` exclusive. */
  start: number;
  end: number;
}

const QUOTE = 0x27;
const DQUOTE = 0x22;
const DOLLAR = 0x24;
const BACKSLASH = 0x5c;
const OPERATOR_CHARS = new Set([...'+-*/<>=~!@#%^&|`?'].map((c) => c.charCodeAt(0)));
/** An operator ending in + or - keeps it only if it also holds one of these (scan.l's rule). */
const OPERATOR_KEEPS_SIGN = new Set([...'~!@#^&|`?%'].map((c) => c.charCodeAt(0)));

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0c;
const isIdentStart = (b: number) =>
  (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b >= 0x80;
const isIdentChar = (b: number) => isIdentStart(b) || (b >= 0x30 && b <= 0x39) || b === DOLLAR;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

/** End of a quoted run opened at `at` by `quote`; a doubled quote stays inside; `escapes` for E'…'. */
function quotedEnd(bytes: Buffer, at: number, quote: number, escapes: boolean): number {
  let i = at + 1;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (escapes && b === BACKSLASH) i += 2;
    else if (b === quote && bytes[i + 1] === quote) i += 2;
    else if (b === quote) return i + 1;
    else i++;
  }
  return bytes.length;
}

/** The `$tag$` opening a dollar-quoted string at `at`, or undefined (`$1` is a parameter). */
function dollarTag(bytes: Buffer, at: number): string | undefined {
  let i = at + 1;
  if (i < bytes.length && bytes[i] !== DOLLAR) {
    if (!isIdentStart(bytes[i]!)) return undefined;
    while (i < bytes.length && isIdentChar(bytes[i]!) && bytes[i] !== DOLLAR) i++;
  }
  if (bytes[i] !== DOLLAR) return undefined;
  return bytes.subarray(at, i + 1).toString('latin1');
}

function blockCommentEnd(bytes: Buffer, at: number): number {
  let depth = 0;
  let i = at;
  while (i < bytes.length) {
    if (bytes[i] === 0x2f && bytes[i + 1] === 0x2a) {
      depth++;
      i += 2;
    } else if (bytes[i] === 0x2a && bytes[i + 1] === 0x2f) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return bytes.length;
}

/** Length of the operator starting at `at`, cut where a comment starts and trimmed of a trailing sign. */
function operatorLength(bytes: Buffer, at: number): number {
  let end = at;
  while (end < bytes.length && OPERATOR_CHARS.has(bytes[end]!)) {
    if (end > at && bytes[end - 1] === 0x2d && bytes[end] === 0x2d) return end - 1 - at;
    if (end > at && bytes[end - 1] === 0x2f && bytes[end] === 0x2a) return end - 1 - at;
    end++;
  }
  let length = end - at;
  const keepsSign = bytes.subarray(at, end).some((b) => OPERATOR_KEEPS_SIGN.has(b));
  while (length > 1 && !keepsSign && (bytes[at + length - 1] === 0x2b || bytes[at + length - 1] === 0x2d))
    length--;
  return length;
}

/** End of a numeric constant: digits, `_` separators, one `.`, an exponent with its sign (`1.5e-3`). */
function numberEnd(bytes: Buffer, at: number): number {
  let end = at;
  while (end < bytes.length) {
    const b = bytes[end]!;
    const exponentSign =
      (b === 0x2b || b === 0x2d) &&
      (bytes[end - 1] === 0x65 || bytes[end - 1] === 0x45) &&
      isDigit(bytes[end + 1] ?? 0);
    if (b === 0x2e && bytes[end + 1] === 0x2e) break;
    if (!isIdentChar(b) && b !== 0x2e && !exponentSign) break;
    end++;
  }
  return end;
}

/** Splits `text` into tokens; whitespace is skipped. Never throws: an unterminated token runs to the end. */
export function lexSql(text: string | Buffer): LexToken[] {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const tokens: LexToken[] = [];
  const push = (kind: LexKind, start: number, end: number) => tokens.push({ kind, start, end });
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const next = bytes[i + 1];
    if (isSpace(b)) {
      i++;
    } else if (b === 0x2d && next === 0x2d) {
      let end = i;
      while (end < bytes.length && bytes[end] !== 0x0a && bytes[end] !== 0x0d) end++;
      push('comment', i, end);
      i = end;
    } else if (b === 0x2f && next === 0x2a) {
      const end = blockCommentEnd(bytes, i);
      push('comment', i, end);
      i = end;
    } else if (b === QUOTE) {
      const end = quotedEnd(bytes, i, QUOTE, false);
      push('string', i, end);
      i = end;
    } else if (b === DQUOTE) {
      const end = quotedEnd(bytes, i, DQUOTE, false);
      push('identifier', i, end);
      i = end;
    } else if (b === DOLLAR && dollarTag(bytes, i) !== undefined) {
      const tag = Buffer.from(dollarTag(bytes, i)!, 'latin1');
      const close = bytes.indexOf(tag, i + tag.length);
      const end = close === -1 ? bytes.length : close + tag.length;
      push('string', i, end);
      i = end;
    } else if (
      (b === 0x75 || b === 0x55) &&
      next === 0x26 &&
      (bytes[i + 2] === QUOTE || bytes[i + 2] === DQUOTE)
    ) {
      const quote = bytes[i + 2]!;
      const end = quotedEnd(bytes, i + 2, quote, false);
      push(quote === QUOTE ? 'string' : 'identifier', i, end);
      i = end;
    } else if (isIdentStart(b)) {
      let end = i + 1;
      while (end < bytes.length && isIdentChar(bytes[end]!)) end++;
      const prefix = end === i + 1 ? String.fromCharCode(b).toLowerCase() : '';
      if (bytes[end] === QUOTE && ['e', 'b', 'x', 'n'].includes(prefix)) {
        end = quotedEnd(bytes, end, QUOTE, prefix === 'e');
        push('string', i, end);
      } else push('identifier', i, end);
      i = end;
    } else if (b === DOLLAR && next !== undefined && isDigit(next)) {
      let end = i + 1;
      while (end < bytes.length && isDigit(bytes[end]!)) end++;
      push('other', i, end);
      i = end;
    } else if (isDigit(b) || (b === 0x2e && next !== undefined && isDigit(next))) {
      push('other', i, numberEnd(bytes, i));
      i = numberEnd(bytes, i);
    } else if (b === 0x3a && (next === 0x3d || next === 0x3a)) {
      push('operator', i, i + 2);
      i += 2;
    } else if (OPERATOR_CHARS.has(b)) {
      const end = i + operatorLength(bytes, i);
      push('operator', i, end);
      i = end;
    } else {
      push('other', i, i + 1);
      i++;
    }
  }
  return tokens;
}
