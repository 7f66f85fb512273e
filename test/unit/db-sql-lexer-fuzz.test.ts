import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { scanSync } from '@libpg-query/parser';
import { analyzeStatement } from '../../src/db/sql/analyze.ts';
import { lexSql } from '../../src/db/sql/lexer.ts';
import { loadParser, parseSql, type AstNode } from '../../src/db/sql/parser.ts';
import { splitSql } from '../../src/db/sql/split.ts';

/** A small seeded generator (mulberry32), so a failing case can be run again from its seed. */
function rng(seed: number): { int: (n: number) => number; pick: <T>(xs: readonly T[]) => T } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)]! };
}

type Rng = ReturnType<typeof rng>;

/** Text of `length` characters that stresses the lexer: quotes, backslashes, `;`, `$`, comment starts, UTF-8. */
function content(r: Rng, length: number, avoid: readonly string[] = []): string {
  const pool = [
    'a',
    'z',
    ' ',
    '\n',
    '\t',
    ';',
    "'",
    '"',
    '\\',
    '$',
    '-',
    '/',
    '*',
    'é',
    '漢',
    '😀',
    '\\restrict',
  ];
  const usable = pool.filter((p) => !avoid.some((a) => p.includes(a)));
  let out = '';
  while (out.length < length) out += r.pick(usable);
  return out;
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
const eLiteral = (text: string) => `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const quotedIdent = (text: string) => `"${text.replaceAll('"', '""')}"`;

/** One statement holding a long token of some kind; `marker` is a function its body or expression calls. */
function longStatement(r: Rng, length: number, marker: string): { sql: string; callsMarker: boolean } {
  const plain = () => content(r, length, ['$']);
  switch (r.int(9)) {
    case 0:
      return { sql: `select ${literal(content(r, length))} as v, ${marker}()`, callsMarker: false };
    case 1:
      return { sql: `select ${eLiteral(content(r, length))}, ${marker}()`, callsMarker: false };
    case 2:
      return {
        sql: `create table public.${quotedIdent(content(r, length))} (${'c'.repeat(length)} int)`,
        callsMarker: false,
      };
    case 3:
      return {
        sql: `do $$ declare v text := ${literal(plain())}; begin perform ${marker}(); end $$`,
        callsMarker: true,
      };
    case 4:
      return {
        sql: `do $body$ begin execute $x$ select ${literal(plain())} $x$; perform ${marker}(); end $body$`,
        callsMarker: true,
      };
    case 5:
      return {
        sql: `create function public.f${length}() returns text language plpgsql as $fn$ declare v text; begin v := ${eLiteral(content(r, length))} || ${marker}(); return v; end $fn$`,
        callsMarker: true,
      };
    case 6:
      return {
        sql: `create function public.g${length}() returns text language sql as $$ select ${literal(plain())} || ${marker}() $$`,
        callsMarker: true,
      };
    case 7:
      return {
        sql: `/* ${content(r, length, ['/', '*'])} /* nested */ */ select ${marker}()`,
        callsMarker: false,
      };
    default:
      return { sql: `-- ${plain().replaceAll('\n', ' ')}\nselect ${marker}()`, callsMarker: false };
  }
}

/** The parse tree without positions, to compare a statement parsed in place and parsed alone. */
function shape(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(shape);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node as AstNode)
      .filter(([k]) => k !== 'location' && k !== 'stmt_location' && k !== 'stmt_len')
      .map(([k, v]) => [k, shape(v)]),
  );
}

/** Byte spans of tokens, to compare two tokenizers. */
function spans(tokens: Array<{ start: number; end: number }>): string[] {
  return tokens.map((t) => `${t.start}-${t.end}`);
}

