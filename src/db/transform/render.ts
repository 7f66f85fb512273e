/**
 * The reviewable schema file: a header summarising every drop and rewrite and why, the prelude, then
 * each kept statement with its original text (rewritten ones show what they were), and last the row that
 * records the migration — so `psql --single-transaction -f` records it too.
 */
import { createHash } from 'node:crypto';
import { SUPA2AWS_SCHEMA } from '../supabase-facts.ts';
import { quoteLiteral } from '../../core/sql-quote.ts';
import { preludeSql } from './prelude.ts';
import type { Decision, DroppedObject, ExtensionInstall, Finding, TransformResult } from './types.ts';

export interface ScriptStatement {
  sql: string;
  /** `prelude`, or `file:line` of the original statement. */
  origin: string;
  /** 1-based line of the statement in the rendered file. */
  fileLine?: number;
}

export interface SchemaSummary {
  version: 1;
  checksum: string;
  source: string;
  ownerRole: string;
  rls: 'keep' | 'drop';
  counts: { kept: number; rewritten: number; dropped: number; blocked: number; prelude: number };
  extensions: ExtensionInstall[];
  dropped: DroppedObject[];
  blockers: Finding[];
}

export interface SchemaScript {
  version: 1;
  /** Statements to run in one transaction, in order (without the record row). */
  statements: ScriptStatement[];
  checksum: string;
  summary: SchemaSummary;
  /** The reviewable file. */
  text: string;
}

export const SUMMARY_MARKER = '-- supa2aws-summary: ';

const oneLine = (s: string, max = 110) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

const commented = (text: string, prefix = '-- ') =>
  text
    .split('\n')
    .map((l) => `${prefix}${l}`.trimEnd())
    .join('\n');

export function checksumOf(statements: ScriptStatement[]): string {
  const hash = createHash('sha256');
  for (const s of statements) hash.update(s.sql).update('\n;\n');
  return hash.digest('hex');
}

/** The row written in the same transaction as the schema. */
export function recordSql(summary: SchemaSummary, statements: number): string {
  return (
    `INSERT INTO ${SUPA2AWS_SCHEMA}.schema_migrations (checksum, source, statements, summary) VALUES (` +
    `${quoteLiteral(summary.checksum)}, ${quoteLiteral(summary.source)}, ${statements}, ` +
    `${quoteLiteral(JSON.stringify(summary))}::jsonb) ON CONFLICT (checksum) DO NOTHING`
  );
}

function findingLines(title: string, list: Finding[]): string[] {
  if (list.length === 0) return [];
  const out = ['--', `-- ${title}`];
  for (const f of list) {
    out.push(`--   [${f.code}] ${oneLine(f.message, 400)}`);
    if (f.advice) out.push(`--     what to do: ${oneLine(f.advice, 400)}`);
    for (const o of f.objects ?? []) out.push(`--     - ${oneLine(o, 300)}`);
  }
  return out;
}

/** Every dropped, rewritten or blocked statement, grouped by rule, the reason given once per group. */
function decisionLines(changed: Decision[]): string[] {
  const groups = new Map<string, Decision[]>();
  for (const d of changed) groups.set(String(d.rule), [...(groups.get(String(d.rule)) ?? []), d]);
  const out: string[] = [];
  for (const [rule, ds] of groups) {
    const actions = ['drop', 'rewrite', 'block']
      .map((a) => [a, ds.filter((d) => d.action === a).length] as const)
      .filter(([, n]) => n > 0)
      .map(([a, n]) => `${n} ${a === 'drop' ? 'dropped' : a === 'rewrite' ? 'rewritten' : 'BLOCKED'}`);
    const first = ds[0]?.reason ?? '';
    out.push(`--   ${rule} (${actions.join(', ')}): ${oneLine(first, 300)}`);
    for (const d of ds) {
      const where = `${d.statement.source}:${d.statement.line}`;
      const reason = d.reason && d.reason !== first ? ` — ${oneLine(d.reason, 200)}` : '';
      out.push(
        `--     ${where.padEnd(26)} ${d.action === 'drop' ? '' : `[${d.action}] `}${oneLine(d.statement.text, 90)}${reason}`,
      );
    }
  }
  return out;
}

/** Finds each statement's line in the rendered file (statements appear in order, each verbatim). */
function locateStatements(text: string, statements: ScriptStatement[]): void {
  let from = 0;
  let line = 1;
  for (const s of statements) {
    const at = text.indexOf(`${s.sql};`, from);
    if (at < 0) continue;
    for (let i = from; i < at; i++) if (text.charCodeAt(i) === 10) line++;
    s.fileLine = line;
    from = at;
  }
}

