/**
 * `storage rewrite-urls` and `storage restore-urls`.
 *
 * Rewrite walks each configured column in primary-key batches. Each batch is one transaction: it locks its
 * rows (FOR UPDATE, so an app write to the same row waits a moment instead of being lost), decides in
 * TypeScript what each value becomes (URLs are parsed, jsonb documents walked; only the storage strings
 * inside a jsonb document are replaced, with jsonb_set), updates the rows and writes the old and new value
 * of each to the ledger. Rows the live app inserts or updates behind the cursor are picked up by a catch-up
 * pass; passes repeat until one changes nothing (converged) or `maxPasses` is reached (the app is still
 * writing Supabase URLs: run again after deploying the new code). A SQL LIKE only pre-selects candidate
 * rows; every decision is made by the parser.
 *
 * Restore replays the ledger newest first, putting back the old value only where the column still holds
 * exactly the value supa2aws wrote (what the app changed since is left alone and reported).
 */
import { randomUUID } from 'node:crypto';
import { logger, silentReporter, type Reporter } from '../../core/reporter.ts';
import type { UrlColumn } from '../config.ts';
import { type PgClient } from '../../core/pg.ts';
import { describeColumn, keyMatchesLedger, keyParams, keyTuple, type ColumnInfo } from './catalog.ts';
import { ensureLedger, ledgerExists, LEDGER_TABLE } from './ledger.ts';
import type { RefKind } from './parse.ts';
import type { KindCounts, UrlRewriter } from './rewriter.ts';
import { quoteIdent } from '../../core/sql-quote.ts';

export interface ColumnResult {
  schema: string;
  table: string;
  column: string;
  kind: 'text' | 'jsonb';
  /** Rows read (candidates only: rows whose value may hold a storage reference). */
  scanned: number;
  /** Rows whose value changed (rewrite) or was put back (restore). */
  changed: number;
  /** Rewrite: references to buckets with no mapping, left as they were. Restore: entries the app changed since. */
  skipped: number;
  passes: number;
  counts: KindCounts;
  droppedTransforms: number;
  samples: Array<{ before: string; after: string }>;
}

export interface UrlRewriteResult {
  version: 1;
  mode: 'rewrite-urls' | 'restore-urls';
  dryRun: boolean;
  runId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  columns: ColumnResult[];
  /** Rewrite: values still changing in the last pass. Restore: ledger entries left unrestored. */
  remaining: number;
  /** Restore: entries whose row was deleted since. */
  rowsGone?: number;
  /**
   * Stopped by Ctrl-C / SIGTERM between two batches: every count above is what was committed; the batch in
   * flight was committed whole or rolled back whole, and a re-run finishes the rest.
   */
  interrupted: boolean;
}

export interface BatchInfo {
  column: string;
  pass: number;
  batch: number;
}

export interface RewriteUrlsInput {
  db: PgClient;
  columns: UrlColumn[];
  rewriter: UrlRewriter;
  /** Rows per transaction. @default 500 */
  batchSize?: number;
  /** Count and sample only; write nothing. */
  dryRun?: boolean;
  /** Passes over each column at most. @default 4 */
  maxPasses?: number;
  reporter?: Reporter;
  signal?: AbortSignal;
  /** Called after each committed batch (tests use it to write rows as a live app would). */
  afterBatch?: (info: BatchInfo) => Promise<void>;
  now?: () => Date;
}

const SAMPLES = 3;

function emptyResult(info: ColumnInfo): ColumnResult {
  const c = info.column;
  return {
    schema: c.schema,
    table: c.table,
    column: c.column,
    kind: info.kind,
    scanned: 0,
    changed: 0,
    skipped: 0,
    passes: 0,
    counts: {},
    droppedTransforms: 0,
    samples: [],
  };
}

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The candidate filter: values that may hold a reference (the parser decides). */
function prefilter(info: ColumnInfo, rewriter: UrlRewriter, params: unknown[]): string {
  if (info.kind === 'jsonb') return `t.${info.ident}::text like '%/storage/v1/%'`;
  const parts = [`t.${info.ident} like '%/storage/v1/%'`];
  if (!info.column.bucket) {
    params.push(Object.keys(rewriter.options.buckets).map((b) => `${likeEscape(b)}/%`));
    parts.push(`t.${info.ident} like any($${params.length}::text[])`);
  }
  return `(${parts.join(' or ')})`;
}

