import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { classifyHost, credentialSource, type Exec } from '../../src/doctor/index.ts';
import { checkPgDump } from '../../src/doctor/service-checks.ts';
import {
  checkAwsCli,
  checkAwsCredentials,
  checkNode,
  checkRegion,
  SUPPORTED_NODE,
} from '../../src/doctor/tool-checks.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The AWS CLI and STS cannot run here (no AWS account): these stand in for the programs' output.
const programs =
  (answers: Record<string, { code: number | null; stdout?: string; stderr?: string }>): Exec =>
  async (file, args) => {
    const answer = answers[`${file} ${args.join(' ')}`] ?? answers[file] ?? { code: null };
    return { code: answer.code, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '' };
  };

describe('doctor', () => {
  it('GIVEN a Node.js version WHEN checked THEN the LTS lines 24 and 22 pass, 20.19+ warns (end of life) and older or odd lines fail', () => {
    const status = (v: string) => checkNode(v).status;
    assert.deepEqual(['24.11.1', '25.2.0', '22.12.0', '22.21.1'].map(status), [
      'pass',
      'pass',
      'pass',
      'pass',
    ]);
    assert.equal(status('20.20.2'), 'warn');
    assert.match(checkNode('20.20.2').detail, /end of life/);
    assert.deepEqual(['20.18.3', '21.7.3', '22.11.0', '23.11.1', '18.20.8'].map(status), [
      'fail',
      'fail',
      'fail',
      'fail',
      'fail',
    ]);
    assert.match(checkNode('18.20.8').fix ?? '', /Node\.js 24/);
  });

  it('GIVEN the packages WHEN installed THEN their "engines" state the Node.js lines doctor checks', () => {
    for (const manifest of [
      'package.json',
      'packages/runtime/package.json',
      'examples/backend/package.json',
    ]) {
      const engines = (
        JSON.parse(readFileSync(path.join(REPO, manifest), 'utf8')) as { engines: { node: string } }
      ).engines;
      assert.equal(engines.node, SUPPORTED_NODE, manifest);
    }
  });

  it('classifies Supabase hosts: direct, session pooler, transaction pooler', () => {
    assert.equal(
      classifyHost('postgresql://postgres:x@db.abcdefghijklmnopqrst.supabase.co:5432/postgres').kind,
      'direct',
    );
    assert.equal(
      classifyHost('postgresql://postgres.ref:x@aws-0-us-east-1.pooler.supabase.com:5432/postgres').kind,
      'session-pooler',
    );
    assert.equal(
      classifyHost('postgresql://postgres.ref:x@aws-0-us-east-1.pooler.supabase.com:6543/postgres').kind,
      'transaction-pooler',
    );
    assert.equal(classifyHost('postgresql://u:p@127.0.0.1:5432/db').kind, 'other');
  });

  it('tells AWS CLI v2 from v1 and a missing CLI', async () => {
    assert.equal(
      (await checkAwsCli(programs({ 'aws --version': { code: 0, stdout: 'aws-cli/2.17.1 Python/3.11' } })))
        .status,
      'pass',
    );
    const v1 = await checkAwsCli(
      programs({ 'aws --version': { code: 0, stderr: 'aws-cli/1.45.11 Python/3.11' } }),
    );
    assert.equal(v1.status, 'warn');
    assert.match(v1.fix ?? '', /v2/);
    assert.equal((await checkAwsCli(programs({}))).detail, 'not found');
  });

  it('finds where credentials come from without reading them, and reports the account when STS answers', async () => {
    const home = tempDir('home-');
    assert.equal(credentialSource({}, home), undefined);
    assert.equal(credentialSource({ AWS_PROFILE: 'aiuteur' }, home), 'profile aiuteur');
    const none = await checkAwsCredentials(programs({}), {
      HOME: home,
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'x'),
      AWS_CONFIG_FILE: path.join(home, 'y'),
    });
    assert.equal(none.status, 'warn');
    const ok = await checkAwsCredentials(
      programs({
        'aws sts get-caller-identity --output json': {
          code: 0,
          stdout: '{"Account":"123456789012","Arn":"arn:aws:iam::123456789012:user/admin"}',
        },
      }),
      { AWS_PROFILE: 'aiuteur' },
    );
    assert.equal(ok.status, 'pass');
    assert.match(ok.detail, /123456789012/);
    const offline = await checkAwsCredentials(
      programs({
        'aws sts get-caller-identity --output json': {
          code: 255,
          stderr: 'Could not connect to the endpoint URL',
        },
      }),
      { AWS_PROFILE: 'aiuteur' },
    );
    assert.equal(offline.status, 'warn');
    assert.match(offline.detail, /could not be checked/);
  });

  /** A stand-in pg_dump: a script that prints the version line the real one prints. */
  function fakePgDump(dir: string, major: number): string {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'pg_dump');
    writeFileSync(file, `#!/bin/sh\necho "pg_dump (PostgreSQL) ${major}.2"\n`, { mode: 0o755 });
    return file;
  }

  it('GIVEN a pg_dump older than the source WHEN doctor checks it THEN it fails with the install fix', async () => {
    const dir = tempDir('doctor-pg-dump-');
    const old = await checkPgDump({ flag: fakePgDump(path.join(dir, 'a'), 15), env: {} }, 17);
    assert.equal(old.status, 'fail');
    assert.match(old.fix ?? '', /postgresql-client-17/);
    const good = await checkPgDump({ flag: fakePgDump(path.join(dir, 'b'), 17), env: {} }, 15);
    assert.equal(good.status, 'pass');
    const none = await checkPgDump({ env: {}, debianRoot: path.join(dir, 'none') }, 15);
    assert.equal(none.status, 'fail');
    assert.match(none.detail, /no pg_dump found/);
  });

  it('GIVEN pg_dump 15 on PATH and Debian’s 17 client WHEN doctor checks for a 17 source THEN it passes the one db schema will run', async () => {
    const dir = tempDir('doctor-pg-dump-');
    fakePgDump(path.join(dir, 'path'), 15);
    const debian = fakePgDump(path.join(dir, 'debian', '17', 'bin'), 17);
    const check = await checkPgDump(
      { env: { PATH: path.join(dir, 'path') }, debianRoot: path.join(dir, 'debian') },
      17,
    );
    assert.equal(check.status, 'pass', check.detail);
    assert.match(check.detail, new RegExp(`pg_dump 17 \\(${debian}, from debian\\)`));
  });

  it('warns when the config region and AWS_REGION disagree', () => {
    assert.equal(checkRegion('us-east-1', { AWS_REGION: 'eu-west-1' }).status, 'warn');
    assert.equal(checkRegion('us-east-1', {}).status, 'pass');
    assert.equal(checkRegion(undefined, {}).status, 'warn');
  });
});