export interface RenderOptions {
  /** Where the schema came from, for the header. */
  source: string;
  /** @default new Date() */
  now?: Date;
}

/** Builds the statements to apply and the reviewable file. */
export function renderSchema(result: TransformResult, options: RenderOptions): SchemaScript {
  const prelude = preludeSql(result.extensions, {
    apiDefaultPrivileges: result.apiDefaultPrivileges,
  }).map((sql) => ({ sql, origin: 'prelude' }));
  const body: ScriptStatement[] = [];
  const bodyText: string[] = [];
  let lastSource = '';
  for (const d of result.decisions) {
    if (d.statement.source !== lastSource) {
      lastSource = d.statement.source;
      bodyText.push(`-- ===== ${lastSource} =====`, '');
    }
    const origin = `${d.statement.source}:${d.statement.line}`;
    if (d.action === 'drop' || d.action === 'block') {
      bodyText.push(
        `-- supa2aws ${d.action === 'block' ? 'BLOCKED' : 'dropped'} (${d.rule}): ${oneLine(d.statement.text, 90)}`,
        '',
      );
      continue;
    }
    const sql = d.action === 'rewrite' && d.text !== undefined ? d.text : d.statement.text;
    body.push({ sql, origin });
    const leading = d.statement.leading.trimEnd();
    if (leading) bodyText.push(leading);
    if (d.action === 'rewrite') {
      bodyText.push(
        `-- supa2aws rewrote (${d.rule}): ${oneLine(d.reason ?? '', 200)}`,
        commented(`${d.statement.text};`, '-- was: '),
      );
    }
    bodyText.push(`${sql};`, '');
  }
  const statements = [...prelude, ...body];
  const checksum = checksumOf(statements);
  const count = (a: Decision['action']) => result.decisions.filter((d) => d.action === a).length;
  const summary: SchemaSummary = {
    version: 1,
    checksum,
    source: options.source,
    ownerRole: result.ownerRole,
    rls: result.rls,
    counts: {
      kept: count('keep'),
      rewritten: count('rewrite'),
      dropped: count('drop'),
      blocked: count('block'),
      prelude: prelude.length,
    },
    extensions: result.extensions,
    dropped: result.dropped,
    blockers: result.blockers,
  };
  const changed = result.decisions.filter((d) => d.action !== 'keep');
  const header = [
    '-- supa2aws db schema: the Supabase schema rewritten for Amazon RDS for PostgreSQL 16.',
    `-- Source: ${options.source}`,
    `-- Generated: ${(options.now ?? new Date()).toISOString()}   Owner role: ${result.ownerRole}   RLS: ${result.rls}`,
    `-- Statements: ${summary.counts.kept} kept as written, ${summary.counts.rewritten} rewritten, ${summary.counts.dropped} dropped, ${summary.counts.blocked} blocked; ${prelude.length} in the prelude.`,
    '-- Apply it (one transaction; a second run sees the record and does nothing):',
    '--   supa2aws db schema --apply-file <this file>      or      psql --single-transaction -f <this file>',
    ...findingLines('BLOCKERS: nothing is applied while any remain.', result.blockers),
    ...(changed.length > 0
      ? ['--', '-- Dropped and rewritten statements, by rule, and why:', ...decisionLines(changed)]
      : []),
    ...(result.stripped.length > 0
      ? [
          '--',
          '-- psql meta-command lines removed before parsing:',
          ...result.stripped.map((s) => `--   ${s.source}:${s.line}  ${oneLine(s.text, 40)}`),
        ]
      : []),
    ...findingLines('Warnings:', result.warnings),
    ...findingLines('Automatic fixes:', result.fixes),
    '--',
    `${SUMMARY_MARKER}${JSON.stringify(summary)}`,
    '',
  ];
  const text = [
    ...header,
    '-- ===== supa2aws prelude: bookkeeping, API roles, extensions, compat auth schema =====',
    '',
    ...prelude.map((s) => `${s.sql};\n`),
    ...bodyText,
    '-- ===== supa2aws: record this schema (same transaction) =====',
    `${recordSql(summary, statements.length)};`,
    '',
  ].join('\n');
  locateStatements(text, statements);
  return { version: 1, statements, checksum, summary, text };
}
