/**
 * No AWS credentials for the target Cognito: `auth plan` and `auth import` say so with a code (exit 4),
 * the side and service, and the credential chain that was tried, not a bare SDK error name.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { sandboxConfigFile, sandboxEnv } from '../../src/sandbox/sandbox-config.ts';
import { runCli } from '../helpers/cli-run.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let sb: TestSandbox;
before(async () => {
  sb = await getTestSandbox();
});

describe('AWS credentials for the target Cognito', () => {
  it('GIVEN a real Cognito pool and no credentials anywhere WHEN auth plan and auth import run THEN AWS_CREDENTIALS_MISSING (exit 4) names the pool and the chain tried', async () => {
    const dir = tempDir('aws-creds-');
    const source = await sb.freshSourceDb();
    const raw = structuredClone(sandboxConfigFile(sb.state)) as {
      source: { db: { url: string } };
      target: { cognito: { endpoint?: string; userPoolId: string } };
    };
    raw.source.db.url = source.url;
    delete raw.target.cognito.endpoint;
    raw.target.cognito.userPoolId = 'eu-west-1_AbCdEf123';
    const file = path.join(dir, 'supa2aws.config.json');
    writeFileSync(file, JSON.stringify(raw));
    const env = {
      ...sandboxEnv(sb.state),
      HOME: dir,
      AWS_CONFIG_FILE: path.join(dir, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'aws-credentials'),
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
      AWS_REGION: '',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
    };
    for (const command of [
      ['auth', 'plan'],
      ['auth', 'import', '--remaining', '--no-csv'],
    ]) {
      const run = await runCli([...command, '--json', '--config', file, '--report-dir', dir], { env });
      assert.equal(run.status, 4, `${command.join(' ')}: ${run.stdout.slice(-1500)}`);
      // auth plan prints its plan (the report) first, then the error.
      const error = (
        JSON.parse(run.stdout.slice(run.stdout.lastIndexOf('{\n  "ok": false'))) as {
          error: { code: string; message: string; hint: string };
        }
      ).error;
      assert.equal(error.code, 'AWS_CREDENTIALS_MISSING', command.join(' '));
      assert.match(error.message, /target Cognito user pool eu-west-1_AbCdEf123/);
      assert.match(
        error.hint,
        /default chain \(AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY, .*aws-credentials \[default\]/,
      );
    }
  });
});