interface Change {
  key: string[];
  /** text: the new value; jsonb: the strings to replace. */
  text?: string;
  json?: Array<{ path: string[]; after: string }>;
}

async function applyChange(db: PgClient, info: ColumnInfo, runId: string, change: Change): Promise<void> {
  const c = info.column;
  const params: unknown[] = [runId, c.schema, c.table, c.column, JSON.stringify(change.key)];
  const keyAt = params.length + 1;
  params.push(...change.key);
  const match = `${keyTuple(info, 't')} = ${keyParams(info, keyAt)}`;
  let expr: string;
  if (info.kind === 'text') {
    params.push(change.text);
    expr = `$${params.length}::text`;
  } else {
    expr = `t.${info.ident}`;
    for (const { path, after } of change.json ?? []) {
      params.push(after);
      const value = `to_jsonb($${params.length}::text)`;
      if (path.length === 0) {
        expr = value;
      } else {
        params.push(path);
        expr = `jsonb_set(${expr}, $${params.length}::text[], ${value})`;
      }
    }
  }
  const [oldCol, newCol] = info.kind === 'text' ? ['old_text', 'new_text'] : ['old_json', 'new_json'];
  await db.query(
    `with prev as (select t.${info.ident} as v from ${info.table} t where ${match}),
          upd as (update ${info.table} t set ${info.ident} = ${expr} where ${match} returning t.${info.ident} as v)
     insert into ${LEDGER_TABLE} (run_id, table_schema, table_name, column_name, pk, kind, ${oldCol}, ${newCol})
     select $1, $2, $3, $4, $5::jsonb, '${info.kind}', prev.v, upd.v from prev, upd`,
    params,
  );
}

async function rewriteColumn(
  input: RewriteUrlsInput,
  info: ColumnInfo,
  runId: string,
): Promise<{ result: ColumnResult; lastPassChanged: number; interrupted: boolean }> {
  const result = emptyResult(info);
  const batchSize = input.batchSize ?? 500;
  const maxPasses = input.dryRun ? 1 : (input.maxPasses ?? 4);
  const name = `${info.column.schema}.${info.column.table}.${info.column.column}`;
  const keyCols = info.key.map((k, i) => `t.${quoteIdent(k.name)}::text as k${i}`).join(', ');
  const valueCol = info.kind === 'jsonb' ? `t.${info.ident}::text as v` : `t.${info.ident} as v`;
  let lastPassChanged = 0;
  for (let pass = 1; pass <= maxPasses; pass++) {
    result.passes = pass;
    let cursor: string[] | undefined;
    let passChanged = 0;
    for (let batch = 1; ; batch++) {
      if (input.signal?.aborted) {
        result.changed += passChanged; // committed batches of this pass
        return { result, lastPassChanged: 0, interrupted: true };
      }
      const params: unknown[] = [];
      const where = [prefilter(info, input.rewriter, params)];
      if (cursor) {
        where.push(`${keyTuple(info, 't')} > ${keyParams(info, params.length + 1)}`);
        params.push(...cursor);
      }
      params.push(batchSize);
      const sql = `select ${keyCols}, ${valueCol} from ${info.table} t where ${where.join(' and ')}
                    order by ${info.key.map((k) => `t.${quoteIdent(k.name)}`).join(', ')} limit $${params.length}
                    ${input.dryRun ? '' : 'for update of t'}`;
      if (!input.dryRun) await input.db.query('begin');
      let rows: Array<Record<string, string | null>>;
      try {
        rows = (await input.db.query(sql, params)).rows as Array<Record<string, string | null>>;
        for (const row of rows) {
          result.scanned++;
          const key = info.key.map((_, i) => row[`k${i}`] as string);
          const value = row.v;
          if (value === null || value === undefined) continue;
          const counts = result.counts;
          const unmappedBefore = counts.unmapped ?? 0;
          let change: Change | undefined;
          if (info.kind === 'text') {
            const out = input.rewriter.rewriteText(value, info.column, counts);
            if (out && out.value !== value) {
              change = { key, text: out.value };
              if (out.droppedTransform) result.droppedTransforms++;
              if (result.samples.length < SAMPLES) result.samples.push({ before: value, after: out.value });
            }
          } else {
            const changes = input.rewriter.rewriteJson(JSON.parse(value) as unknown, info.column, counts);
            if (changes.length > 0) {
              change = { key, json: changes.map(({ path, after }) => ({ path, after })) };
              for (const c of changes)
                if (result.samples.length < SAMPLES)
                  result.samples.push({ before: c.before, after: c.after });
            }
          }
          result.skipped += (counts.unmapped ?? 0) - unmappedBefore;
          if (!change) continue;
          passChanged++;
          if (!input.dryRun) await applyChange(input.db, info, runId, change);
        }
        if (!input.dryRun) await input.db.query('commit');
      } catch (error) {
        if (!input.dryRun) await input.db.query('rollback').catch(() => undefined);
        throw error;
      }
      input.reporter?.emit({
        type: 'progress',
        task: `rewrite-urls ${name}`,
        done: result.scanned,
        unit: 'rows',
      });
      if (!input.dryRun) await input.afterBatch?.({ column: name, pass, batch });
      if (rows.length < batchSize) break;
      const last = rows[rows.length - 1] as Record<string, string | null>;
      cursor = info.key.map((_, i) => last[`k${i}`] as string);
    }
    result.changed += passChanged;
    lastPassChanged = passChanged;
    if (passChanged === 0 || input.dryRun) break;
  }
  return { result, lastPassChanged: input.dryRun ? 0 : lastPassChanged, interrupted: false };
}

