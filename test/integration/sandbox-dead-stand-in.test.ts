/**
 * A sandbox stand-in that died (or hangs) is reported as such (issue 19): `sandbox status` says which one is
 * dead or not answering, and a phase that hits it names the stand-in and how to restart it (exit 3),
 * instead of only "unreachable, run again".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OUTAGE_DEADLINE_ENV } from '../../src/core/outage.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { runCli } from '../helpers/cli-run.ts';

interface Status {
  services: { name: string; healthy: boolean; state: string; detail: string }[];
}

let sandbox: Sandbox;
const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-dead-'));
const stateDir = path.join(dir, 'sandbox');

before(async () => {
  sandbox = await startSandbox({ stateDir, fixture: false });
});
after(async () => {
  if (sandbox.state.cognito?.pid) process.kill(sandbox.state.cognito.pid, 'SIGCONT');
  await sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
});

const status = async () => {
  const run = await runCli(['sandbox', 'status', '--state-dir', stateDir, '--json']);
  return { run, byName: new Map((JSON.parse(run.stdout) as Status).services.map((s) => [s.name, s])) };
};

describe('a dead or hung sandbox stand-in is reported as such', () => {
  it('GIVEN the S3 and RDS stand-ins killed WHEN sandbox status runs THEN they are dead, the rest up, exit 3', async () => {
    process.kill(sandbox.state.targetS3!.pid!, 'SIGKILL');
    process.kill(sandbox.state.targetDb!.pid!, 'SIGKILL');
    const { run, byName } = await status();
    assert.equal(run.status, 3);
    assert.equal(byName.get('s3')!.state, 'dead');
    assert.equal(byName.get('rds')!.state, 'dead');
    assert.match(byName.get('rds')!.detail, /process \d+ is gone/);
    for (const name of ['supabase-db', 'supabase-storage', 'cognito'])
      assert.equal(byName.get(name)!.state, 'up', name);
  });

  it('GIVEN the RDS stand-in dead WHEN db copy runs THEN it names that stand-in and the restart, exit 3', async () => {
    const run = await runCli(
      ['db', 'copy', '--json', '--config', sandbox.state.configFile!, '--report-dir', dir],
      { env: { [OUTAGE_DEADLINE_ENV]: '4' } },
    );
    assert.equal(run.status, 3, run.stderr.slice(-1500));
    const error = (JSON.parse(run.stdout) as { error: { code: string; message: string; hint: string } })
      .error;
    assert.equal(error.code, 'SANDBOX_STAND_IN_DOWN');
    assert.match(error.message, /Amazon RDS PostgreSQL stand-in \(rds, process \d+/);
    assert.match(error.hint, /supa2aws sandbox down --state-dir .* && supa2aws sandbox up --state-dir /);
  });

  it('GIVEN the Cognito stand-in stopped (SIGSTOP) WHEN sandbox status runs THEN it is not answering, within seconds', async () => {
    process.kill(sandbox.state.cognito!.pid!, 'SIGSTOP');
    try {
      const { run, byName } = await status();
      assert.equal(run.status, 3);
      assert.equal(byName.get('cognito')!.state, 'not answering');
      assert.ok(run.ms < 30_000, `status took ${run.ms} ms`);
    } finally {
      process.kill(sandbox.state.cognito!.pid!, 'SIGCONT');
    }
  });
});
