/**
 * Live migration on the sandbox: `db replicate start` → `status` → `db cutover` with a writer running
 * (every acknowledged write on RDS, nothing duplicated, sequences ahead), then the way back (`reverse`,
 * writes on RDS, `db rollback`); SIGKILL during the initial copy and during the cutover; a table without a
 * key; a schema change on the source; a slot left by a crashed run; stop; and the inputs replication
 * refuses (pooler URL, missing privileges, wal_level, no free slot), each before anything is created.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import pg from 'pg';
import { COPY_BOOKKEEPING_SQL } from '../../src/db/copy/deferred-ddl.ts';
import { applySchema, buildSchema, verifyDb } from '../../src/db/index.ts';
import { checkReplication } from '../../src/doctor/replication-checks.ts';
import {
  checkLedger,
  cutover,
  replicationNames,
  replicationStatus,
  startReplication,
  startWriter,
  stopReplication,
} from '../../src/db/replicate/index.ts';
import { initCluster, startCluster, stopCluster } from '../../src/sandbox/postgres-server.ts';
import { sandboxConfigFile, sandboxEnv } from '../../src/sandbox/index.ts';
import { freePort } from '../../src/sandbox/ports.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';
import { query, until } from '../helpers/pg-query.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const cli = path.join(root, 'bin', 'supa2aws.js');

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/**
 * A source cloned from the fixture and a target with the schema applied; audit_events made replicable
 * before `db schema`, which carries its REPLICA IDENTITY FULL to the target.
 */
async function pair(sb: TestSandbox, options: { identity?: boolean } = {}) {
  const source = await sb.freshSourceDb();
  const target = await sb.freshTargetDb();
  if (options.identity !== false)
    await query(source.url, 'ALTER TABLE public.audit_events REPLICA IDENTITY FULL');
  const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
  await applySchema(build.script, { targetUrl: target.url });
  return { source, target };
}

/** What replication left: our slot on the source, publication, subscription on the target. */
async function leftovers(source: TestDatabase, target: TestDatabase) {
  const names = replicationNames(source.name);
  const [slots] = await query<{ n: string }>(
    source.adminUrl,
    `SELECT count(*) AS n FROM pg_replication_slots WHERE slot_name = $1`,
    [names.slot],
  );
  const [pubs] = await query<{ n: string }>(
    source.url,
    `SELECT count(*) AS n FROM pg_publication WHERE pubname = $1`,
    [names.publication],
  );
  const [subs] = await query<{ n: string }>(
    target.adminUrl,
    `SELECT count(*) AS n FROM pg_subscription WHERE subname = $1`,
    [names.subscription],
  );
  return { slots: Number(slots?.n), publications: Number(pubs?.n), subscriptions: Number(subs?.n) };
}

async function users(url: string): Promise<string[]> {
  return (await query<{ id: string }>(url, 'SELECT id::text FROM auth.users ORDER BY id LIMIT 10')).map(
    (r) => r.id,
  );
}

/** A config file for the CLI pointing at these two databases; passwords stay in the environment. */
function writeConfig(sb: TestSandbox, source: TestDatabase, target: TestDatabase) {
  const dir = tempDir('supa2aws-replicate-cli-');
  const raw = sandboxConfigFile(sb.state) as {
    source: { db: { url: string } };
    target: { db: { url: string } };
  };
  const swap = (url: string, name: string) => url.replace(/\/[^/]+$/, `/${name}`);
  raw.source.db.url = swap(raw.source.db.url, source.name);
  raw.target.db.url = swap(raw.target.db.url, target.name);
  const file = path.join(dir, 'supa2aws.config.json');
  writeFileSync(file, JSON.stringify(raw));
  return { file, dir, env: { ...process.env, ...sandboxEnv(sb.state), SUPA2AWS_SANDBOX_DIR: '' } };
}

