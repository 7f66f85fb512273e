/**
 * `db copy`: every app table (and auth.users into the compat table) from one snapshot of the source into
 * the target, several tables at once, as the target's owner role and without superuser settings:
 * FKs, keys and indexes are set aside and re-created after the load (deferred-ddl.ts), user triggers are
 * disabled inside each table's load transaction, generated columns are left out. Converges per table:
 * equal digests → skipped; anything else on the target → emptied and copied again. Sequences are set
 * from the source at the end.
 */
import { selectSchemas } from '../catalog/schemas.ts';
import { DbError, InterruptedError } from '../../core/errors.ts';
import { eachConcurrently } from '../../core/concurrency.ts';
import { isUnreachable, unreachableReason } from '../../core/outage.ts';
import { logger, silentReporter, step, type Reporter } from '../../core/reporter.ts';
import {
  columnsMissingOnTarget,
  commonColumns,
  listTables,
  tableKey,
  tableSql,
  type TableInfo,
} from '../catalog/tables.ts';
import { inTransaction, defaultConnect, type ConnectFn, type PgClient } from '../../core/pg.ts';
import { applyDigestSettings } from '../digest-settings.ts';
import { digestExpressions, tableDigest } from '../verify/digest.ts';
import {
  chooseFormat,
  copyTable,
  enabledUserTriggers,
  type CopyFormat,
  type TableCopyJob,
} from './copy-table.ts';
import { COPY_BOOKKEEPING_SQL, deferForLoad, pendingDeferred, restoreOne } from './deferred-ddl.ts';
import { openSnapshot, type SourceSnapshot } from './snapshot.ts';
import { probeDatabase, StallWatch, type DeadSide } from '../stall-watch.ts';
import { qualified, quoteIdent } from '../../core/sql-quote.ts';

export interface CopyDataOptions {
  sourceUrl: string;
  /** The owner role's connection string. */
  targetUrl: string;
  /** App schemas. @default every app schema of the source with tables */
  schemas?: string[];
  /** Tables loaded at once. @default 2 */
  concurrency?: number;
  /** Only these tables (`schema.name`). @default every table */
  tables?: string[];
  /** @default 'auto' (binary unless a column's binary form is server-specific) */
  format?: 'auto' | CopyFormat;
  /**
   * Read the source as of this exported snapshot instead of taking a new one: `db replicate start` passes
   * the snapshot its replication slot exported. @default a new snapshot
   */
  snapshot?: string;
  /** Report what would be copied and skipped; change nothing. @default false */
  dryRun?: boolean;
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
}

export type TableAction = 'copy' | 'recopy' | 'skip';

export interface TableCopyReport {
  table: string;
  action: TableAction;
  /** Why: `empty on target`, `digest equal`, `digest differs`. */
  reason: string;
  format?: CopyFormat;
  rows?: number;
  bytes?: number;
  elapsedMs?: number;
  /** Source columns with no target column (not copied). */
  missingColumns?: string[];
  /** Merged by primary key instead of emptied, to keep target-only columns. */
  merge?: boolean;
}

export interface CopyDataResult {
  version: 1;
  snapshot: string;
  dryRun: boolean;
  tables: TableCopyReport[];
  /** Source tables with no table on the target (not copied). */
  missingOnTarget: string[];
  deferred: { dropped: number; restored: number; kept: string[] };
  sequences: Array<{ sequence: string; value: string; isCalled: boolean }>;
  rows: number;
  bytes: number;
  elapsedMs: number;
}

interface Planned {
  source: TableInfo;
  target: TableInfo;
  report: TableCopyReport;
}

