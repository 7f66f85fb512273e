/**
 * `db cutover` (and, with the sides swapped, `db rollback`): the switch, each step timed. Before anything
 * changes: replication must be running and the schemas must not have drifted. Then: freeze writes on the
 * source (freeze.ts), wait until the subscriber has confirmed every byte of WAL written up to the freeze,
 * copy again the tables replication does not carry (auth.users on Supabase), set every sequence on the
 * target to the source's value plus a margin, `db verify` both sides (digests of every table and the
 * schema comparison), drop the replication objects (nothing more can come), and print the DATABASE_URL
 * switch. The source stays read-only. A failed step lifts the freeze; a run killed midway is finished by
 * running it again (the freeze and its record survive), or undone with `db cutover --undo`.
 */
import { selectSchemas } from '../catalog/schemas.ts';
import { DbError, isSupa2awsError } from '../../core/errors.ts';
import { redactUrl } from '../../core/redact.ts';
import { logger, silentReporter, step, type Reporter } from '../../core/reporter.ts';
import { listTables, tableKey } from '../catalog/tables.ts';
import { copyData } from '../copy/copy-data.ts';
import { defaultConnect, withClient, type ConnectFn, type PgClient } from '../../core/pg.ts';
import { verifyDb, type VerifyReport } from '../verify/verify-db.ts';
import { publishedTableKeys, schemaDrift } from './drift.ts';
import { freezeWrites, recordedFreeze, unfreezeWrites, writableConnect, writerRoles } from './freeze.ts';
import { replicationNames, urlDatabase } from './names.ts';
import { dropPublication, dropSlot, dropSubscription, findSlot, findSubscription } from './objects.ts';
import { qualified } from '../../core/sql-quote.ts';

export interface CutoverOptions {
  /** The side the app leaves (frozen). */
  sourceUrl: string;
  /** The side the app moves to (the subscriber). */
  targetUrl: string;
  /** @default ['public'] */
  schemas?: string[];
  /** auth.users belongs to the copy (forward direction). @default true */
  withAuthUsers?: boolean;
  /** Roles made read-only. @default every login role that can write an app table */
  freezeRoles?: string[];
  /** Added to each sequence's source value on the target. @default 1000 */
  sequenceMargin?: number;
  /** How long to wait for the subscriber to catch up after the freeze. @default 60000 */
  lagTimeoutMs?: number;
  /** Rows per key range for the verify. @default 50000 */
  chunkRows?: number;
  /** Schemas of supa2aws's own on the target that the verify leaves out (the legacy password store). @default [] */
  targetOnlySchemas?: string[];
  /** @default 2 */
  concurrency?: number;
  /** Show the plan; change nothing. @default false */
  dryRun?: boolean;
  /** After the switch, lift the freeze an earlier cutover left on the target (db rollback). @default false */
  unfreezeTarget?: boolean;
  /** Connection that owns the subscription when the target's user could not create it. @default targetUrl */
  subscriberAdminUrl?: string;
  /** Receives the whole `db verify` report made inside the freeze (the result keeps its summary). */
  onVerified?: (report: VerifyReport) => void;
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
}

export interface CutoverStep {
  name: string;
  durationMs: number;
  detail: string;
}

export interface CutoverResult {
  version: 1;
  action: 'planned' | 'cut over' | 'already cut over';
  /** A freeze from an interrupted run was found and finished. */
  resumed: boolean;
  plan: string[];
  steps: CutoverStep[];
  freeze: { roles: string[]; sessionsEnded: number; durationMs: number | null };
  sequences: Array<{ sequence: string; source: string; target: string }>;
  verify?: { ok: boolean; tables: number; differ: string[]; schemaDifferences: number };
  /** The connection string the app switches to, password hidden. */
  databaseUrl: string;
  /** Roles made writable again on the target (db rollback). */
  unfrozenTarget: string[];
  elapsedMs: number;
}

async function timedStep<T>(
  result: CutoverResult,
  reporter: Reporter,
  name: string,
  fn: () => Promise<{ value: T; detail: string }>,
): Promise<T> {
  const started = Date.now();
  const { value, detail } = await step(reporter, name, fn);
  result.steps.push({ name, durationMs: Date.now() - started, detail });
  return value;
}