/** Rewrites the configured columns; converges (a second run changes nothing). */
export async function rewriteUrls(input: RewriteUrlsInput): Promise<UrlRewriteResult> {
  const now = input.now ?? (() => new Date());
  const started = now();
  const runId = `${started.toISOString()}-${randomUUID().slice(0, 8)}`;
  const log = logger(input.reporter ?? silentReporter);
  const infos: ColumnInfo[] = [];
  for (const column of input.columns) infos.push(await describeColumn(input.db, column));
  if (!input.dryRun) await ensureLedger(input.db);
  const columns: ColumnResult[] = [];
  let remaining = 0;
  let interrupted = false;
  for (const info of infos) {
    if (input.signal?.aborted) {
      interrupted = true;
      break;
    }
    const { result, lastPassChanged, interrupted: stopped } = await rewriteColumn(input, info, runId);
    columns.push(result);
    if (stopped) {
      interrupted = true;
      log.warn(
        `${result.table}.${result.column}: interrupted after ${result.changed} committed change(s): run the same command again to finish`,
      );
      break;
    }
    const converged = input.dryRun || lastPassChanged === 0;
    if (!converged) {
      remaining += lastPassChanged;
      log.warn(
        `${result.table}.${result.column}: still changing after ${result.passes} passes: the app is writing Supabase URLs; run again once it uses @supa2aws/runtime/storage`,
      );
    }
    if (result.skipped > 0)
      log.warn(
        `${result.table}.${result.column}: ${result.skipped} reference(s) to buckets with no mapping left as they are`,
      );
    if (result.droppedTransforms > 0)
      log.warn(
        `${result.table}.${result.column}: ${result.droppedTransforms} image transform URL(s) now point at the original image (S3 does not resize)`,
      );
  }
  const finished = now();
  return {
    version: 1,
    mode: 'rewrite-urls',
    dryRun: input.dryRun === true,
    runId,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    columns,
    remaining,
    interrupted,
  };
}

export interface RestoreUrlsInput {
  db: PgClient;
  /** Only these columns (default: every column in the ledger). */
  columns?: Array<Pick<UrlColumn, 'schema' | 'table' | 'column'>>;
  batchSize?: number;
  dryRun?: boolean;
  reporter?: Reporter;
  signal?: AbortSignal;
  now?: () => Date;
}

