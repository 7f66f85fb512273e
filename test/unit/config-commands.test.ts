import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { configFromStack } from '../../src/config/apply-outputs.ts';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('config commands', () => {
  it('GIVEN no config file WHEN from-stack writes one THEN it says created, then updated, and names the missing fields', () => {
    const dir = tempDir('from-stack-');
    const outputs = path.join(dir, 'outputs.json');
    writeFileSync(
      outputs,
      JSON.stringify({ 'Aiuteur-Storage': { Region: 'eu-west-1', VideosBucketName: 'acme-videos' } }),
    );
    const file = path.join(dir, 'supa2aws.config.json');
    const first = configFromStack({ outputsFile: outputs, configFile: file });
    assert.equal(first.created, true);
    assert.ok(
      first.problems.some((p) => p.field.startsWith('source')),
      JSON.stringify(first.problems),
    );
    const second = configFromStack({ outputsFile: outputs, configFile: file });
    assert.equal(second.created, false);
  });

  it('GIVEN a config with problems WHEN config validate runs THEN it lists each with a fix and exits 2', async () => {
    const dir = tempDir('validate-');
    writeFileSync(
      path.join(dir, 'supa2aws.config.json'),
      JSON.stringify({ version: 1, source: { projectUrl: 'nope' }, target: { region: 'eu-west-1' } }),
    );
    const result = await runCliInProcess(['config', 'validate', '--json'], {
      cwd: dir,
      env: {
        ...process.env,
        HOME: dir,
        SUPA2AWS_CONFIG: '',
        SUPA2AWS_SANDBOX_DIR: '',
        AWS_REGION: '',
        AWS_PROFILE: '',
      },
    });
    assert.equal(result.status, 2, result.stderr);
    const out = JSON.parse(result.stdout) as {
      valid: boolean;
      issues: Array<{ field: string; fix: string }>;
    };
    assert.equal(out.valid, false);
    const fields = out.issues.map((i) => i.field);
    for (const field of ['source.projectUrl', 'source.db', 'target.db', 'target.s3'])
      assert.ok(fields.includes(field), field);
    for (const issue of out.issues) assert.ok(issue.fix);
  });
});

describe('config show', () => {
  it('GIVEN secrets from the environment THEN none is printed, and each value says where it came from', async () => {
    const dir = tempDir('show-');
    writeFileSync(
      path.join(dir, 'supa2aws.config.json'),
      JSON.stringify({
        version: 1,
        source: {
          projectUrl: 'https://abcdefghijklmnopqrst.supabase.co',
          db: { url: 'postgresql://postgres:${SRC_PW}@db.abcdefghijklmnopqrst.supabase.co:5432/postgres' },
          storage: { region: 'eu-west-1', accessKeyId: 'AK', secretAccessKey: '${S3_SECRET}' },
        },
        target: {
          db: { url: 'postgresql://postgres:${TGT_PW}@x.abc.eu-west-1.rds.amazonaws.com:5432/app' },
          s3: {},
        },
      }),
    );
    const secrets = { SRC_PW: 'src-secret-1', TGT_PW: 'tgt-secret-2', S3_SECRET: 's3-secret-3' };
    const result = await runCliInProcess(['config', 'show', '--json', '--region', 'eu-north-1'], {
      cwd: dir,
      env: {
        ...process.env,
        ...secrets,
        HOME: dir,
        SUPA2AWS_CONFIG: '',
        SUPA2AWS_SANDBOX_DIR: '',
        AWS_REGION: '',
        AWS_PROFILE: '',
      },
    });
    assert.equal(result.status, 0, result.stderr);
    for (const secret of Object.values(secrets)) {
      assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), secret);
    }
    const out = JSON.parse(result.stdout) as { values: Record<string, { value: unknown; from: string }> };
    assert.equal(out.values['target.region']?.value, 'eu-north-1');
    assert.equal(out.values['target.region']?.from, '--region');
    assert.equal(out.values['target.s3.region']?.from, 'target.region');
    assert.match(out.values['source.db.url']?.from ?? '', /\$SRC_PW/);
    assert.equal(out.values['source.storage.secretAccessKey']?.value, '***');
  });
});