async function waitForLagZero(
  source: PgClient,
  target: PgClient,
  names: { slot: string; subscription: string },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string> {
  const { rows } = await source.query<{ lsn: string }>(`SELECT pg_catalog.pg_current_wal_lsn()::text AS lsn`);
  const goal = rows[0]!.lsn;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    const slot = await source.query<{ behind: string | null }>(
      `SELECT pg_catalog.pg_wal_lsn_diff($2::pg_lsn, confirmed_flush_lsn)::text AS behind
         FROM pg_catalog.pg_replication_slots WHERE slot_name = $1`,
      [names.slot, goal],
    );
    const behind = Number(slot.rows[0]?.behind ?? Number.NaN);
    if (behind <= 0) return goal;
    if (Date.now() > deadline) {
      const worker = await target.query(
        `SELECT 1 FROM pg_catalog.pg_stat_subscription WHERE subname = $1 AND pid IS NOT NULL`,
        [names.subscription],
      );
      throw new DbError(
        'REPLICATE_LAG_TIMEOUT',
        `the target did not catch up within ${Math.round(timeoutMs / 1000)} s of the freeze: ${behind} bytes of WAL behind ${goal}${worker.rows.length === 0 ? '; its apply worker is not running' : ''}`,
        {
          exit: 'environment',
          hint: 'Look at `supa2aws db replicate status` and the target server log (a schema change on the source stops the apply worker), then run `supa2aws db cutover` again.',
        },
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function syncSequences(
  source: PgClient,
  target: PgClient,
  schemas: string[],
  margin: number,
): Promise<CutoverResult['sequences']> {
  const { rows } = await target.query<{ schemaname: string; sequencename: string }>(
    `SELECT schemaname, sequencename FROM pg_catalog.pg_sequences WHERE schemaname = ANY($1::text[]) ORDER BY 1, 2`,
    [schemas],
  );
  const out: CutoverResult['sequences'] = [];
  for (const seq of rows) {
    const name = qualified(seq.schemaname, seq.sequencename);
    const exists = await source.query<{ r: string | null }>(`SELECT to_regclass($1)::text AS r`, [name]);
    if (!exists.rows[0]?.r) continue;
    const value = await source.query<{ last_value: string }>(`SELECT last_value::text FROM ${name}`);
    const sourceValue = value.rows[0]!.last_value;
    const set = await target.query<{ v: string }>(
      `SELECT pg_catalog.setval($1::regclass, $2::bigint + $3::bigint, true)::text AS v`,
      [name, sourceValue, margin],
    );
    out.push({
      sequence: `${seq.schemaname}.${seq.sequencename}`,
      source: sourceValue,
      target: set.rows[0]!.v,
    });
  }
  return out;
}

/**
 * Lifts a freeze left on the source by an interrupted or abandoned cutover (`db cutover --undo`) and returns
 * the roles made writable again; with `dryRun`, returns the roles it would make writable and changes nothing.
 */
export async function undoCutoverFreeze(options: {
  sourceUrl: string;
  /** Say which roles are frozen; lift nothing. @default false */
  dryRun?: boolean;
  reporter?: Reporter;
  connect?: ConnectFn;
}): Promise<string[]> {
  const connect = writableConnect(options.connect ?? defaultConnect);
  return withClient(connect, options.sourceUrl, 'source', async (source) =>
    options.dryRun
      ? (await recordedFreeze(source)).map((r) => r.role)
      : unfreezeWrites(source, options.reporter ?? silentReporter),
  );
}

export async function cutover(options: CutoverOptions): Promise<CutoverResult> {
  const started = Date.now();
  const reporter = options.reporter ?? silentReporter;
  const log = logger(reporter);
  const connect = writableConnect(options.connect ?? defaultConnect);
  const withAuthUsers = options.withAuthUsers ?? true;
  const names = replicationNames(urlDatabase(options.sourceUrl));
  const result: CutoverResult = {
    version: 1,
    action: 'planned',
    resumed: false,
    plan: [],
    steps: [],
    freeze: { roles: [], sessionsEnded: 0, durationMs: null },
    sequences: [],
    databaseUrl: redactUrl(options.targetUrl),
    unfrozenTarget: [],
    elapsedMs: 0,
  };
  const source = await connect(options.sourceUrl, 'source');
  const clients: PgClient[] = [source];
  try {
    const { schemas } = await selectSchemas(source, options.schemas);
    const target = await connect(options.targetUrl, 'target');
    clients.push(target);
    const unfreezeTarget = async () => {
      if (!options.unfreezeTarget) return;
      result.unfrozenTarget = await timedStep(
        result,
        reporter,
        'lift the earlier freeze on the target',
        async () => {
          const roles = await unfreezeWrites(target, reporter);
          return { value: roles, detail: roles.length > 0 ? roles.join(', ') : 'nothing was frozen' };
        },
      );
    };
    const frozenBefore = await recordedFreeze(source);
    const [subscription, slot] = await Promise.all([
      findSubscription(target, names.subscription),
      findSlot(source, names.slot),
    ]);
    if (!subscription && !slot && frozenBefore.length > 0) {
      log.info('this cutover already finished: the source is frozen and replication is gone');
      result.action = 'already cut over';
      result.freeze.roles = frozenBefore.map((r) => r.role);
      if (!options.dryRun) await unfreezeTarget();
      result.elapsedMs = Date.now() - started;
      return result;
    }
    if (!subscription || !slot || subscription.slot !== names.slot)
      throw new DbError(
        'REPLICATE_NOT_RUNNING',
        `no running replication to cut over: ${!subscription ? `no subscription ${names.subscription} on the target` : `no slot ${names.slot} on the source`}`,
        {
          exit: 'usage',
          hint: 'Start it first: supa2aws db replicate start (then check `db replicate status`).',
        },
      );
    result.resumed = frozenBefore.length > 0;
    const [sourceTables, targetTables, published] = await Promise.all([
      listTables(source, schemas, { withAuthUsers }),
      listTables(target, schemas, { withAuthUsers }),
      publishedTableKeys(source, names.publication),
    ]);
    const copiedAtCutover = sourceTables.map(tableKey).filter((k) => !published.has(k) && k === 'auth.users');
    const drift = schemaDrift(sourceTables, targetTables, published, new Set(copiedAtCutover));
    if (drift.length > 0) {
      if (result.resumed && !options.dryRun) await unfreezeWrites(source, reporter);
      throw new DbError(
        'REPLICATE_SCHEMA_DRIFT',
        `the source schema changed while replicating (DDL is not replicated): ${drift.map((d) => `${d.table}: ${d.problem}`).join('; ')}`,
        {
          exit: 'verifyFailed',
          hint: 'Apply the same change on the target, then `supa2aws db replicate stop` and `supa2aws db replicate start` (it copies again only what differs), then cut over again.',
          details: { drift },
        },
      );
    }
    const roles =
      options.freezeRoles ??
      (frozenBefore.length > 0
        ? frozenBefore.map((r) => r.role)
        : await writerRoles(
            source,
            sourceTables.filter((t) => published.has(tableKey(t))).map((t) => qualified(t.schema, t.name)),
          ));
    result.freeze.roles = roles;
    result.plan = [
      `freeze writes on the source: ALTER ROLE … SET default_transaction_read_only = on for ${roles.join(', ') || '(no role)'}, and end their sessions`,
      `wait until slot ${names.slot} has confirmed all WAL up to the freeze (at most ${Math.round((options.lagTimeoutMs ?? 60_000) / 1000)} s)`,
      ...(copiedAtCutover.length > 0 ? [`copy ${copiedAtCutover.join(', ')} again (not replicated)`] : []),
      `set every sequence of ${schemas.join(', ')} on the target to the source value + ${options.sequenceMargin ?? 1000}`,
      'verify: row counts, digests and schema of every table on both sides',
      `drop subscription, slot and publication ${names.subscription}`,
      ...(options.unfreezeTarget ? ['lift the earlier freeze on the target'] : []),
      `switch the app: DATABASE_URL=${result.databaseUrl}`,
    ];
    if (options.dryRun) {
      result.elapsedMs = Date.now() - started;
      return result;
    }

    let freezeStarted = Date.now();
    try {
      const frozen = await timedStep(result, reporter, 'freeze writes on the source', async () => {
        const done = await freezeWrites(source, roles, reporter);
        return {
          value: done,
          detail: `${roles.length} role(s) read-only, ${done.sessionsEnded} session(s) ended`,
        };
      });
      result.freeze.sessionsEnded = frozen.sessionsEnded;
      const firstFrozen = frozen.roles.map((r) => Date.parse(r.frozenAt)).sort((a, b) => a - b)[0];
      if (!result.resumed) freezeStarted = firstFrozen ? Math.min(freezeStarted, firstFrozen) : freezeStarted;
      const lsn = await timedStep(result, reporter, 'wait for the target to catch up', async () => {
        const goal = await waitForLagZero(
          source,
          target,
          names,
          options.lagTimeoutMs ?? 60_000,
          options.signal,
        );
        return { value: goal, detail: `confirmed up to ${goal}` };
      });
      log.info(`target caught up to ${lsn}`);
      if (copiedAtCutover.length > 0)
        await timedStep(result, reporter, `copy ${copiedAtCutover.join(', ')} again`, async () => {
          const copied = await copyData({
            sourceUrl: options.sourceUrl,
            targetUrl: options.targetUrl,
            schemas,
            tables: copiedAtCutover,
            reporter,
            ...(options.signal ? { signal: options.signal } : {}),
            connect,
          });
          return {
            value: copied,
            detail: copied.tables.map((t) => `${t.table}: ${t.action} (${t.reason})`).join('; '),
          };
        });
      result.sequences = await timedStep(result, reporter, 'set sequences ahead of the source', async () => {
        const seqs = await syncSequences(source, target, schemas, options.sequenceMargin ?? 1000);
        return {
          value: seqs,
          detail: `${seqs.length} sequence(s), source value + ${options.sequenceMargin ?? 1000}`,
        };
      });
      const report = await timedStep(result, reporter, 'verify both sides', async () => {
        // As `db verify` from the same config: unless db.schemas narrows it, the target's own app schemas
        // count too (a table only the target has is a difference).
        const verified = await verifyDb({
          sourceUrl: options.sourceUrl,
          targetUrl: options.targetUrl,
          ...(options.schemas ? { schemas: options.schemas } : {}),
          ...(options.chunkRows ? { chunkRows: options.chunkRows } : {}),
          ...(options.targetOnlySchemas ? { targetOnlySchemas: options.targetOnlySchemas } : {}),
          ...(options.concurrency ? { concurrency: options.concurrency } : {}),
          reporter,
          ...(options.signal ? { signal: options.signal } : {}),
          connect,
        });
        return {
          value: verified,
          detail: `${verified.totals.matched} of ${verified.totals.tables} table(s) equal, ${verified.schema.differences.length} schema difference(s)`,
        };
      });
      options.onVerified?.(report);
      result.verify = {
        ok: report.ok,
        tables: report.totals.tables,
        differ: report.tables.filter((t) => t.status !== 'match').map((t) => `${t.table} (${t.status})`),
        schemaDifferences: report.schema.differences.length,
      };
      if (!report.ok)
        throw new DbError(
          'REPLICATE_VERIFY_FAILED',
          `after the freeze the two sides differ: ${[...result.verify.differ, ...(result.verify.schemaDifferences > 0 ? [`${result.verify.schemaDifferences} schema difference(s)`] : [])].join(', ')}`,
          {
            exit: 'verifyFailed',
            hint: 'The freeze was lifted. Run `supa2aws db verify` for the key ranges, fix the cause, then cut over again.',
            details: { verify: result.verify },
          },
        );
      result.freeze.durationMs = Date.now() - freezeStarted;
    } catch (error) {
      await unfreezeWrites(source, reporter).catch((undo: unknown) =>
        log.error(
          `the freeze could not be lifted: ${(undo as Error).message}; run \`supa2aws db cutover --undo\``,
        ),
      );
      if (isSupa2awsError(error)) {
        error.details.freezeLifted = true;
        error.details.steps = result.steps;
        throw error;
      }
      throw new DbError('REPLICATE_CUTOVER_FAILED', `cutover failed: ${(error as Error).message}`, {
        exit: 'environment',
        cause: error,
        hint: 'The freeze was lifted and the app still writes to the source. Fix the cause and run `supa2aws db cutover` again.',
        details: { steps: result.steps },
      });
    }
    await timedStep(result, reporter, 'drop the replication objects', async () => {
      const admin = options.subscriberAdminUrl ? await connect(options.subscriberAdminUrl, 'admin') : target;
      try {
        await dropSubscription(admin, names.subscription);
      } finally {
        if (admin !== target) await admin.end().catch(() => undefined);
      }
      await dropSlot(source, names.slot);
      await dropPublication(source, names.publication);
      return { value: undefined, detail: `subscription, slot and publication ${names.slot}` };
    });
    await unfreezeTarget();
    result.action = 'cut over';
    result.elapsedMs = Date.now() - started;
    return result;
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}
