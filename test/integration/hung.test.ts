/**
 * A server that accepts connections and never answers (hung, not dead) must not hang a phase forever
 * (issue 24): S3 requests have connection and idle timeouts (as the AWS CLI's --cli-connect-timeout and
 * --cli-read-timeout), PostgreSQL connections a connect_timeout (as libpq) and keepalives, Cognito calls a
 * request timeout that is an error. Each command ends in exit 3 with its code and hint, within the outage
 * deadline plus the time to notice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OUTAGE_DEADLINE_ENV } from '../../src/core/outage.ts';
import { sandboxConfigFile, sandboxEnv } from '../../src/sandbox/sandbox-config.ts';
import { runCli, type CliRun } from '../helpers/cli-run.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { silentServer, type SilentServer } from '../helpers/silent-server.ts';

const DEADLINE_S = 6;
/** The deadline, plus one connect timeout (10 s) and the time to start the CLI on a loaded machine. */
const BOUND_MS = (DEADLINE_S + 30) * 1000;

type RawConfig = {
  target: { db: { url: string }; s3: { endpoint: string }; cognito?: { endpoint: string } };
};

let sb: TestSandbox;
let hung: SilentServer;
const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-hung-'));

before(async () => {
  sb = await getTestSandbox();
  hung = await silentServer();
});
after(async () => {
  await hung.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(name: string, edit: (raw: RawConfig) => void, args: string[]): Promise<CliRun> {
  const raw = structuredClone(sandboxConfigFile(sb.state)) as RawConfig;
  edit(raw);
  const file = path.join(dir, `${name}.config.json`);
  writeFileSync(file, JSON.stringify(raw));
  return runCli([...args, '--json', '--config', file, '--report-dir', dir], {
    env: { ...sandboxEnv(sb.state), [OUTAGE_DEADLINE_ENV]: String(DEADLINE_S) },
    timeoutMs: 120_000,
  });
}

function assertHung(result: CliRun, code: string): void {
  assert.equal(result.status, 3, `exit 3, got ${result.status}: ${result.stderr.slice(-1500)}`);
  const error = (JSON.parse(result.stdout) as { error: { code: string; hint?: string } }).error;
  assert.equal(error.code, code);
  assert.ok(error.hint, 'a hint');
  assert.ok(result.ms < BOUND_MS, `ended after ${result.ms} ms`);
}

describe('a hung server (accepts, never answers) ends in exit 3 within the outage deadline', () => {
  it('GIVEN a hung target S3 WHEN storage copy runs THEN it stops with STORAGE_LIST_FAILED, exit 3', async () => {
    const result = await run(
      'storage',
      (raw) => {
        raw.target.s3.endpoint = `http://127.0.0.1:${hung.port}`;
      },
      ['storage', 'copy'],
    );
    assertHung(result, 'STORAGE_LIST_FAILED');
  });

  it('GIVEN a hung target database WHEN db copy runs THEN it stops with DB_UNREACHABLE, exit 3', async () => {
    const result = await run(
      'db',
      (raw) => {
        raw.target.db.url = raw.target.db.url.replace(/:\d+\//, `:${hung.port}/`);
      },
      ['db', 'copy'],
    );
    assertHung(result, 'DB_UNREACHABLE');
    assert.match(result.stdout, /timeout expired/);
  });

  it('GIVEN a hung Cognito WHEN auth import runs THEN it stops with AUTH_COGNITO_UNREACHABLE and what it did, exit 3', async () => {
    const result = await run(
      'auth',
      (raw) => {
        raw.target.cognito!.endpoint = `http://127.0.0.1:${hung.port}`;
      },
      ['auth', 'import', '--remaining', '--no-csv'],
    );
    assertHung(result, 'AUTH_COGNITO_UNREACHABLE');
    assert.match(result.stdout, /before it stopped: created \d+/);
  });
});
