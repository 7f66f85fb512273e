/**
 * Ctrl-C and SIGTERM at each stage of each long command (issue 24): the built CLI, signalled when a progress
 * event of the stage appears, exits 130 with "interrupted: run the same command again", and a re-run
 * converges. Where the stage is a wait on the target (inspecting target objects), the target is held
 * (answers stop, test/helpers/tcp-plug.ts) so the signal lands in the middle of it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { exportLegacyStore } from '../../src/auth/index.ts';
import { applySchema, buildSchema, copyData } from '../../src/db/index.ts';
import { cognitoClient, createSandboxPool } from '../../src/sandbox/cognito-pool.ts';
import { sandboxConfigFile, sandboxEnv } from '../../src/sandbox/sandbox-config.ts';
import { copyStorageFromConfig, setupStorageFromConfig } from '../../src/storage/index.ts';
import { runCli, type CliEvent, type CliRun } from '../helpers/cli-run.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';
import { tcpPlug, type TcpPlug } from '../helpers/tcp-plug.ts';
import { seedBucket, storageConfig } from './storage-helpers.ts';

type RawConfig = {
  source: { db: { url: string } };
  target: { db: { url: string }; s3: { endpoint: string } };
  storage: { buckets: unknown; urlBatchSize?: number };
};

/**
 * One signal per stage, SIGINT and SIGTERM taking turns across the stages (the CLI handles both the same
 * way): each stage is covered once, and each command sees both signals where it has two stages.
 */
let turn = 0;
const nextSignal = (): NodeJS.Signals => (turn++ % 2 === 0 ? 'SIGINT' : 'SIGTERM');

let sb: TestSandbox;
const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-interrupt-'));
const plugs: TcpPlug[] = [];

