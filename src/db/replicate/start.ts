/**
 * `db replicate start`: a publication on the publisher for the tables `db copy` copies, a logical slot
 * created with an exported snapshot, the initial data copied by supa2aws's own COPY path from that
 * snapshot, then a subscription on the subscriber that starts from the slot (copy_data = false,
 * create_slot = false). Everything is checked before anything is created.
 *
 * Converges: a subscription reading its slot is left as it is; a slot without a subscription (a run killed
 * during the copy) is dropped and the run starts over, the copy skipping every table already equal; a
 * subscription whose slot is gone is dropped. There is never more than one slot.
 *
 * With `dryRun` it checks everything as a run does, then returns the steps a run would take (`plan`),
 * creating and dropping nothing.
 */
import { selectSchemas } from '../catalog/schemas.ts';
import { DbError, InterruptedError, isSupa2awsError } from '../../core/errors.ts';
import { logger, silentReporter, step, type Reporter } from '../../core/reporter.ts';
import { listTables, tableKey } from '../catalog/tables.ts';
import { copyData, type CopyDataResult } from '../copy/copy-data.ts';
import { defaultConnect, pgErrorFields, type ConnectFn, type PgClient } from '../../core/pg.ts';
import {
  assertDirectHost,
  replicationNames,
  subscriptionConninfo,
  urlDatabase,
  type ReplicationNames,
} from './names.ts';
import {
  createSlotWithSnapshot,
  createSubscription,
  dropPublication,
  dropSlot,
  dropSubscription,
  findSlot,
  findSubscription,
  publicationExists,
} from './objects.ts';
import { writableConnect } from './freeze.ts';
import { assertPublisherReady, assertSubscriberReady, publisherFacts, subscriberFacts } from './preflight.ts';
import {
  assertSameIdentity,
  missingOnSubscriber,
  publicationSql,
  replicatedTables,
  type Direction,
} from './published-tables.ts';
import { quoteIdent } from '../../core/sql-quote.ts';

export interface StartReplicationOptions {
  /** The publisher, through its direct host (Supabase's poolers cannot carry replication). */
  sourceUrl: string;
  /** The subscriber (its owner role). */
  targetUrl: string;
  /** App schemas. @default every app schema of the source with tables (as db copy) */
  schemas?: string[];
  /** Replicate auth.users too (forward direction). @default true */
  withAuthUsers?: boolean;
  /** Supabase → RDS (`db replicate start`) or back (`db replicate reverse`): the words of hints. @default 'forward' */
  direction?: Direction;
  /** Which config setting holds the publisher's URL, for hints. @default 'source.db.url' */
  sourceSetting?: string;
  /** A superuser connection to the subscriber used only for CREATE SUBSCRIPTION. @default targetUrl */
  subscriberAdminUrl?: string;
  /** Tables copied at once. @default 2 */
  concurrency?: number;
  format?: 'auto' | 'binary' | 'text';
  /** Check both sides and say what a run would do; create, drop and copy nothing. @default false */
  dryRun?: boolean;
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
}

export interface StartReplicationResult {
  version: 1;
  /** 'planned': a dry run that found something to do (`plan`). */
  action: 'planned' | 'started' | 'already running';
  names: ReplicationNames;
  /** The steps, in order, this run took or (dry run) would take. */
  plan: string[];
  published: string[];
  copiedAtCutover: Array<{ table: string; reason: string }>;
  /** What a crashed or broken earlier run left, and was dropped. */
  cleaned: string[];
  consistentPoint?: string;
  copy?: CopyDataResult;
  elapsedMs: number;
}

