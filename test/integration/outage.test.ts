/**
 * A target that goes down mid-run (issue 24): the built CLI stops with exit 3 within a bounded time, says
 * what it was waiting for while it retried and what it had done, and a re-run after the target is back
 * converges. Each target stand-in is reached through a TCP plug (test/helpers/tcp-plug.ts) that is pulled
 * when the run reaches the stage under test: connections cut, the port refusing, as from a stopped server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { exportLegacyStore } from '../../src/auth/index.ts';
import { OUTAGE_DEADLINE_ENV } from '../../src/core/outage.ts';
import { applySchema, buildSchema, copyData } from '../../src/db/index.ts';
import { cognitoClient, createSandboxPool } from '../../src/sandbox/cognito-pool.ts';
import { sandboxConfigFile, sandboxEnv } from '../../src/sandbox/sandbox-config.ts';
import { setupStorageFromConfig } from '../../src/storage/index.ts';
import { runCli, type CliRun } from '../helpers/cli-run.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { tcpPlug, type TcpPlug } from '../helpers/tcp-plug.ts';
import { seedBucket, storageConfig } from './storage-helpers.ts';

const DEADLINE_S = 4;
/** Exit within the deadline plus the time to notice and clean up. */
const BOUND_MS = (DEADLINE_S + 25) * 1000;

type RawConfig = {
  source: { db: { url: string } };
  target: { db: { url: string }; s3: { endpoint: string }; cognito?: unknown };
  storage: { buckets: unknown };
  auth?: unknown;
};

let sb: TestSandbox;
const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-outage-'));
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

const env = () => ({ ...sandboxEnv(sb.state), [OUTAGE_DEADLINE_ENV]: String(DEADLINE_S) });

function assertOutage(run: CliRun, code: string): void {
  assert.equal(run.status, 3, `exit 3, got ${run.status}: ${run.stderr.slice(-2000)}`);
  const error = (JSON.parse(run.stdout) as { error: { code: string; message: string; hint: string } }).error;
  assert.equal(error.code, code, error.message);
  assert.ok(error.hint.includes('run the same command again'), error.hint);
  assert.ok(
    run.sinceMarkMs !== undefined && run.sinceMarkMs < BOUND_MS,
    `stopped ${run.sinceMarkMs} ms after the outage`,
  );
  assert.ok(
    run.events.some((e) => e.type === 'log' && /unreachable .* retrying for up to/.test(e.message ?? '')),
    'a progress line while retrying',
  );
}