before(async () => {
  sb = await getTestSandbox();
});
after(async () => {
  await Promise.all(plugs.map((p) => p.close()));
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, edit: (raw: RawConfig) => void): string {
  const raw = structuredClone(sandboxConfigFile(sb.state)) as RawConfig;
  edit(raw);
  const file = path.join(dir, `${name}.config.json`);
  writeFileSync(file, JSON.stringify(raw));
  return file;
}

/** Runs the command, sends `signal` at the first event `at` matches (after `before`, if given). */
function interrupt(
  args: string[],
  signal: NodeJS.Signals,
  at: (e: CliEvent) => boolean,
  before?: () => void,
): Promise<CliRun> {
  let sent = false;
  return runCli(args, {
    env: sandboxEnv(sb.state),
    onEvent: (e, { child, mark }) => {
      if (sent || !at(e)) return;
      sent = true;
      before?.();
      mark();
      child.kill(signal);
    },
  });
}

function assertInterrupted(run: CliRun, what: string): void {
  assert.equal(run.status, 130, `${what}: exit 130, got ${run.status}: ${run.stderr.slice(-1500)}`);
  assert.match(run.stderr, /interrupted: run the same command again/, what);
  assert.ok(run.sinceMarkMs! < 30_000, `${what}: stopped ${run.sinceMarkMs} ms after the signal`);
}

const progressOf = (task: (t: string) => boolean) => (e: CliEvent) =>
  e.type === 'progress' && typeof e.task === 'string' && task(e.task);

describe('Ctrl-C / SIGTERM at each stage exits 130; a re-run converges', () => {
  it('storage plan, verify and copy while inspecting target objects; copy while copying', async () => {
    const plug = await tcpPlug(sb.state.targetS3!.port);
    plugs.push(plug);
    const db = await sb.freshSourceDb();
    const bucket = sb.uniqueName('int');
    const copied = `${bucket}-t`;
    const fresh = `${bucket}-f`;
    await seedBucket(
      sb,
      db,
      bucket,
      Array.from({ length: 120 }, (_, i) => ({ key: `o/${String(i).padStart(3, '0')}.bin`, size: 4096 })),
    );
    const direct = storageConfig(sb, db, { [bucket]: copied });
    await setupStorageFromConfig(direct);
    await copyStorageFromConfig(direct);
    await setupStorageFromConfig(storageConfig(sb, db, { [bucket]: fresh }));
    const config = (target: string) =>
      writeConfig(`storage-${target}`, (raw) => {
        raw.source.db.url = db.url;
        raw.target.s3.endpoint = `http://127.0.0.1:${plug.port}`;
        raw.storage.buckets = { [bucket]: { target, access: 'private' } };
      });
    const inspecting = config(copied);
    const cmd = (file: string, ...args: string[]) => [
      'storage',
      ...args,
      '--json',
      '--config',
      file,
      '--report-dir',
      dir,
    ];

    for (const command of [['plan'], ['verify'], ['copy']]) {
      const signal = nextSignal();
      const run = await interrupt(
        cmd(inspecting, ...command),
        signal,
        progressOf((t) => t === `inspect ${copied}`),
        () => plug.hold(),
      );
      plug.release();
      assertInterrupted(run, `storage ${command[0]} inspecting, ${signal}`);
    }
    assert.equal((await runCli(cmd(inspecting, 'verify'), { env: sandboxEnv(sb.state) })).status, 0);

    const copying = config(fresh);
    const signal = nextSignal();
    const run = await interrupt(
      cmd(copying, 'copy', '--concurrency', '2'),
      signal,
      progressOf((t) => t === 'storage copy'),
    );
    assertInterrupted(run, `storage copy copying, ${signal}`);
    assert.equal((await runCli(cmd(copying, 'copy'), { env: sandboxEnv(sb.state) })).status, 0);
    const verify = await runCli(cmd(copying, 'verify'), { env: sandboxEnv(sb.state) });
    assert.equal(verify.status, 0, verify.stdout.slice(-1500));
  });

  it('db copy while planning and while loading; rewrite-urls and restore-urls between batches, reporting what they committed', async () => {
    const source: TestDatabase = await sb.freshSourceDb();
    const target = await sb.freshTargetDb();
    const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
    await applySchema(build.script, { targetUrl: target.url });
    const file = writeConfig('db', (raw) => {
      raw.source.db.url = source.url;
      raw.target.db.url = target.url;
      raw.storage.urlBatchSize = 1;
    });
    const args = (...a: string[]) => [...a, '--json', '--config', file, '--report-dir', dir];

    const stages: [string, (e: CliEvent) => boolean][] = [
      [
        'planning',
        (e) => e.type === 'step' && e.status === 'start' && e.step === 'compare source and target tables',
      ],
      ['loading', progressOf((t) => t.startsWith('copy '))],
      [
        're-creating keys',
        (e) => e.type === 'step' && e.status === 'start' && (e.step ?? '').startsWith('re-create '),
      ],
      // Planning again once the target holds rows: the digests of every table run when the signal lands.
      [
        'planning over loaded tables',
        (e) => e.type === 'step' && e.status === 'start' && e.step === 'compare source and target tables',
      ],
    ];
    for (const [stage, at] of stages) {
      const signal = nextSignal();
      const run = await interrupt(args('db', 'copy', '--concurrency', '1'), signal, at);
      assertInterrupted(run, `db copy ${stage}, ${signal}`);
      if (stage === 'loading') assert.match(run.stdout, /table\(s\) loaded and committed before it stopped/);
    }
    assert.equal((await runCli(args('db', 'copy'), { env: sandboxEnv(sb.state) })).status, 0);
    const again = await runCli(args('db', 'copy'), { env: sandboxEnv(sb.state) });
    const copy = JSON.parse(again.stdout) as { tables: { action: string }[] };
    assert.ok(
      copy.tables.every((t) => t.action === 'skip'),
      'converged: every table equal',
    );

    const ledgerRows = async () => {
      const client = new pg.Client({ connectionString: source.adminUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ rewritten: number; restored: number }>(
          `SELECT count(*)::int AS rewritten, count(restored_at)::int AS restored FROM supa2aws.url_ledger`,
        );
        return rows[0]!;
      } finally {
        await client.end();
      }
    };
    const changed = (run: CliRun) =>
      (JSON.parse(run.stdout) as { columns: { changed: number }[] }).columns.reduce(
        (n, c) => n + c.changed,
        0,
      );

    const rewriteSignal = nextSignal();
    const interruptedRewrite = await interrupt(
      args('storage', 'rewrite-urls'),
      rewriteSignal,
      progressOf((t) => t.startsWith('rewrite-urls ')),
    );
    assertInterrupted(interruptedRewrite, `rewrite-urls, ${rewriteSignal}`);
    assert.equal((JSON.parse(interruptedRewrite.stdout) as { interrupted: boolean }).interrupted, true);
    assert.doesNotMatch(interruptedRewrite.stderr, /the app is writing Supabase URLs/, 'no blame on the app');
    const rewritten = changed(interruptedRewrite);
    assert.equal((await ledgerRows()).rewritten, rewritten, 'the counts are what was committed');
    const rewrite = await runCli(args('storage', 'rewrite-urls'), { env: sandboxEnv(sb.state) });
    assert.equal(rewrite.status, 0, rewrite.stderr.slice(-1500));
    const total = (await ledgerRows()).rewritten;
    assert.equal(rewritten + changed(rewrite), total);

    const restoreSignal = nextSignal();
    const interruptedRestore = await interrupt(
      args('storage', 'restore-urls'),
      restoreSignal,
      progressOf((t) => t.startsWith('restore-urls ')),
    );
    assertInterrupted(interruptedRestore, `restore-urls, ${restoreSignal}`);
    assert.equal(
      (await ledgerRows()).restored,
      changed(interruptedRestore),
      'the counts are what was committed',
    );
    const restore = await runCli(args('storage', 'restore-urls'), { env: sandboxEnv(sb.state) });
    assert.equal(restore.status, 0, restore.stderr.slice(-1500));
    assert.equal((await ledgerRows()).restored, total);
  });

  it('auth import while creating users', async () => {
    const source = await sb.freshSourceDb();
    const target = await sb.freshTargetDb();
    const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
    await applySchema(build.script, { targetUrl: target.url });
    await copyData({ sourceUrl: source.url, targetUrl: target.url });
    const cognito = cognitoClient(`http://127.0.0.1:${sb.state.cognito!.port}`);
    const pool = await createSandboxPool(cognito, sb.uniqueName('int-users'));
    cognito.destroy();
    const role = `supa2aws_migrate_${randomBytes(3).toString('hex')}`;
    const rolePassword = randomBytes(18).toString('base64url');
    const base = sb.config({ sourceDb: source, targetDb: target });
    await exportLegacyStore({
      config: { ...base, auth: { ...base.auth, migrateRole: role, migrateRolePassword: rolePassword } },
    });
    const file = writeConfig('auth', (raw) => {
      raw.source.db.url = source.url;
      raw.target.db.url = target.url;
      Object.assign(raw.target, {
        cognito: { endpoint: `http://127.0.0.1:${sb.state.cognito!.port}`, region: 'us-east-1', ...pool },
      });
      Object.assign(raw, { auth: { migrateRole: role, migrateRolePassword: '${MIGRATE_PW}' } });
    });
    const env = { ...sandboxEnv(sb.state), MIGRATE_PW: rolePassword };
    const args = (rate: number) => [
      ...['auth', 'import', '--remaining', '--no-csv', '--rate', String(rate), '--json'],
      ...['--config', file, '--report-dir', dir],
    ];
    const signal = nextSignal();
    let sent = false;
    const run = await runCli(args(4), {
      env,
      onEvent: (e, { child, mark }) => {
        if (sent || e.type !== 'step' || e.step !== 'create the remaining users' || e.status !== 'start')
          return;
        sent = true;
        setTimeout(() => {
          mark();
          child.kill(signal);
        }, 1000);
      },
    });
    assertInterrupted(run, `auth import creating users, ${signal}`);
    assert.match(run.stdout, /before it stopped: created \d+/);
    // The re-run need not be slow to prove it converges.
    const again = await runCli(args(50), { env });
    const result = JSON.parse(again.stdout) as { failed: { code: string }[] };
    // cognito-local refuses phone-only users (real Cognito takes them): exit 1 for those only.
    assert.ok(
      result.failed.every((f) => f.code === 'InvalidParameterException'),
      again.stdout,
    );
    assert.equal(again.status, result.failed.length > 0 ? 1 : 0);
    const verify = await runCli(['auth', 'verify', '--json', '--config', file, '--report-dir', dir], { env });
    assert.equal(verify.status, 0, verify.stdout.slice(-3000));
  });
});
