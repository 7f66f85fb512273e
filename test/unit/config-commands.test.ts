import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { configFromStack } from '../../src/core/stack-outputs/apply-outputs.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const root = path.resolve(import.meta.dirname, '../..');

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

  it('GIVEN a config with problems WHEN config validate runs THEN it lists each with a fix and exits 2', () => {
    const dir = tempDir('validate-');
    writeFileSync(
      path.join(dir, 'supa2aws.config.json'),
      JSON.stringify({ version: 1, source: { projectUrl: 'nope' }, target: { region: 'eu-west-1' } }),
    );
    const result = spawnSync(
      process.execPath,
      [path.join(root, 'bin', 'supa2aws.js'), 'config', 'validate', '--json'],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...process.env,
          HOME: dir,
          SUPA2AWS_CONFIG: '',
          SUPA2AWS_SANDBOX_DIR: '',
          AWS_REGION: '',
          AWS_PROFILE: '',
        },
      },
    );
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