async function decide(
  snapshot: SourceSnapshot,
  target: PgClient,
  source: TableInfo,
  t: TableInfo,
): Promise<TableCopyReport> {
  const columns = commonColumns(source, t);
  const missing = columnsMissingOnTarget(source, t);
  const base = { table: tableKey(t), ...(missing.length > 0 ? { missingColumns: missing } : {}) };
  const { rows } = await target.query<{ any: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${tableSql(t)}) AS any`,
  );
  if (!rows[0]?.any) return { ...base, action: 'copy', reason: 'empty on target' };
  const exprs = digestExpressions(columns, source.columns);
  const [a, b] = await Promise.all([
    tableDigest(snapshot.client, source, exprs),
    tableDigest(target, t, exprs),
  ]);
  if (a.value === b.value) return { ...base, action: 'skip', reason: `digest equal (${a.rows} rows)` };
  const targetOnly = t.columns.filter((c) => !c.generated && !source.columns.some((x) => x.name === c.name));
  if (targetOnly.length > 0) {
    const held = await target.query<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${tableSql(t)} WHERE ${targetOnly.map((c) => `${quoteIdent(c.name)} IS NOT NULL`).join(' OR ')}) AS any`,
    );
    if (held.rows[0]?.any) {
      const names = targetOnly.map((c) => c.name).join(', ');
      if (t.primaryKey.length === 0) {
        throw new DbError(
          'DB_COPY_WOULD_LOSE_TARGET_DATA',
          `${tableKey(t)} differs from the source, and its target-only columns (${names}) hold data that copying it again would lose`,
          {
            exit: 'usage',
            hint: 'Give the table a primary key (supa2aws then merges by key), or copy the other tables with --tables.',
          },
        );
      }
      return {
        ...base,
        action: 'recopy',
        merge: true,
        reason: `digest differs (source ${a.rows} rows, target ${b.rows}): merged by key, keeping ${names}`,
      };
    }
  }
  return {
    ...base,
    action: 'recopy',
    reason: `digest differs (source ${a.rows} rows, target ${b.rows}): emptied and copied again`,
  };
}

async function setSequences(
  snapshot: SourceSnapshot,
  target: PgClient,
  schemas: string[],
): Promise<CopyDataResult['sequences']> {
  const targetSeqs = await target.query<{ schemaname: string; sequencename: string }>(
    `SELECT schemaname, sequencename FROM pg_catalog.pg_sequences WHERE schemaname = ANY($1::text[]) ORDER BY 1, 2`,
    [schemas],
  );
  const out: CopyDataResult['sequences'] = [];
  await inTransaction(target, async () => {
    for (const seq of targetSeqs.rows) {
      const name = qualified(seq.schemaname, seq.sequencename);
      const exists = await snapshot.client.query<{ r: string | null }>(`SELECT to_regclass($1)::text AS r`, [
        name,
      ]);
      if (!exists.rows[0]?.r) continue;
      const { rows } = await snapshot.client.query<{ last_value: string; is_called: boolean }>(
        `SELECT last_value::text, is_called FROM ${name}`,
      );
      const row = rows[0];
      if (!row) continue;
      await target.query(`SELECT pg_catalog.setval($1::regclass, $2::bigint, $3)`, [
        name,
        row.last_value,
        row.is_called,
      ]);
      out.push({
        sequence: `${seq.schemaname}.${seq.sequencename}`,
        value: row.last_value,
        isCalled: row.is_called,
      });
    }
  });
  return out;
}

