/**
 * A target database that stops answering in the middle of a query (issue 24: a process under SIGSTOP, a
 * wedged proxy) sends no error and no FIN, so neither connect_timeout nor keepalives end the wait. The
 * target is reached through a TCP plug that, part-way through the COPY (or once verify digests), stops
 * forwarding in both directions with every socket left open: the stall watch finds the query silent, a
 * fresh connection failing too, cuts the stuck connections, and the command exits 3 within the outage
 * deadline. Once the plug forwards again, a re-run converges and verify passes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { COPY_BOOKKEEPING_SQL } from '../../src/db/copy/deferred-ddl.ts';
import { OUTAGE_DEADLINE_ENV } from '../../src/core/outage.ts';
import { applySchema, buildSchema } from '../../src/db/index.ts';
import { sandboxConfigFile, sandboxEnv } from '../../src/sandbox/sandbox-config.ts';
import { runCli, type CliEvent, type CliRun } from '../helpers/cli-run.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';
import { tcpPlug, type TcpPlug } from '../helpers/tcp-plug.ts';

const DEADLINE_S = 6;
/** From the hold to the exit: within the deadline (a third to notice, a third to probe), 2 s of slack. */
const BOUND_MS = (DEADLINE_S + 2) * 1000;

let sb: TestSandbox;
let plug: TcpPlug;
let source: TestDatabase;
let args: (command: string) => string[];
const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-hung-mid-query-'));
const env = () => ({ ...sandboxEnv(sb.state), [OUTAGE_DEADLINE_ENV]: String(DEADLINE_S) });

before(async () => {
  sb = await getTestSandbox();
  plug = await tcpPlug(sb.state.targetDb!.port);
  source = await sb.freshSourceDb();
  // Big enough that the COPY is still streaming when the plug holds, whatever the machine's speed.
  const client = new pg.Client({ connectionString: source.url });
  await client.connect();
  await client.query(
    `create table public.bulk (id bigint primary key, payload text not null);
     insert into public.bulk select g, md5(g::text) || repeat('x', 120) from generate_series(1, 150000) g;
     analyze public.bulk;`,
  );
  await client.end();
  args = await argsFor('plugged', await newTarget(), true);
});
after(async () => {
  await plug.close();
  rmSync(dir, { recursive: true, force: true });
});