async function waitForApply(target: PgClient, name: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await target.query(
      `SELECT 1 FROM pg_catalog.pg_stat_subscription WHERE subname = $1 AND pid IS NOT NULL AND relid IS NULL`,
      [name],
    );
    if (rows.length > 0) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export async function startReplication(options: StartReplicationOptions): Promise<StartReplicationResult> {
  const started = Date.now();
  const reporter = options.reporter ?? silentReporter;
  const log = logger(reporter);
  // Writable even when the subscriber is the side an earlier cutover froze (the way back).
  const connect = writableConnect(options.connect ?? defaultConnect);
  const withAuthUsers = options.withAuthUsers ?? true;
  assertDirectHost(options.sourceUrl, options.sourceSetting ?? 'source.db.url');
  const names = replicationNames(urlDatabase(options.sourceUrl));
  const checkAbort = () => {
    if (options.signal?.aborted) throw options.signal.reason ?? new InterruptedError('db replicate start');
  };
  const source = await connect(options.sourceUrl, 'source');
  const clients: PgClient[] = [source];
  try {
    const target = await connect(options.targetUrl, 'target');
    clients.push(target);
    const admin = options.subscriberAdminUrl ? await connect(options.subscriberAdminUrl, 'admin') : target;
    if (admin !== target) clients.push(admin);

    const { schemas } = await selectSchemas(source, options.schemas);
    const tables = await step(reporter, 'check what replication needs on both sides', async () => {
      assertPublisherReady(await publisherFacts(source, names.slot), 'source');
      const direction = options.direction ?? 'forward';
      assertSubscriberReady(await subscriberFacts(admin, names.subscription), 'target', {
        direction,
        viaAdminUrl: admin !== target,
      });
      const carried = await replicatedTables(source, schemas, { withAuthUsers, direction });
      if (carried.published.length === 0)
        throw new DbError(
          'REPLICATE_NOTHING_TO_PUBLISH',
          `no table of ${schemas.join(', ')} can be published`,
          {
            exit: 'usage',
            hint: 'Check db.schemas in the config, and that the source user owns the app tables.',
          },
        );
      const onTarget = await listTables(target, schemas, { withAuthUsers });
      const missing = missingOnSubscriber(carried.published, onTarget);
      if (missing.length > 0)
        throw new DbError(
          'REPLICATE_TARGET_SCHEMA_MISSING',
          `${missing.length} table(s) to replicate are missing on the target: ${missing.join(', ')}`,
          { exit: 'usage', hint: 'Create the schema on the target first: supa2aws db schema' },
        );
      await assertSameIdentity(source, target, carried.published, direction);
      return { ...carried, onTarget };
    });
    const result: StartReplicationResult = {
      version: 1,
      action: 'started',
      names,
      plan: [],
      published: tables.published.map(tableKey),
      copiedAtCutover: tables.copiedAtCutover,
      cleaned: [],
      elapsedMs: 0,
    };

    const ended = (action: StartReplicationResult['action']) => {
      result.action = action;
      result.elapsedMs = Date.now() - started;
      return result;
    };
    const [subscription, slot, publication] = await Promise.all([
      findSubscription(target, names.subscription),
      findSlot(source, names.slot),
      publicationExists(source, names.publication),
    ]);
    if (subscription && slot && subscription.slot === names.slot) {
      if (!subscription.enabled) {
        result.plan.push(`enable subscription ${names.subscription}: it reads slot ${names.slot} already`);
        if (options.dryRun) return ended('planned');
        await target.query(`ALTER SUBSCRIPTION ${quoteIdent(names.subscription)} ENABLE`);
      }
      log.info(`subscription ${names.subscription} already reads slot ${names.slot}: nothing to do`);
      return ended('already running');
    }
    const copied = result.published.length + tables.copiedAtCutover.length;
    result.plan = [
      ...(subscription
        ? [`drop subscription ${names.subscription} on the subscriber: it reads no slot ${names.slot}`]
        : []),
      ...(slot ? [`drop slot ${names.slot} on the publisher: a run that did not finish left it`] : []),
      ...(publication ? [`drop publication ${names.publication}, to create it with today's tables`] : []),
      `create publication ${names.publication} on the publisher for ${result.published.length} table(s)`,
      `create slot ${names.slot} with an exported snapshot`,
      `copy ${copied} table(s) from that snapshot to the subscriber (tables already equal are skipped)`,
      `create subscription ${names.subscription} on the subscriber, reading slot ${names.slot} (copy_data = false, create_slot = false)`,
    ];
    if (options.dryRun) return ended('planned');
    await step(reporter, 'clear what an earlier run left', async () => {
      if (subscription && (await dropSubscription(admin, names.subscription)))
        result.cleaned.push(`subscription ${names.subscription} (its slot was gone)`);
      if (slot) {
        // A killed run's WAL sender goes once its connection is seen closed; a live one keeps it: busy.
        await dropSlot(source, names.slot, 10_000);
        result.cleaned.push(`slot ${names.slot} (left by a run that did not finish)`);
      }
      if (await dropPublication(source, names.publication))
        result.cleaned.push(`publication ${names.publication} (re-created with today's tables)`);
    });
    for (const item of result.cleaned) log.warn(`dropped ${item}`);
    checkAbort();

    // The publication must exist before the slot: pgoutput reads it as of each change's position.
    await source.query(publicationSql(names.publication, tables.published, tables.onTarget));
    let created: Awaited<ReturnType<typeof createSlotWithSnapshot>> | undefined;
    try {
      created = await step(reporter, `create slot ${names.slot} with an exported snapshot`, () =>
        createSlotWithSnapshot(connect, options.sourceUrl, names.slot),
      );
      result.consistentPoint = created.consistentPoint;
      log.info(`slot ${names.slot} consistent at ${created.consistentPoint}, snapshot ${created.snapshot}`);
      const snapshot = created.snapshot;
      result.copy = await step(reporter, 'copy the initial data from the slot snapshot', () =>
        copyData({
          sourceUrl: options.sourceUrl,
          targetUrl: options.targetUrl,
          schemas,
          snapshot,
          tables: [...result.published, ...tables.copiedAtCutover.map((t) => t.table)],
          ...(options.concurrency ? { concurrency: options.concurrency } : {}),
          ...(options.format ? { format: options.format } : {}),
          reporter,
          ...(options.signal ? { signal: options.signal } : {}),
          connect,
        }),
      );
      await created.close();
      checkAbort();
      await step(reporter, `subscribe ${names.subscription} from the slot`, () =>
        createSubscription(admin, {
          name: names.subscription,
          conninfo: subscriptionConninfo(options.sourceUrl),
          publication: names.publication,
          slot: names.slot,
        }),
      );
    } catch (error) {
      await created?.close();
      await dropSlot(source, names.slot, 5_000).catch(() => undefined);
      await dropPublication(source, names.publication).catch(() => undefined);
      if (isSupa2awsError(error)) throw error;
      const pg = pgErrorFields(error);
      throw new DbError('REPLICATE_START_FAILED', `db replicate start failed: ${pg.message}`, {
        exit: pg.code === '42501' ? 'permission' : 'environment',
        cause: error,
        hint: 'Nothing is left on the source; run `supa2aws db replicate start` again once the cause is fixed.',
      });
    }
    if (!(await waitForApply(target, names.subscription, 30_000)))
      log.warn(
        `subscription ${names.subscription} created but its worker has not started yet: see \`supa2aws db replicate status\``,
      );
    return ended('started');
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}