describe('db replicate: live migration with a write freeze of seconds', () => {
  let sb: TestSandbox;

  before(async () => {
    sb = await getTestSandbox();
  });

  it('start → status → cutover with a writer running: every acknowledged write on RDS, none twice; then reverse → rollback with writes on RDS', async () => {
    const { source, target } = await pair(sb);
    const ids = await users(source.url);
    const writer = startWriter({ url: source.url, users: ids, rate: 40 });
    try {
      await new Promise((r) => setTimeout(r, 500));
      const started = await startReplication({ sourceUrl: source.url, targetUrl: target.url });
      assert.equal(started.action, 'started');
      assert.ok(started.published.includes('public.projects'));
      assert.deepEqual(
        started.copiedAtCutover.map((t) => t.table),
        ['auth.users'],
      );
      assert.equal(
        (await startReplication({ sourceUrl: source.url, targetUrl: target.url })).action,
        'already running',
      );

      await new Promise((r) => setTimeout(r, 1500));
      const status = await replicationStatus({ sourceUrl: source.url, targetUrl: target.url, sampleMs: 500 });
      assert.ok(['streaming', 'catching up'].includes(status.state), JSON.stringify(status));
      assert.ok(status.tables.length > 10 && status.tables.every((t) => t.state === 'ready'));
      assert.equal(typeof status.lagBytes, 'number');
      assert.ok(status.slot && status.slot.retainedBytes >= 0);
      assert.equal(typeof status.throughputBytesPerSecond, 'number');

      const plan = await cutover({ sourceUrl: source.url, targetUrl: target.url, dryRun: true });
      assert.equal(plan.action, 'planned');
      assert.ok(plan.plan.length >= 5);
      assert.deepEqual(
        await query(
          source.adminUrl,
          `SELECT 1 FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND setconfig::text LIKE '%read_only%'`,
        ),
        [],
      );

      const done = await cutover({ sourceUrl: source.url, targetUrl: target.url });
      assert.equal(done.action, 'cut over');
      assert.equal(done.verify?.ok, true);
      assert.ok(done.freeze.durationMs !== null && done.freeze.durationMs > 0);
      assert.ok(done.freeze.roles.includes('postgres') && done.freeze.roles.includes('authenticator'));
      assert.deepEqual(
        done.steps.map((s) => s.name.split(' ')[0]),
        ['freeze', 'wait', 'copy', 'set', 'verify', 'drop'],
      );
      for (const seq of done.sequences)
        assert.ok(BigInt(seq.target) > BigInt(seq.source), JSON.stringify(seq));
      assert.deepEqual(await leftovers(source, target), { slots: 0, publications: 0, subscriptions: 0 });

      // The writer was refused during the freeze (read-only), never lost an acknowledged write.
      await new Promise((r) => setTimeout(r, 300));
      const frozenStats = writer.stats();
      assert.ok((frozenStats.errors['25006'] ?? 0) > 0, JSON.stringify(frozenStats));
      const targetClient = new pg.Client({ connectionString: target.url });
      await targetClient.connect();
      try {
        const check = await checkLedger(targetClient, writer.ledger, frozenStats.uncertain);
        assert.equal(check.ok, true, JSON.stringify(check));
        assert.ok(check.checked > 20);
      } finally {
        await targetClient.end();
      }

      // The way back: RDS publishes to Supabase (the subscription needs a superuser on PostgreSQL 15).
      writer.switchTo(target.url, { rls: false });
      // db schema carried audit_events' REPLICA IDENTITY FULL: RDS can publish the key-less table.
      await new Promise((r) => setTimeout(r, 500));
      const reverse = await startReplication({
        sourceUrl: target.url,
        targetUrl: source.url,
        withAuthUsers: false,
        direction: 'reverse',
        subscriberAdminUrl: source.adminUrl,
      });
      assert.equal(reverse.action, 'started');
      await new Promise((r) => setTimeout(r, 1000));
      const back = await cutover({
        sourceUrl: target.url,
        targetUrl: source.url,
        withAuthUsers: false,
        unfreezeTarget: true,
        subscriberAdminUrl: source.adminUrl,
      });
      assert.equal(back.action, 'cut over');
      assert.equal(back.verify?.ok, true);
      assert.ok(back.unfrozenTarget.includes('postgres'));
      const rdsStats = writer.stats();
      assert.ok(rdsStats.acknowledged > frozenStats.acknowledged, 'the writer kept going on RDS');
      const sourceClient = new pg.Client({ connectionString: source.url });
      await sourceClient.connect();
      try {
        const check = await checkLedger(sourceClient, writer.ledger, rdsStats.uncertain);
        assert.equal(check.ok, true, JSON.stringify(check));
        // Supabase takes writes again.
        await sourceClient.query(
          `INSERT INTO public.notifications (user_id, kind, title) VALUES ($1, 'x', 'back')`,
          [ids[0]],
        );
      } finally {
        await sourceClient.end();
      }
      assert.deepEqual(await leftovers(target, source), { slots: 0, publications: 0, subscriptions: 0 });
    } finally {
      await writer.stop();
    }
  });

  it('a table without a key is a blocker (nothing created); its fix on the source alone is refused with the statement for the target; with REPLICA IDENTITY FULL on both its updates and deletes replicate; a slot left by a crashed run is dropped; stop --dry-run names all three and drops none, stop leaves nothing', async () => {
    const { source, target } = await pair(sb, { identity: false });
    const error = await startReplication({ sourceUrl: source.url, targetUrl: target.url }).catch(
      (e: unknown) => e,
    );
    assert.equal((error as { code?: string }).code, 'REPLICATE_NO_REPLICA_IDENTITY');
    assert.match(
      (error as { hint?: string }).hint ?? '',
      /on the source \(Supabase\) and on the target \(RDS\).*ALTER TABLE "public"\."audit_events" REPLICA IDENTITY FULL;.*supa2aws db replicate start/,
    );
    assert.deepEqual(await leftovers(source, target), { slots: 0, publications: 0, subscriptions: 0 });

    await query(source.url, 'ALTER TABLE public.audit_events REPLICA IDENTITY FULL');
    const differs = (await startReplication({ sourceUrl: source.url, targetUrl: target.url }).catch(
      (e: unknown) => e,
    )) as { code?: string; message?: string; hint?: string };
    assert.equal(differs.code, 'REPLICATE_REPLICA_IDENTITY_DIFFERS');
    assert.match(differs.message ?? '', /public\.audit_events \(FULL vs DEFAULT\)/);
    assert.match(
      differs.hint ?? '',
      /Run on the target \(RDS\): ALTER TABLE "public"\."audit_events" REPLICA IDENTITY FULL;/,
    );
    assert.deepEqual(await leftovers(source, target), { slots: 0, publications: 0, subscriptions: 0 });
    await query(target.url, 'ALTER TABLE public.audit_events REPLICA IDENTITY FULL');
    // What a run killed after creating its slot leaves behind.
    const names = replicationNames(source.name);
    await query(source.url, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [names.slot]);
    const started = await startReplication({ sourceUrl: source.url, targetUrl: target.url });
    assert.ok(
      started.cleaned.some((c) => c.startsWith(`slot ${names.slot}`)),
      JSON.stringify(started.cleaned),
    );
    assert.deepEqual(await leftovers(source, target), { slots: 1, publications: 1, subscriptions: 1 });

    await query(
      source.url,
      `UPDATE public.audit_events SET event = 'changed' WHERE ctid = (SELECT min(ctid) FROM public.audit_events)`,
    );
    await query(
      source.url,
      `DELETE FROM public.audit_events WHERE ctid = (SELECT max(ctid) FROM public.audit_events)`,
    );
    const [want] = await query<{ n: string; c: string }>(
      source.url,
      `SELECT count(*) AS n, count(*) FILTER (WHERE event = 'changed') AS c FROM public.audit_events`,
    );
    await until('the update and delete on audit_events to arrive', async () => {
      const [got] = await query<{ n: string; c: string }>(
        target.url,
        `SELECT count(*) AS n, count(*) FILTER (WHERE event = 'changed') AS c FROM public.audit_events`,
      );
      return got?.n === want?.n && got?.c === want?.c;
    });

    const preview = await stopReplication({ sourceUrl: source.url, targetUrl: target.url, dryRun: true });
    assert.deepEqual(preview.dropped, [
      `subscription ${preview.names.subscription}`,
      `slot ${preview.names.slot}`,
      `publication ${preview.names.publication}`,
    ]);
    assert.deepEqual(await leftovers(source, target), { slots: 1, publications: 1, subscriptions: 1 });
    const stopped = await stopReplication({ sourceUrl: source.url, targetUrl: target.url });
    assert.deepEqual(stopped.dropped, preview.dropped);
    assert.deepEqual(await leftovers(source, target), { slots: 0, publications: 0, subscriptions: 0 });
    assert.deepEqual((await stopReplication({ sourceUrl: source.url, targetUrl: target.url })).dropped, []);
  });

  it('a schema change on the source during replication is refused at cutover, before any freeze', async () => {
    const { source, target } = await pair(sb);
    await startReplication({ sourceUrl: source.url, targetUrl: target.url });
    await query(source.url, 'ALTER TABLE public.projects ADD COLUMN rating integer');
    const error = await cutover({ sourceUrl: source.url, targetUrl: target.url }).catch((e: unknown) => e);
    assert.equal((error as { code?: string }).code, 'REPLICATE_SCHEMA_DRIFT');
    assert.match(
      (error as Error).message,
      /public\.projects: column rating \(integer\) exists on the source only/,
    );
    assert.deepEqual(
      await query(
        source.adminUrl,
        `SELECT 1 FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      ),
      [],
    );
    await stopReplication({ sourceUrl: source.url, targetUrl: target.url });
  });

  it('a step that fails after the freeze lifts it, and replication goes on', async () => {
    const { source, target } = await pair(sb);
    await startReplication({ sourceUrl: source.url, targetUrl: target.url });
    // A row changed on RDS behind replication's back: the verify inside the freeze sees it.
    await query(
      target.url,
      `DELETE FROM public.notifications WHERE id = (SELECT min(id) FROM public.notifications)`,
    );
    const error = await cutover({ sourceUrl: source.url, targetUrl: target.url }).catch((e: unknown) => e);
    assert.equal((error as { code?: string }).code, 'REPLICATE_VERIFY_FAILED');
    assert.equal((error as { exitCode?: number }).exitCode, 1);
    assert.equal((error as { details: { freezeLifted?: boolean } }).details.freezeLifted, true);
    assert.deepEqual(
      await query(
        source.adminUrl,
        `SELECT 1 FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      ),
      [],
    );
    await query(
      source.url,
      `UPDATE public.projects SET title = 'still writable' WHERE id = (SELECT id FROM public.projects ORDER BY id LIMIT 1)`,
    );
    await until('the update to arrive', async () => {
      const rows = await query(target.url, `SELECT 1 FROM public.projects WHERE title = 'still writable'`);
      return rows.length === 1;
    });
    await stopReplication({ sourceUrl: source.url, targetUrl: target.url });
  });

  it('SIGKILL during the initial copy, then start again: --dry-run says it would drop what the kill left, and the run converges with one slot', async () => {
    const { source, target } = await pair(sb);
    const { file, env, dir } = writeConfig(sb, source, target);
    // Hold the projects table's load at its completion row so the kill lands inside the copy.
    for (const sql of COPY_BOOKKEEPING_SQL) await query(target.url, sql);
    const holder = new pg.Client({ connectionString: target.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(
      `INSERT INTO supa2aws.copy_state VALUES ('public', 'projects', 0, 0, 'held by the test')`,
    );
    const child = spawn(
      process.execPath,
      [cli, 'db', 'replicate', 'start', '--json', '--config', file, '--report-dir', dir],
      {
        cwd: dir,
        env,
        stdio: 'ignore',
      },
    );
    const exited = new Promise((resolve) => child.on('close', resolve));
    await until('the copy to wait on the held row', async () => {
      const rows = await query(
        target.adminUrl,
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return rows.length > 0;
    });
    child.kill('SIGKILL');
    await exited;
    await holder.query('ROLLBACK');
    await holder.end();
    const killed = await leftovers(source, target);
    assert.deepEqual(
      killed,
      { slots: 1, publications: 1, subscriptions: 0 },
      'killed after the slot, before the subscription',
    );

    const preview = spawnSync(
      process.execPath,
      [cli, 'db', 'replicate', 'start', '--dry-run', '--json', '--config', file, '--report-dir', dir],
      { cwd: dir, env, encoding: 'utf8' },
    );
    assert.equal(preview.status, 0, preview.stderr);
    const planned = JSON.parse(preview.stdout) as { action: string; plan: string[] };
    assert.equal(planned.action, 'planned');
    assert.match(planned.plan[0] ?? '', /^drop slot .*: a run that did not finish left it$/);
    assert.match(planned.plan[1] ?? '', /^drop publication /);
    assert.match(planned.plan.at(-1) ?? '', /^create subscription /);
    assert.deepEqual(await leftovers(source, target), killed, 'the dry run dropped and created nothing');

    const again = await startReplication({ sourceUrl: source.url, targetUrl: target.url });
    assert.equal(again.action, 'started');
    assert.ok(again.cleaned.some((c) => c.startsWith('slot ')));
    assert.deepEqual(await leftovers(source, target), { slots: 1, publications: 1, subscriptions: 1 });
    const [slots] = await query<{ n: string }>(
      source.adminUrl,
      `SELECT count(*) AS n FROM pg_replication_slots WHERE database = current_database()`,
    );
    assert.equal(Number(slots?.n), 1);
    await query(
      source.url,
      `UPDATE public.projects SET title = 'after the kill' WHERE id = (SELECT id FROM public.projects ORDER BY id LIMIT 1)`,
    );
    await until('the update to arrive', async () => {
      const rows = await query(target.url, `SELECT 1 FROM public.projects WHERE title = 'after the kill'`);
      return rows.length === 1;
    });
    const report = await verifyDb({ sourceUrl: source.url, targetUrl: target.url });
    assert.equal(report.ok, true, JSON.stringify(report.tables.filter((t) => t.status !== 'match')));
    await stopReplication({ sourceUrl: source.url, targetUrl: target.url });
  });

  it('SIGKILL during the cutover: the freeze and its record survive; --undo --dry-run names it and lifts nothing, --undo lifts it exactly, and the cutover run again finishes', async () => {
    const { source, target } = await pair(sb);
    await startReplication({ sourceUrl: source.url, targetUrl: target.url });
    const { file, env, dir } = writeConfig(sb, source, target);
    const child = spawn(
      process.execPath,
      [cli, 'db', 'cutover', '--json', '--config', file, '--report-dir', dir],
      {
        cwd: dir,
        env,
        stdio: 'ignore',
      },
    );
    const exited = new Promise((resolve) => child.on('close', resolve));
    await until('the freeze', async () => {
      const [t] = await query<{ t: string | null }>(
        source.url,
        `SELECT to_regclass('supa2aws.write_freeze')::text AS t`,
      );
      if (!t?.t) return false;
      return (await query(source.url, 'SELECT 1 FROM supa2aws.write_freeze')).length > 0;
    });
    child.kill('SIGKILL');
    await exited;
    const frozen = await query(
      source.adminUrl,
      `SELECT 1 FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND setconfig::text LIKE '%default_transaction_read_only=on%'`,
    );
    assert.ok(frozen.length > 0, 'the killed run left its freeze');
    assert.deepEqual(await leftovers(source, target), { slots: 1, publications: 1, subscriptions: 1 });
    const refused = await codeOf(
      query(
        source.url,
        `INSERT INTO public.notifications (user_id, kind, title) SELECT id, 'x', 'frozen' FROM auth.users LIMIT 1`,
      ),
    );
    assert.equal(refused, '25006');

    const preview = spawnSync(
      process.execPath,
      [cli, 'db', 'cutover', '--undo', '--dry-run', '--json', '--config', file],
      { cwd: dir, env, encoding: 'utf8' },
    );
    assert.equal(preview.status, 0, preview.stderr);
    const previewed = JSON.parse(preview.stdout) as { dryRun: boolean; frozen: string[] };
    assert.equal(previewed.dryRun, true);
    assert.ok(previewed.frozen.includes('postgres'), preview.stdout);
    assert.equal(
      await codeOf(
        query(
          source.url,
          `INSERT INTO public.notifications (user_id, kind, title) SELECT id, 'x', 'still frozen' FROM auth.users LIMIT 1`,
        ),
      ),
      '25006',
      'the dry run lifted nothing',
    );

    const undo = spawnSync(process.execPath, [cli, 'db', 'cutover', '--undo', '--json', '--config', file], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    assert.equal(undo.status, 0, undo.stderr);
    assert.ok((JSON.parse(undo.stdout) as { unfrozen: string[] }).unfrozen.includes('postgres'));
    assert.deepEqual(
      await query(
        source.adminUrl,
        `SELECT 1 FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      ),
      [],
    );
    await query(
      source.url,
      `INSERT INTO public.notifications (user_id, kind, title) SELECT id, 'x', 'writable again' FROM auth.users LIMIT 1`,
    );

    const finished = await cutover({ sourceUrl: source.url, targetUrl: target.url });
    assert.equal(finished.action, 'cut over');
    assert.deepEqual(await leftovers(source, target), { slots: 0, publications: 0, subscriptions: 0 });
    const report = await verifyDb({ sourceUrl: source.url, targetUrl: target.url });
    assert.equal(report.ok, true);
  });

  it('refuses what replication cannot use, before creating anything: a pooler URL, missing privileges', async () => {
    const { source, target } = await pair(sb);
    assert.equal(
      await codeOf(
        startReplication({
          sourceUrl:
            'postgresql://postgres.abcdefghijklmnop:secret@aws-0-eu-west-1.pooler.supabase.com:5432/postgres',
          targetUrl: target.url,
        }),
      ),
      'REPLICATE_NEEDS_DIRECT_HOST',
    );
    assert.equal(
      await codeOf(
        startReplication({
          sourceUrl: source.url.replace(/@127\.0\.0\.1:\d+/, '@127.0.0.1:6543'),
          targetUrl: target.url,
        }),
      ),
      'REPLICATE_NEEDS_DIRECT_HOST',
    );
    const role = sb.uniqueName('norepl').replace('-', '_');
    await query(source.adminUrl, `CREATE ROLE ${role} LOGIN PASSWORD 'pw-${role}'`);
    const noReplication = source.url.replace(/\/\/[^@]+@/, `//${role}:pw-${role}@`);
    assert.equal(
      await codeOf(startReplication({ sourceUrl: noReplication, targetUrl: target.url })),
      'REPLICATE_SOURCE_PRIVILEGES',
    );
    await query(target.adminUrl, `CREATE ROLE ${role} LOGIN PASSWORD 'pw-${role}'`);
    const noSubscribe = target.url.replace(/\/\/[^@]+@/, `//${role}:pw-${role}@`);
    assert.equal(
      await codeOf(startReplication({ sourceUrl: source.url, targetUrl: noSubscribe })),
      'REPLICATE_TARGET_PRIVILEGES',
    );
    assert.deepEqual(await leftovers(source, target), { slots: 0, publications: 0, subscriptions: 0 });

    // The way back on Supabase's PostgreSQL 15, whose postgres is no superuser: `db replicate reverse`
    // without --subscriber-admin-url is refused, exit 4, with the three ways out; its --dry-run says so too.
    const { file, env, dir } = writeConfig(sb, source, target);
    for (const dryRun of [['--dry-run'], []]) {
      const reverse = spawnSync(
        process.execPath,
        [cli, 'db', 'replicate', 'reverse', ...dryRun, '--json', '--config', file, '--report-dir', dir],
        { cwd: dir, env: { ...env, SUPA2AWS_SOURCE_ADMIN_URL: '' }, encoding: 'utf8' },
      );
      assert.equal(reverse.status, 4, reverse.stderr);
      assert.match(reverse.stdout, /REPLICATE_REVERSE_NEEDS_SUPERUSER/);
      assert.match(
        reverse.stdout,
        /--subscriber-admin-url.*Supabase support.*PostgreSQL 17.*supa2aws db cutover --undo/s,
      );
      assert.deepEqual(await leftovers(target, source), { slots: 0, publications: 0, subscriptions: 0 });
    }
    // doctor says it before the migration starts.
    const checks = await checkReplication(sb.config({ sourceDb: source, targetDb: target }));
    const wayBack = checks.find((c) => c.id === 'replication-way-back');
    assert.equal(wayBack?.status, 'warn', JSON.stringify(checks));
    assert.match(wayBack?.fix ?? '', /--subscriber-admin-url/);
  });

  it('refuses a source with wal_level = replica, and one with no free slot, before creating anything', async () => {
    const target = await sb.freshTargetDb();
    const dataDir = path.join(tempDir('supa2aws-replicate-pg-'), 'pg');
    const cluster = {
      major: 15 as const,
      dataDir,
      port: await freePort(),
      superuser: 'admin',
      superPassword: 'admin-pw',
    };
    await initCluster(cluster);
    const url = `postgresql://admin:admin-pw@127.0.0.1:${cluster.port}/postgres`;
    try {
      await startCluster({ ...cluster, settings: { wal_level: 'replica' } });
      await query(url, 'CREATE TABLE public.t (id int PRIMARY KEY)');
      assert.equal(
        await codeOf(startReplication({ sourceUrl: url, targetUrl: target.url })),
        'REPLICATE_WAL_LEVEL',
      );
      await stopCluster(dataDir);
      await startCluster({ ...cluster, settings: { wal_level: 'logical', max_replication_slots: '1' } });
      await query(url, `SELECT pg_create_logical_replication_slot('someone_else', 'pgoutput')`);
      const error = await startReplication({ sourceUrl: url, targetUrl: target.url }).catch(
        (e: unknown) => e,
      );
      assert.equal((error as { code?: string }).code, 'REPLICATE_SLOTS_EXHAUSTED');
      assert.match((error as { hint?: string }).hint ?? '', /someone_else/);
      assert.deepEqual(await query(url, 'SELECT pubname FROM pg_publication'), []);
      assert.deepEqual(
        (await query<{ slot_name: string }>(url, 'SELECT slot_name FROM pg_replication_slots')).map(
          (r) => r.slot_name,
        ),
        ['someone_else'],
      );
    } finally {
      await stopCluster(dataDir);
    }
  });
});
