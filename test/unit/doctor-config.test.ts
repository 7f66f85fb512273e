import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { inspectConfig } from '../../src/config/index.ts';
import { runDoctor, type Exec } from '../../src/doctor/index.ts';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// No AWS CLI, Docker or jq answer here: doctor must still report on the config.
const nothingInstalled: Exec = async () => ({ code: null, stdout: '', stderr: 'not found' });

function homeEnv(dir: string): NodeJS.ProcessEnv {
  return { HOME: dir, PATH: process.env.PATH ?? '' };
}

describe('doctor with any config', () => {
  it('GIVEN no config at all THEN it runs every other check and the config check fails with a fix', async () => {
    const dir = tempDir('doctor-none-');
    const inspection = await inspectConfig({ cwd: dir, env: homeEnv(dir) });
    const report = await runDoctor(inspection, { exec: nothingInstalled, env: homeEnv(dir) });
    const config = report.checks.find((c) => c.id.startsWith('config'));
    assert.equal(config?.status, 'fail');
    assert.match(config?.fix ?? '', /supa2aws init/);
    assert.ok(report.checks.some((c) => c.id === 'node'));
    assert.ok(report.checks.some((c) => c.id === 'aws-region'));
  });

  it('GIVEN a partly filled config THEN each problem is a failed check with its fix, and the source is still checked', async () => {
    const dir = tempDir('doctor-partial-');
    writeFileSync(
      path.join(dir, 'supa2aws.config.json'),
      JSON.stringify({
        version: 1,
        source: {
          projectUrl: 'https://abcdefghijklmnopqrst.supabase.co',
          db: { url: 'postgresql://postgres:pw@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2' },
          storage: {},
        },
        target: { region: 'eu-west-1', db: { url: 'postgresql://postgres:${TARGET_DB_PASSWORD}@x/y' } },
      }),
    );
    const inspection = await inspectConfig({ cwd: dir, env: homeEnv(dir) });
    assert.equal(inspection.config, undefined);
    const report = await runDoctor(inspection, { exec: nothingInstalled, env: homeEnv(dir) });
    const failed = report.checks.filter((c) => c.id.startsWith('config:'));
    const fields = failed.map((c) => c.id.slice('config:'.length)).sort();
    assert.deepEqual(fields, ['target.db.url', 'target.s3']);
    for (const check of failed) assert.ok(check.fix, `${check.id} has a fix`);
    assert.match(failed.find((c) => c.id === 'config:target.db.url')?.detail ?? '', /TARGET_DB_PASSWORD/);
    const sourceDb = report.checks.find((c) => c.id === 'source-db');
    assert.equal(sourceDb?.status, 'fail', 'the source database was tried');
    assert.equal(report.ok, false);
  });

  it('GIVEN the CLI and a broken config THEN doctor --json prints its checks and exits 2', async () => {
    const dir = tempDir('doctor-cli-');
    writeFileSync(path.join(dir, 'supa2aws.config.json'), '{ "version": 1, ');
    const result = await runCliInProcess(['doctor', '--json'], {
      cwd: dir,
      env: { ...process.env, HOME: dir, SUPA2AWS_CONFIG: '', SUPA2AWS_SANDBOX_DIR: '' },
    });
    assert.equal(result.status, 2, result.stderr);
    const report = JSON.parse(result.stdout) as {
      checks: Array<{ id: string; status: string; detail: string }>;
    };
    const config = report.checks.find((c) => c.id.startsWith('config'));
    assert.equal(config?.status, 'fail');
    assert.match(config?.detail ?? '', /CONFIG_NOT_JSON/);
  });
});