/** Puts back the values `rewrite-urls` changed, newest first, where they still hold what it wrote. */
export async function restoreUrls(input: RestoreUrlsInput): Promise<UrlRewriteResult> {
  const now = input.now ?? (() => new Date());
  const started = now();
  const batchSize = input.batchSize ?? 500;
  const columns: ColumnResult[] = [];
  let remaining = 0;
  let rowsGone = 0;
  let interrupted = false;
  if (await ledgerExists(input.db)) {
    const { rows: groups } = await input.db.query<{
      table_schema: string;
      table_name: string;
      column_name: string;
      kind: 'text' | 'jsonb';
    }>(
      `select distinct table_schema, table_name, column_name, kind from ${LEDGER_TABLE} where restored_at is null order by 1, 2, 3`,
    );
    const wanted = input.columns?.map((c) => `${c.schema}.${c.table}.${c.column}`);
    for (const g of groups) {
      const name = `${g.table_schema}.${g.table_name}.${g.column_name}`;
      if (wanted && !wanted.includes(name)) continue;
      const info = await describeColumn(input.db, {
        schema: g.table_schema,
        table: g.table_name,
        column: g.column_name,
        kind: g.kind,
      });
      const result = emptyResult(info);
      result.passes = 1;
      const [oldCol, newCol] = info.kind === 'text' ? ['old_text', 'new_text'] : ['old_json', 'new_json'];
      const scope = `l.table_schema = $1 and l.table_name = $2 and l.column_name = $3 and l.restored_at is null`;
      const scopeParams = [g.table_schema, g.table_name, g.column_name];
      if (input.dryRun) {
        const { rows } = await input.db.query<{ pending: number; current: number }>(
          `select count(*)::int as pending,
                  count(*) filter (where exists (select 1 from ${info.table} t where ${keyMatchesLedger(info, 't', 'l.pk')}
                                                  and t.${info.ident} is not distinct from l.${newCol}))::int as current
             from ${LEDGER_TABLE} l where ${scope}`,
          scopeParams,
        );
        result.scanned = rows[0]?.pending ?? 0;
        result.changed = rows[0]?.current ?? 0;
        result.skipped = result.scanned - result.changed;
        columns.push(result);
        continue;
      }
      for (;;) {
        if (input.signal?.aborted) {
          interrupted = true;
          break;
        }
        await input.db.query('begin');
        try {
          const { rows } = await input.db.query<{
            id: string;
            status: 'restored' | 'changed-since' | 'row-gone';
          }>(
            `with batch as (
               select l.id, l.pk, l.${oldCol} as old_v, l.${newCol} as new_v from ${LEDGER_TABLE} l
                where ${scope} order by l.id desc limit $4 for update of l),
             restored as (
               update ${info.table} t set ${info.ident} = b.old_v from batch b
                where ${keyMatchesLedger(info, 't', 'b.pk')} and t.${info.ident} is not distinct from b.new_v
               returning b.id),
             present as (
               select b.id from batch b where exists (select 1 from ${info.table} t where ${keyMatchesLedger(info, 't', 'b.pk')}))
             select b.id::text as id,
                    case when b.id in (select id from restored) then 'restored'
                         when b.id in (select id from present) then 'changed-since' else 'row-gone' end as status
               from batch b`,
            [...scopeParams, batchSize],
          );
          if (rows.length > 0) {
            await input.db.query(
              `update ${LEDGER_TABLE} l set restored_at = now(), restore_status = s.status
                 from unnest($1::bigint[], $2::text[]) as s(id, status) where l.id = s.id`,
              [rows.map((r) => r.id), rows.map((r) => r.status)],
            );
          }
          await input.db.query('commit');
          result.scanned += rows.length;
          for (const r of rows) {
            if (r.status === 'restored') result.changed++;
            else if (r.status === 'changed-since') result.skipped++;
            else rowsGone++;
          }
          input.reporter?.emit({
            type: 'progress',
            task: `restore-urls ${name}`,
            done: result.scanned,
            unit: 'entries',
          });
          if (rows.length < batchSize) break;
        } catch (error) {
          await input.db.query('rollback').catch(() => undefined);
          throw error;
        }
      }
      columns.push(result);
    }
    if (!input.dryRun) {
      const { rows } = await input.db.query<{ n: number }>(
        `select count(*)::int as n from ${LEDGER_TABLE} where restored_at is null`,
      );
      remaining = rows[0]?.n ?? 0;
    }
  }
  const finished = now();
  return {
    version: 1,
    mode: 'restore-urls',
    dryRun: input.dryRun === true,
    runId: started.toISOString(),
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    columns,
    remaining,
    rowsGone,
    interrupted,
  };
}

export type { RefKind };