describe('an outage of a target stand-in ends in exit 3, and a re-run converges', () => {
  it('storage copy: the target S3 endpoint goes down mid-copy', async () => {
    const plug = await tcpPlug(sb.state.targetS3!.port);
    plugs.push(plug);
    const db = await sb.freshSourceDb();
    const bucket = sb.uniqueName('out');
    const target = `${bucket}-t`;
    await seedBucket(
      sb,
      db,
      bucket,
      Array.from({ length: 40 }, (_, i) => ({ key: `o/${String(i).padStart(2, '0')}.bin`, size: 64 * 1024 })),
    );
    await setupStorageFromConfig(storageConfig(sb, db, { [bucket]: target }));
    const file = writeConfig('storage', (raw) => {
      raw.source.db.url = db.url;
      raw.target.s3.endpoint = `http://127.0.0.1:${plug.port}`;
      raw.storage.buckets = { [bucket]: { target, access: 'private' } };
    });
    const args = ['storage', 'copy', '--json', '--concurrency', '2', '--config', file, '--report-dir', dir];

    const down = await runCli(args, {
      env: env(),
      onEvent: (e, { mark }) => {
        if (e.type === 'progress' && e.task === 'storage copy' && (e.done ?? 0) >= 2) {
          mark();
          void plug.pull();
        }
      },
    });
    assertOutage(down, 'STORAGE_TARGET_UNREACHABLE');
    assert.match(down.stdout, /before that this run copied and sealed \d+ of 40 object/);

    await plug.plugIn();
    const again = await runCli(args, { env: env() });
    assert.equal(again.status, 0, again.stderr.slice(-2000));
    const verify = await runCli(['storage', 'verify', '--json', '--config', file, '--report-dir', dir], {
      env: env(),
    });
    assert.equal(verify.status, 0, verify.stdout.slice(-2000));
  });

  it('db copy: the target database goes down during the load', async () => {
    const plug = await tcpPlug(sb.state.targetDb!.port);
    plugs.push(plug);
    const source = await sb.freshSourceDb();
    const target = await sb.freshTargetDb();
    const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
    await applySchema(build.script, { targetUrl: target.url });
    const viaPlug = (url: string) => url.replace(`:${sb.state.targetDb!.port}/`, `:${plug.port}/`);
    const file = writeConfig('db', (raw) => {
      raw.source.db.url = source.url;
      raw.target.db.url = viaPlug(target.url);
    });
    const args = ['db', 'copy', '--json', '--concurrency', '1', '--config', file, '--report-dir', dir];

    const down = await runCli(args, {
      env: env(),
      onEvent: (e, { mark }) => {
        if (e.type === 'progress' && e.task?.startsWith('copy ') && e.unit === 'rows') {
          mark();
          void plug.pull();
        }
      },
    });
    assert.equal(down.status, 3, `exit 3, got ${down.status}: ${down.stderr.slice(-2000)}`);
    const error = (JSON.parse(down.stdout) as { error: { code: string; message: string; hint: string } })
      .error;
    assert.equal(error.code, 'DB_TARGET_UNREACHABLE', error.message);
    assert.match(error.message, /\d+ of \d+ table\(s\) loaded and committed before it stopped/);
    assert.match(error.hint, /run the same command again/);
    assert.ok(down.sinceMarkMs! < BOUND_MS, `stopped ${down.sinceMarkMs} ms after the outage`);

    await plug.plugIn();
    const again = await runCli(args, { env: env() });
    assert.equal(again.status, 0, again.stderr.slice(-2000));
    const third = await runCli(args, { env: env() });
    assert.equal(third.status, 0);
    const result = JSON.parse(third.stdout) as { tables: { action: string }[] };
    assert.ok(
      result.tables.every((t) => t.action === 'skip'),
      'converged: every table equal',
    );
  });

  it('auth import: Cognito goes down while users are created', async () => {
    const plug = await tcpPlug(sb.state.cognito!.port);
    plugs.push(plug);
    const source = await sb.freshSourceDb();
    const target = await sb.freshTargetDb();
    const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
    await applySchema(build.script, { targetUrl: target.url });
    await copyData({ sourceUrl: source.url, targetUrl: target.url });
    const cognito = cognitoClient(`http://127.0.0.1:${sb.state.cognito!.port}`);
    const { userPoolId, clientId } = await createSandboxPool(cognito, sb.uniqueName('outage-users'));
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
      raw.target.cognito = {
        endpoint: `http://127.0.0.1:${plug.port}`,
        region: 'us-east-1',
        userPoolId,
        clientId,
      };
      raw.auth = { migrateRole: role, migrateRolePassword: '${MIGRATE_PW}' };
    });
    const args = (rate: number) => [
      ...['auth', 'import', '--remaining', '--no-csv', '--rate', String(rate), '--json'],
      ...['--config', file, '--report-dir', dir],
    ];
    const authEnv = { ...env(), MIGRATE_PW: rolePassword };

    const down = await runCli(args(4), {
      env: authEnv,
      onEvent: (e, { mark }) => {
        if (e.type === 'step' && e.step === 'create the remaining users' && e.status === 'start') {
          setTimeout(() => {
            mark();
            void plug.pull();
          }, 1500);
        }
      },
    });
    assertOutage(down, 'AUTH_COGNITO_UNREACHABLE');
    assert.match(down.stdout, /before it stopped: created \d+, finished \d+/);

    await plug.plugIn();
    // The re-run need not be slow to prove it converges.
    const again = await runCli(args(50), { env: authEnv });
    const result = JSON.parse(again.stdout) as { failed: { code: string }[]; created: number };
    // cognito-local refuses phone-only users (real Cognito takes them): exit 1 for those only.
    assert.ok(
      result.failed.every((f) => f.code === 'InvalidParameterException'),
      again.stdout,
    );
    assert.equal(again.status, result.failed.length > 0 ? 1 : 0);
    const verify = await runCli(['auth', 'verify', '--json', '--config', file, '--report-dir', dir], {
      env: authEnv,
    });
    assert.equal(verify.status, 0, verify.stdout.slice(-3000));
  });
});
