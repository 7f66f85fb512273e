/**
 * Live-migration benchmark, in one run on one sandbox:
 *
 * 1. Write freeze at cutover with the rehearsal writer at `--rate` transactions/s (default 200) on the
 *    Aiuteur fixture, `--rounds` times (default 3): the median is the figure. Each round also samples the
 *    replication lag in steady state and checks the ledger on RDS (lost / duplicated writes).
 * 2. On the mixed `--rows` data set of bench/db/run.ts (default 2 000 000): `db copy` alone against
 *    `db replicate start` (initial copy from the slot snapshot + subscription) followed by the catch-up of
 *    the writes made meanwhile (an insert loop on the events table), until the lag is under 64 KiB.
 *
 *   node --import tsx bench/db/replicate.ts [--rate 200] [--rounds 3] [--rows 2000000]
 *
 * Results go to bench/db/last-replicate-run.json. Figures only: nothing here is a test assertion.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  applySchema,
  buildSchema,
  checkLedger,
  copyData,
  cutover,
  replicationStatus,
  startReplication,
  startWriter,
} from '../../src/db/index.ts';
import { applyDatabaseGrants } from '../../src/fixture/index.ts';
import { adminUrl, appUrl, startSandbox, type PostgresState } from '../../src/sandbox/index.ts';
import { seed } from './run.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const RATE = arg('rate', 200);
const ROUNDS = arg('rounds', 3);
const ROWS = arg('rows', 2_000_000);

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let counter = 0;
async function database(db: PostgresState, template?: string): Promise<{ url: string; admin: string }> {
  const name = `bench_${process.pid}_${++counter}`;
  await sql(
    adminUrl(db, 'postgres'),
    template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name} OWNER ${db.appUser}`,
  );
  if (template) {
    const client = new pg.Client({ connectionString: adminUrl(db, name) });
    await client.connect();
    await applyDatabaseGrants(client).finally(() => client.end());
  }
  return { url: appUrl(db, name), admin: adminUrl(db, name) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freezeRound(source: PostgresState, target: PostgresState) {
  const from = await database(source, source.database);
  const to = await database(target);
  await sql(from.url, 'ALTER TABLE public.audit_events REPLICA IDENTITY FULL');
  const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: from.url } });
  await applySchema(build.script, { targetUrl: to.url });
  const users = (await sql<{ id: string }>(from.url, 'SELECT id::text FROM auth.users LIMIT 20')).map(
    (r) => r.id,
  );
  const writer = startWriter({ url: from.url, users, rate: RATE });
  const writeStarted = Date.now();
  try {
    await startReplication({ sourceUrl: from.url, targetUrl: to.url });
    const lags: number[] = [];
    const lagBytes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const st = await replicationStatus({ sourceUrl: from.url, targetUrl: to.url, sampleMs: 0 });
      lags.push(st.lagSeconds ?? 0);
      lagBytes.push(st.lagBytes ?? 0);
      await sleep(1000);
    }
    const before = writer.stats();
    const achieved = (before.attempted * 1000) / (Date.now() - writeStarted);
    const done = await cutover({ sourceUrl: from.url, targetUrl: to.url });
    const stats = await writer.stop();
    const client = new pg.Client({ connectionString: to.url });
    await client.connect();
    const check = await checkLedger(client, writer.ledger, stats.uncertain).finally(() => client.end());
    return {
      freezeMs: done.freeze.durationMs ?? 0,
      steps: Object.fromEntries(done.steps.map((x) => [x.name, x.durationMs])),
      achievedTps: Math.round(achieved),
      lagSecondsMedian: median(lags),
      lagBytesMedian: median(lagBytes),
      acknowledged: stats.acknowledged,
      refusedDuringFreeze: stats.refused,
      lost: check.missing.length + check.resurrected.length,
      duplicated: check.duplicated.length,
    };
  } finally {
    await writer.stop();
  }
}

async function bulkRound(source: PostgresState, target: PostgresState) {
  const from = await database(source);
  process.stderr.write(`seeding ${ROWS} rows...\n`);
  await seed(from.url, ROWS);
  const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: from.url } });
  const copyTarget = await database(target);
  await applySchema(build.script, { targetUrl: copyTarget.url });
  process.stderr.write('db copy...\n');
  let t = Date.now();
  await copyData({ sourceUrl: from.url, targetUrl: copyTarget.url });
  const copyMs = Date.now() - t;

  const replTarget = await database(target);
  await applySchema(build.script, { targetUrl: replTarget.url });
  let stop = false;
  let inserted = 0;
  const inserter = (async () => {
    const client = new pg.Client({ connectionString: from.url });
    await client.connect();
    while (!stop) {
      await client.query(
        `INSERT INTO public.events (wide_seq, kind, at, payload) VALUES (1, 'bench', now(), '{}'::jsonb)`,
      );
      inserted++;
      await sleep(1000 / RATE);
    }
    await client.end();
  })();
  process.stderr.write('db replicate start + catch-up...\n');
  t = Date.now();
  await startReplication({ sourceUrl: from.url, targetUrl: replTarget.url });
  const startMs = Date.now() - t;
  for (;;) {
    const st = await replicationStatus({ sourceUrl: from.url, targetUrl: replTarget.url, sampleMs: 0 });
    if ((st.lagBytes ?? Infinity) < 64 * 1024) break;
    await sleep(200);
  }
  const catchUpMs = Date.now() - t - startMs;
  stop = true;
  await inserter;
  return { copyMs, startMs, catchUpMs, insertedMeanwhile: inserted };
}

async function main(): Promise<void> {
  const sandbox = await startSandbox({
    stateDir: mkdtempSync(path.join(os.tmpdir(), 'supa2aws-bench-repl-')),
  });
  try {
    const { sourceDb, targetDb } = sandbox.state;
    if (!sourceDb || !targetDb) throw new Error('sandbox did not start');
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) {
      process.stderr.write(`write-freeze round ${i + 1} of ${ROUNDS} at ${RATE} tx/s...\n`);
      rounds.push(await freezeRound(sourceDb, targetDb));
    }
    const bulk = await bulkRound(sourceDb, targetDb);
    const result = {
      rate: RATE,
      rows: ROWS,
      rounds,
      freezeMedianMs: median(rounds.map((r) => r.freezeMs)),
      lagSecondsMedian: median(rounds.map((r) => r.lagSecondsMedian)),
      bulk,
      measuredAt: new Date().toISOString(),
    };
    process.stdout.write(
      [
        `write freeze at cutover, writer asked for ${RATE} tx/s (achieved ${rounds.map((r) => r.achievedTps).join(', ')}):`,
        `  rounds ${rounds.map((r) => s(r.freezeMs)).join(', ')}; median ${s(result.freezeMedianMs)} (goal <= 5 s)`,
        `  lost ${rounds.map((r) => r.lost).join('/')}, duplicated ${rounds.map((r) => r.duplicated).join('/')}`,
        `replication lag under the writer (steady state, median): ${result.lagSecondsMedian.toFixed(3)} s`,
        `${ROWS} rows: db copy ${s(bulk.copyMs)}; db replicate start ${s(bulk.startMs)} + catch-up ${s(bulk.catchUpMs)} (${bulk.insertedMeanwhile} rows written meanwhile)`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(path.dirname(new URL(import.meta.url).pathname), 'last-replicate-run.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
  } finally {
    await sandbox.stop();
  }
}

await main();