export async function copyData(options: CopyDataOptions): Promise<CopyDataResult> {
  const started = Date.now();
  const reporter = options.reporter ?? silentReporter;
  const log = logger(reporter);
  const direct = options.connect ?? defaultConnect;
  const watch = new StallWatch({
    probe: (side, timeoutMs) =>
      probeDatabase(direct, side === 'source' ? options.sourceUrl : options.targetUrl, side, timeoutMs),
    onWait: (m) => log.warn(m),
  });
  const connect = watch.connectFn(direct);
  const concurrency = options.concurrency ?? 2;
  const checkAbort = () => {
    if (options.signal?.aborted) throw options.signal.reason ?? new InterruptedError('db copy');
  };
  const control = await connect(options.targetUrl, 'target');
  watch.start();
  let snapshot: SourceSnapshot | undefined;
  const extraClients: PgClient[] = [];
  /** Tables loaded and committed by this run, for the error that stops it. */
  const committed: string[] = [];
  let toLoadCount = 0;
  try {
    await applyDigestSettings(control);
    if (!options.dryRun) for (const sql of COPY_BOOKKEEPING_SQL) await control.query(sql);
    snapshot = await openSnapshot(connect, options.sourceUrl, options.snapshot);
    const snap = snapshot;
    log.info(`source snapshot ${snap.id}: every table is read as of this moment`);
    const { schemas } = await selectSchemas(snap.client, options.schemas);
    log.info(`app schemas: ${schemas.join(', ')}`);
    const [sourceTables, targetTables] = await Promise.all([
      listTables(snap.client, schemas, { withAuthUsers: true }),
      listTables(control, schemas, { withAuthUsers: true }),
    ]);
    const bySource = new Map(sourceTables.map((t) => [tableKey(t), t]));
    const onTarget = new Set(targetTables.map(tableKey));
    const wanted = (key: string) => !options.tables || options.tables.includes(key);
    const planned: Planned[] = [];
    await step(reporter, 'compare source and target tables', async () => {
      for (const t of targetTables) {
        const source = bySource.get(tableKey(t));
        if (!source || !wanted(tableKey(t))) continue;
        planned.push({ source, target: t, report: await decide(snap, control, source, t) });
      }
    });
    const missingOnTarget = sourceTables.map(tableKey).filter((k) => !onTarget.has(k) && wanted(k));
    for (const key of missingOnTarget)
      log.warn(
        `${key} exists on the source but not on the target: not copied (run \`supa2aws db schema\` first)`,
      );
    const toLoad = planned
      .filter((p) => p.report.action !== 'skip')
      .sort((a, b) => b.source.totalBytes - a.source.totalBytes);
    toLoadCount = toLoad.length;
    const result: CopyDataResult = {
      version: 1,
      snapshot: snap.id,
      dryRun: options.dryRun === true,
      tables: planned.map((p) => p.report),
      missingOnTarget,
      deferred: { dropped: 0, restored: 0, kept: [] },
      sequences: [],
      rows: 0,
      bytes: 0,
      elapsedMs: 0,
    };
    if (options.dryRun) {
      result.elapsedMs = Date.now() - started;
      return result;
    }
    checkAbort();
    const deferred = await step(
      reporter,
      `set aside keys, indexes and FKs of ${toLoad.length} table(s)`,
      () =>
        deferForLoad(
          control,
          toLoad.map((p) => p.target),
          { keepKeysOf: toLoad.filter((p) => p.report.merge).map((p) => p.target) },
        ),
    );
    result.deferred.dropped = deferred.deferred.length;
    result.deferred.kept = deferred.kept;
    const totalBytes = toLoad.reduce((n, p) => n + p.source.totalBytes, 0);
    let doneTables = 0;
    const overall = () =>
      reporter.emit({
        type: 'progress',
        task: 'db copy',
        done: doneTables,
        total: toLoad.length,
        bytes: result.bytes,
        totalBytes,
        unit: 'tables',
      });
    const workers: Array<{ source: PgClient; target: PgClient } | undefined> = [];
    await step(reporter, `copy ${toLoad.length} table(s), ${concurrency} at a time`, () =>
      eachConcurrently(toLoad, { concurrency }, async (p, { lane: w }) => {
        checkAbort();
        if (!workers[w]) {
          const pair = { source: await snap.worker(), target: await connect(options.targetUrl, 'target') };
          extraClients.push(pair.source, pair.target);
          await applyDigestSettings(pair.target);
          workers[w] = pair;
        }
        const pair = workers[w]!;
        const columns = commonColumns(p.source, p.target);
        const job: TableCopyJob = {
          table: p.target,
          columns,
          truncate: p.report.action === 'recopy',
          merge: p.report.merge === true,
          format: chooseFormat(columns, options.format ?? 'auto'),
          enabledTriggers: await enabledUserTriggers(pair.target, p.target),
        };
        const tableStarted = Date.now();
        let tableBytes = 0;
        let lastEmit = 0;
        const copied = await copyTable(
          pair.source,
          pair.target,
          job,
          snap.id,
          (n) => {
            watch.touch();
            tableBytes += n;
            result.bytes += n;
            const now = Date.now();
            if (now - lastEmit > 250) {
              lastEmit = now;
              reporter.emit({
                type: 'progress',
                task: `copy ${p.report.table}`,
                done: tableBytes,
                bytes: tableBytes,
                totalBytes: p.source.totalBytes,
                unit: 'bytes',
              });
              overall();
            }
          },
          options.signal,
        );
        Object.assign(p.report, {
          format: job.format,
          rows: copied.rows,
          bytes: copied.bytes,
          elapsedMs: Date.now() - tableStarted,
        });
        result.rows += copied.rows;
        doneTables++;
        committed.push(p.report.table);
        reporter.emit({
          type: 'progress',
          task: `copy ${p.report.table}`,
          done: copied.rows,
          total: copied.rows,
          bytes: copied.bytes,
          unit: 'rows',
        });
        overall();
      }),
    );
    checkAbort();
    const pending = await pendingDeferred(control);
    await step(reporter, `re-create ${pending.length} key(s), index(es) and foreign key(s)`, async () => {
      const targets = [control, ...workers.filter((x) => x !== undefined).map((x) => x.target)];
      const byTable = new Map<string, typeof pending>();
      for (const item of pending.filter((i) => i.kind !== 'foreign_key'))
        byTable.set(`${item.schema}.${item.table}`, [
          ...(byTable.get(`${item.schema}.${item.table}`) ?? []),
          item,
        ]);
      await eachConcurrently(
        byTable.values(),
        { concurrency: Math.min(concurrency, targets.length) },
        async (items, { lane: w }) => {
          for (const item of items) {
            checkAbort();
            await restoreOne(targets[w] ?? control, item);
            result.deferred.restored++;
          }
        },
      );
      for (const item of pending.filter((i) => i.kind === 'foreign_key')) {
        checkAbort();
        await restoreOne(control, item);
        result.deferred.restored++;
      }
    });
    result.sequences = await step(reporter, 'set sequences from the source', () =>
      setSequences(snap, control, schemas),
    );
    result.elapsedMs = Date.now() - started;
    log.info(
      `copied ${result.tables.filter((t) => t.action !== 'skip').length} table(s), ${result.rows} rows; ${result.tables.filter((t) => t.action === 'skip').length} already equal`,
    );
    return result;
  } catch (error) {
    throw await stopped(error, options, direct, { committed, toLoad: toLoadCount }, watch.dead);
  } finally {
    watch.stop();
    await snapshot?.close();
    await Promise.all([control, ...extraClients].map((c) => c.end().catch(() => undefined)));
  }
}