async function query(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function newTarget(): Promise<TestDatabase> {
  const target = await sb.freshTargetDb();
  const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
  await applySchema(build.script, { targetUrl: target.url });
  return target;
}

async function argsFor(name: string, target: TestDatabase, viaPlug: boolean) {
  const raw = structuredClone(sandboxConfigFile(sb.state)) as {
    source: { db: { url: string } };
    target: { db: { url: string } };
  };
  raw.source.db.url = source.url;
  raw.target.db.url = viaPlug
    ? target.url.replace(`:${sb.state.targetDb!.port}/`, `:${plug.port}/`)
    : target.url;
  const file = path.join(dir, `${name}.config.json`);
  writeFileSync(file, JSON.stringify(raw));
  return (command: string) => [
    ...['db', command, '--json', '--concurrency', '1'],
    ...['--config', file, '--report-dir', dir],
  ];
}

/** Runs `db <command>`, holding the plug once `trigger` is seen; the time from the hold to the exit. */
async function runHeld(command: string, trigger: (e: CliEvent) => boolean, bytes: number) {
  let armed = false;
  const run = await runCli(args(command), {
    env: env(),
    timeoutMs: 120_000,
    onEvent: (e) => {
      if (!armed && trigger(e)) {
        armed = true;
        plug.holdAfter(bytes);
      }
    },
  });
  const ended = Date.now();
  const heldAt = plug.heldAt();
  plug.release();
  assert.ok(heldAt !== undefined, `the plug held (exit ${run.status}): ${run.stderr.slice(-1500)}`);
  return { run, afterHoldMs: ended - heldAt };
}

function assertStalled(run: CliRun, afterHoldMs: number, command: string): void {
  assert.equal(run.status, 3, `exit 3, got ${run.status}: ${run.stderr.slice(-2000)}`);
  const error = (JSON.parse(run.stdout) as { error: { code: string; message: string; hint: string } }).error;
  assert.equal(error.code, 'DB_TARGET_UNREACHABLE', error.message);
  assert.match(
    error.message,
    new RegExp(`stopped answering during db ${command} \\(no reply for \\d+ s, and a fresh connection: `),
  );
  assert.match(error.hint, /run the same command again/);
  assert.ok(
    run.events.some(
      (e) =>
        e.type === 'log' &&
        /the target database stopped answering .*closing its connections/.test(e.message ?? ''),
    ),
    'a progress line says what the watch did',
  );
  assert.ok(afterHoldMs < BOUND_MS, `exited ${afterHoldMs} ms after the target stopped answering`);
}

describe('a target database that stops answering mid-query ends in exit 3 within the outage deadline', () => {
  it('GIVEN the target stops answering part-way through the COPY WHEN db copy runs THEN it exits 3, and a re-run converges', async () => {
    const { run, afterHoldMs } = await runHeld(
      'copy',
      (e) => e.type === 'step' && e.status === 'start' && /^copy \d+ table/.test(e.step ?? ''),
      1024 * 1024,
    );
    assertStalled(run, afterHoldMs, 'copy');
    assert.match(run.stdout, /\d+ of \d+ table\(s\) loaded and committed before it stopped/);

    const again = await runCli(args('copy'), { env: env() });
    assert.equal(again.status, 0, again.stderr.slice(-2000));
    const verify = await runCli(args('verify'), { env: env() });
    assert.equal(verify.status, 0, verify.stdout.slice(-2000));
  });

  it('GIVEN the target stops answering while verify digests its tables WHEN db verify runs THEN it exits 3, and a re-run passes', async () => {
    const { run, afterHoldMs } = await runHeld(
      'verify',
      (e) => e.type === 'progress' && e.task === 'db verify',
      0,
    );
    assertStalled(run, afterHoldMs, 'verify');
    assert.match(run.stdout, /digested on both sides before it stopped, nothing changed/);

    const again = await runCli(args('verify'), { env: env() });
    assert.equal(again.status, 0, again.stdout.slice(-2000));
  });

  it('GIVEN a query that waits on a lock for three times the silence the watch allows WHEN db copy runs THEN the query is not cancelled and the copy succeeds', async () => {
    const target = await newTarget();
    const slowArgs = await argsFor('slow', target, false);
    // An uncommitted completion row for the bulk table makes the copier's INSERT ... ON CONFLICT wait.
    for (const sql of COPY_BOOKKEEPING_SQL) await query(target.url, sql);
    const holder = new pg.Client({ connectionString: target.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`insert into supa2aws.copy_state values ('public', 'bulk', 0, 0, 'held by the test')`);
    const stallMs = (DEADLINE_S * 1000) / 3;
    let released: Promise<unknown> | undefined;
    const run = await runCli(slowArgs('copy'), {
      env: env(),
      timeoutMs: 120_000,
      onEvent: (e) => {
        if (!released && e.type === 'step' && e.status === 'start' && /^copy \d+ table/.test(e.step ?? ''))
          released = new Promise((resolve) => setTimeout(resolve, 3 * stallMs)).then(() =>
            holder.query('ROLLBACK'),
          );
      },
    });
    await released;
    await holder.end();
    assert.equal(run.status, 0, run.stderr.slice(-2000));
    const lines = run.events.filter((e) => e.type === 'log').map((e) => e.message ?? '');
    assert.ok(
      lines.some((m) => /answers? a fresh connection: still waiting for a slow query/.test(m)),
      'the watch probed and kept waiting',
    );
    assert.ok(!lines.some((m) => /stopped answering/.test(m)), 'nothing cut');
  });
});
