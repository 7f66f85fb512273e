/**
 * `supa2aws demo --config`: the whole demo — storage, live database migration with a writer, auth with a
 * sign-in by the old password, the backend — from a config written by `init` + `config from-stack`
 * (test/helpers/init-config.ts) instead of the sandbox's own, over verify-full TLS on both databases. It runs
 * on the test sandbox with this test's own databases, buckets and user pool. Then `db verify` and `supa2aws
 * verify` run from the same file, and their db verify reports must have asked what the demo's did.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { PhaseReport } from '../../src/report/phase-report.ts';
import { cognitoClient, createSandboxPool } from '../../src/sandbox/cognito-pool.ts';
import { registerLambdaRoute } from '../../src/sandbox/cognito-triggers.ts';
import { pgUrl } from '../../src/sandbox/sandbox-config.ts';
import type { VerifyReport } from '../../src/db/index.ts';
import { runCli } from '../helpers/cli-run.ts';
import { assertOk, configFromInit } from '../helpers/init-config.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let sb: TestSandbox;
before(async () => {
  sb = await getTestSandbox();
});

function report(dir: string, name: string): PhaseReport {
  return JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as PhaseReport;
}

describe('supa2aws demo --config (a config written by init + config from-stack)', () => {
  it('GIVEN a config from init and the stacks’ outputs WHEN the demo runs with it THEN every phase passes over verify-full TLS, and db verify and verify ask what the demo asked', async () => {
    const dir = tempDir('demo-init-');
    const source = await sb.freshSourceDb();
    const target = await sb.freshTargetDb();
    const prefix = sb.uniqueName('dmo');
    const cognito = cognitoClient(`http://127.0.0.1:${sb.state.cognito!.port}`);
    const pool = await createSandboxPool(cognito, `${prefix}-users`);
    cognito.destroy();
    const { file, env, migrateRole } = await configFromInit({ sb, dir, prefix, source, target, pool });
    const raw = JSON.parse(readFileSync(file, 'utf8')) as {
      source: { db: { url: string } };
      target: { db: { url: string } };
    };
    assert.match(raw.source.db.url, /sslmode=verify-full/);
    assert.match(raw.target.db.url, /sslmode=verify-full/);
    // The migrate-user Lambda reads the legacy store as the migrate role, as the auth stack configures it.
    registerLambdaRoute(sb.state, pool.userPoolId, {
      databaseUrl: pgUrl(sb.state.targetDb!, migrateRole.name, migrateRole.password, target.name),
    });

    const reportDir = path.join(dir, 'report');
    const demo = await runCli(
      ['demo', '--config', file, '--state-dir', sb.state.stateDir, '--report-dir', reportDir, '--json'],
      { env },
    );
    const log = (name: string) =>
      existsSync(path.join(reportDir, 'logs', name))
        ? readFileSync(path.join(reportDir, 'logs', name), 'utf8').slice(-1500)
        : '';
    assertOk(demo, `demo --config (api.log: ${log('api.log')})`);
    const out = JSON.parse(demo.stdout) as {
      ok: boolean;
      steps: Array<{ name: string; ok: boolean }>;
      kept?: { configFile: string };
    };
    assert.equal(out.ok, true);
    assert.deepEqual(
      out.steps.map((s) => s.name.split(':')[0]),
      ['sandbox', 'storage', 'database', 'auth', 'backend', 'backend'],
    );
    assert.equal(out.kept?.configFile, file, 'the sandbox the config names is left running');
    const md = readFileSync(path.join(reportDir, 'report.md'), 'utf8');
    assert.match(md, /Overall: \*\*PASS\*\*/);
    assert.ok(existsSync(path.join(reportDir, 'report.html')));
    for (const name of ['storage-verify.json', 'db-verify.json', 'auth-verify.json', 'backend-exercise.json'])
      assert.equal(report(reportDir, name).ok, true, `${name} passed`);
    const all = md + demo.stdout + demo.stderr;
    assert.doesNotMatch(all, new RegExp(sb.state.targetDb!.appPassword));
    assert.doesNotMatch(all, new RegExp(migrateRole.password));

    // The same file through `db verify` and `supa2aws verify`: their db verify asks what the cutover's did.
    const cliDir = path.join(dir, 'db-verify');
    const verifyDir = path.join(dir, 'verify');
    const byCli = await runCli(['db', 'verify', '--json', '--config', file, '--report-dir', cliDir], { env });
    const byVerify = await runCli(
      ['verify', '--phases', 'db', '--json', '--config', file, '--report-dir', verifyDir],
      { env },
    );
    // The backend wrote to RDS after the cutover, so a difference (exit 1) is expected; not an error.
    for (const run of [byCli, byVerify])
      assert.ok([0, 1].includes(run.status ?? -1), run.stderr.slice(-2000));
    const asked = (dir: string) => (report(dir, 'db-verify.json').details as VerifyReport).asked;
    assert.deepEqual(asked(cliDir), asked(reportDir));
    assert.deepEqual(asked(verifyDir), asked(reportDir));
    assert.deepEqual(asked(reportDir).targetOnlySchemas, ['supa2aws_legacy_auth']);
  });
});