describe('lexing and splitting SQL with long tokens (fuzz)', () => {
  before(() => loadParser());

  it('finds the same strings, quoted identifiers and comments as the PostgreSQL scanner where it works', () => {
    const OPAQUE = new Set(['SCONST', 'USCONST', 'XCONST', 'BCONST', 'SQL_COMMENT', 'C_COMMENT']);
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const parts: string[] = [];
      for (let i = 0; i < 6; i++) {
        const text = content(r, 1 + r.int(40));
        parts.push(
          r.pick([
            literal(text),
            eLiteral(text),
            quotedIdent(text),
            `$t$${text.replaceAll('$', '')}$t$`,
            `$$${text.replaceAll('$', '')}$$`,
            `/* ${content(r, 1 + r.int(40), ['/', '*'])} */`,
            `-- ${text.replaceAll('\n', ' ')}\n`,
            'x := 1',
            'a >= -1',
            '$1::int',
            'f(a => 1.5e-3)',
          ]),
        );
      }
      const sql = `select ${parts.join(' , ')};`;
      const quoteAt = (at: number) => Buffer.from(sql)[at] === 0x22;
      const scanned = scanSync(sql).tokens.filter(
        (t) => OPAQUE.has(t.tokenName) || (t.tokenName === 'IDENT' && quoteAt(t.start)),
      );
      const lexed = lexSql(sql).filter(
        (t) => t.kind === 'comment' || t.kind === 'string' || (t.kind === 'identifier' && quoteAt(t.start)),
      );
      assert.deepEqual(spans(lexed), spans(scanned), `seed ${seed}: ${sql}`);
    }
  });

  it('splits and analyzes scripts with tokens far past the scanner limit, and the split round-trips', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed * 7919);
      const statements = Array.from({ length: 1 + r.int(4) }, (_, i) =>
        longStatement(r, 1100 + r.int(6000), `public.marker_${seed}_${i}`),
      );
      const script = `${statements.map((s) => s.sql).join(';\n')};\n`;
      const { statements: split } = splitSql(script, `fuzz-${seed}.sql`);
      const parsed = parseSql(script).stmts;
      assert.equal(split.length, parsed.length, `seed ${seed}`);
      split.forEach((statement, i) => {
        const alone = parseSql(statement.text).stmts;
        assert.equal(alone.length, 1, `seed ${seed} statement ${i} parses alone`);
        assert.deepEqual(shape(alone[0]?.stmt), shape(parsed[i]?.stmt), `seed ${seed} statement ${i}`);
        const info = analyzeStatement(statement);
        if (statements[i]?.callsMarker) {
          assert.ok(
            info.bodyRefs?.functions.some((f) => f.name === `marker_${seed}_${i}`),
            `seed ${seed} statement ${i}: the call after the long token is found`,
          );
        }
      });
      const again = splitSql(`${split.map((s) => s.text).join(';\n')};`, 'again.sql').statements;
      assert.deepEqual(
        again.map((s) => s.text),
        split.map((s) => s.text),
        `seed ${seed} round-trip`,
      );
    }
  });

  it('reads the cases that crashed with "Unterminated string in JSON" (exit 70)', () => {
    const long = 'x'.repeat(1400);
    const { statements } = splitSql(
      `do $$ begin raise notice '${long}'; end $$;\ncreate function public.f() returns text language plpgsql as $$ declare v text; begin v := '${long}' || public.g(); return v; end $$;\n`,
      'long.sql',
    );
    assert.equal(statements.length, 2);
    assert.equal(statements[1]?.line, 2);
    const calls = analyzeStatement(statements[1]!).bodyRefs?.functions.map((f) => `${f.schema}.${f.name}`);
    assert.deepEqual(calls, ['public.g']);
  });

  it('keeps the token kinds the parser does not report: prefixes, parameters, operators and numbers', () => {
    const sql = `b'01' x'ff' n'z' U&'d' U&"i" $12 e'\\''  =-1 1.5e-3 :=`;
    const bytes = Buffer.from(sql);
    assert.deepEqual(
      lexSql(sql).map((t) => `${t.kind}:${bytes.subarray(t.start, t.end).toString()}`),
      [
        "string:b'01'",
        "string:x'ff'",
        "string:n'z'",
        "string:U&'d'",
        'identifier:U&"i"',
        'other:$12',
        "string:e'\\''",
        'operator:=',
        'operator:-',
        'other:1',
        'other:1.5e-3',
        'operator::=',
      ],
    );
  });
});