/**
 * The error a stopped copy ends with: Ctrl-C / SIGTERM (whatever the abort made a query or stream throw) is
 * INTERRUPTED (exit 130); a lost connection is the side that no longer answers, DB_TARGET_UNREACHABLE or
 * DB_SOURCE_UNREACHABLE (exit 3), as is a side the stall watch found down mid-query (`dead`). Both say
 * which tables were committed before; anything else is as thrown.
 */
async function stopped(
  error: unknown,
  options: CopyDataOptions,
  connect: ConnectFn,
  done: { committed: string[]; toLoad: number },
  dead: DeadSide | undefined,
): Promise<unknown> {
  const before = `${done.committed.length} of ${done.toLoad} table(s) loaded and committed before it stopped${
    done.committed.length > 0
      ? ` (${done.committed.slice(0, 10).join(', ')}${done.committed.length > 10 ? ', …' : ''})`
      : ''
  }`;
  const resume =
    'run the same command again (`supa2aws db copy`): tables already equal are skipped by digest, the one in flight was rolled back, and the keys, indexes and FKs set aside are re-created';
  if (options.signal?.aborted) {
    return new DbError('INTERRUPTED', `db copy was interrupted: ${before}`, {
      exit: 'interrupted',
      cause: error,
      details: { committed: done.committed },
      hint: `interrupted: ${resume}.`,
    });
  }
  const lost = { cause: error, committed: done.committed, before, resume };
  if (dead) return unreachableError({ ...lost, side: dead.side, reason: dead.reason });
  if (!isUnreachable(error)) return error;
  const answers = async (url: string, role: 'source' | 'target') =>
    (await probeDatabase(connect, url, role, 5000)).ok;
  const [targetUp, sourceUp] = await Promise.all([
    answers(options.targetUrl, 'target'),
    answers(options.sourceUrl, 'source'),
  ]);
  const side = !targetUp ? 'target' : !sourceUp ? 'source' : undefined;
  return unreachableError({ ...lost, side, reason: unreachableReason(error) });
}

function unreachableError(lost: {
  side: 'source' | 'target' | undefined;
  reason: string;
  cause: unknown;
  committed: string[];
  before: string;
  resume: string;
}): DbError {
  const { side, reason, committed, before, resume } = lost;
  return new DbError(
    side === 'target'
      ? 'DB_TARGET_UNREACHABLE'
      : side === 'source'
        ? 'DB_SOURCE_UNREACHABLE'
        : 'DB_CONNECTION_LOST',
    `${side ? `the ${side} database stopped answering` : 'a database connection was lost'} during db copy (${reason}): ${before}`,
    {
      exit: 'environment',
      cause: lost.cause,
      details: { committed },
      hint: `Check that the ${side ?? 'source and target'} database is up and reachable (\`supa2aws doctor\`), then ${resume}.`,
    },
  );
}

export { tableSql };
