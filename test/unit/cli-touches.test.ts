import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { tempDir } from '../helpers/temp-dir.ts';

function liveConfig(dir: string): string {
  const file = path.join(dir, 'supa2aws.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      source: {
        projectUrl: 'https://abcdefghijklmnopqrst.supabase.co',
        db: { url: 'postgresql://postgres:${SRC_PW}@db.abcdefghijklmnopqrst.supabase.co:5432/postgres' },
        storage: {
          endpoint: 'https://abcdefghijklmnopqrst.storage.supabase.co/storage/v1/s3',
          region: 'eu-west-1',
        },
      },
      target: {
        region: 'eu-west-1',
        db: { url: 'postgresql://postgres:${TGT_PW}@app.abc123.eu-west-1.rds.amazonaws.com:5432/app' },
        s3: {},
      },
      storage: { buckets: { videos: { target: 'acme-videos', access: 'private' } } },
    }),
  );
  return file;
}

function run(dir: string, args: string[]) {
  return runCliInProcess(args, {
    cwd: dir,
    env: {
      ...process.env,
      HOME: dir,
      SRC_PW: 'x',
      TGT_PW: 'y',
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      AWS_PROFILE: '',
    },
  });
}

/**
 * A live config (no endpoint on this machine) whose services refuse at once: a command gets as far as asking,
 * and past it only to fail to connect.
 */
function unreachableLiveConfig(dir: string): string {
  const file = path.join(dir, 'unreachable.config.json');
  const s3 = { endpoint: 'http://0.0.0.0:1', accessKeyId: '${SRC_PW}', secretAccessKey: '${TGT_PW}' };
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      source: {
        projectUrl: 'https://abcdefghijklmnopqrst.supabase.co',
        db: { url: 'postgresql://postgres:${SRC_PW}@0.0.0.0:1/postgres' },
        storage: { ...s3, region: 'eu-west-1' },
      },
      target: {
        region: 'eu-west-1',
        db: { url: 'postgresql://postgres:${TGT_PW}@0.0.0.0:1/app' },
        s3,
        cognito: {
          endpoint: 'http://0.0.0.0:1',
          region: 'eu-west-1',
          userPoolId: 'eu-west-1_a',
          clientId: 'a',
        },
      },
      storage: { buckets: { videos: { target: 'acme-videos', access: 'private' } } },
    }),
  );
  return file;
}

/** The migration stack's outputs as `cdk deploy --outputs-file` writes them, where `aws run` reads them. */
function migrationStackOutputs(dir: string): void {
  writeFileSync(
    path.join(dir, 'outputs.json'),
    JSON.stringify({
      'Acme-Migration': {
        [OUTPUT_KEYS.migrationClusterName]: 'Acme-Migration-Cluster',
        [OUTPUT_KEYS.migrationTaskDefinitionArn]:
          'arn:aws:ecs:eu-west-1:123456789012:task-definition/AcmeMigrationTask:1',
        [OUTPUT_KEYS.migrationContainerName]: 'supa2aws',
        [OUTPUT_KEYS.migrationSubnetIds]: 'subnet-0aaa',
        [OUTPUT_KEYS.migrationSecurityGroupIds]: 'sg-0tasks',
        [OUTPUT_KEYS.migrationAssignPublicIp]: 'DISABLED',
        [OUTPUT_KEYS.migrationLogGroupName]: 'Acme-Migration-Logs',
        [OUTPUT_KEYS.migrationLogStreamPrefix]: 'run',
        [OUTPUT_KEYS.migrationRunsBucketName]: 'acme-migration-runs',
        [OUTPUT_KEYS.migrationSecretArn]:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:MigrationSecret-AbCdEf',
        Region: 'eu-west-1',
      },
    }),
  );
}

/**
 * Every command that asks before a live change (`ctx.confirm`), with what makes it change something: `command`
 * names it (its help lists its flags), `args` follow (a --dry-run goes between the two). Not here:
 * `auth rollback --remove`, which asks only once it has listed a pool's users (its --dry-run is tested in
 * test/integration/auth-rollback.test.ts).
 */
const CONFIRMING: Array<{ command: string[]; args?: string[] }> = [
  { command: ['storage', 'setup'] },
  { command: ['storage', 'copy'] },
  { command: ['storage', 'copy'], args: ['--shard', '1/2'] },
  { command: ['storage', 'rewrite-urls'] },
  { command: ['storage', 'restore-urls'] },
  { command: ['db', 'copy'] },
  { command: ['db', 'app-role'] },
  { command: ['db', 'schema'] },
  { command: ['db', 'schema'], args: ['--apply-file', 'schema.sql'] },
  { command: ['db', 'replicate', 'start'] },
  { command: ['db', 'replicate', 'stop'] },
  { command: ['db', 'replicate', 'stop'], args: ['--reverse'] },
  { command: ['db', 'replicate', 'reverse'] },
  { command: ['db', 'cutover'] },
  { command: ['db', 'cutover'], args: ['--undo'] },
  { command: ['db', 'rollback'] },
  { command: ['db', 'rollback'], args: ['--undo'] },
  { command: ['auth', 'export'] },
  { command: ['auth', 'import'], args: ['--remaining'] },
  { command: ['auth', 'relink'], args: ['0b5e7c1a-6f0d-4c1e-9a53-2f1f2d3c4b5a'] },
  { command: ['backup'], args: ['--out', 's3://acme-backups/final'] },
  { command: ['aws', 'run'], args: ['--', 'db', 'copy'] },
  { command: ['demo'] },
];

describe('what a command will touch, and asking before a live change', () => {
  it('GIVEN a live target and no terminal WHEN storage setup runs without --yes THEN it says what it would touch and refuses with exit 2', async () => {
    const dir = tempDir('touches-');
    const file = liveConfig(dir);
    const result = await run(dir, ['storage', 'setup', '--json', '-c', file]);
    assert.equal(result.status, 2, result.stderr);
    const events = result.stderr
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { message?: string; data?: { touches?: Record<string, unknown> } });
    const first = events[0];
    assert.match(first?.message ?? '', /^config /);
    const touches = first?.data?.touches as {
      source: { projectRef: string };
      target: { region: string; regionFrom: string; dbHost: string; buckets: string[] };
      local: boolean;
    };
    assert.equal(touches.source.projectRef, 'abcdefghijklmnopqrst');
    assert.equal(touches.target.region, 'eu-west-1');
    assert.equal(touches.target.regionFrom, 'config target.region');
    assert.equal(touches.target.dbHost, 'app.abc123.eu-west-1.rds.amazonaws.com:5432');
    assert.deepEqual(touches.target.buckets, ['acme-videos']);
    assert.equal(touches.local, false);
    const error = JSON.parse(result.stdout) as { error?: { code?: string; hint?: string } } & {
      code?: string;
    };
    assert.match(JSON.stringify(error), /CONFIRMATION_REQUIRED/);
    assert.match(JSON.stringify(error), /--yes/);
  });

  it('GIVEN --region WHEN the config is loaded THEN the header says where the region came from', async () => {
    const dir = tempDir('touches-region-');
    const file = liveConfig(dir);
    const result = await run(dir, ['storage', 'setup', '--region', 'eu-north-1', '-c', file]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /AWS eu-north-1 \(from --region\)/);
  });

  for (const { command, args = [] } of CONFIRMING) {
    const named = [...command, ...args].join(' ');
    it(`GIVEN a live target and no terminal WHEN \`${named}\` is refused THEN its hint advises --dry-run only if it has one, and that run is not refused but fails as the unreachable services it meets, not as a bug`, async () => {
      const dir = tempDir('touches-hint-');
      const file = unreachableLiveConfig(dir);
      migrationStackOutputs(dir);
      const refused = await run(dir, ['--json', '-c', file, ...command, ...args]);
      assert.equal(refused.status, 2, refused.stderr);
      const { error } = JSON.parse(refused.stdout) as { error: { code: string; hint: string } };
      assert.equal(error.code, 'CONFIRMATION_REQUIRED');
      assert.match(error.hint, /, then again with --yes\.$/);
      const help = await run(dir, [...command, '--help']);
      assert.equal(help.status, 0, help.stderr);
      const hasDryRun = /^\s+--dry-run\b/m.test(help.stdout);
      assert.equal(error.hint.includes('--dry-run'), hasDryRun, `${error.hint}\n${help.stdout}`);
      if (!hasDryRun) return;
      const dryRun = await run(dir, ['--json', '-c', file, ...command, '--dry-run', ...args]);
      const answer = JSON.parse(dryRun.stdout) as { error?: { code: string } };
      assert.notEqual(answer.error?.code, 'CONFIRMATION_REQUIRED', dryRun.stdout);
      assert.notEqual(answer.error?.code, 'INTERNAL_ERROR', dryRun.stdout);
      assert.notEqual(dryRun.status, 70, dryRun.stdout);
    });
  }

  it('GIVEN no terminal WHEN `aws run -- db copy` is refused THEN the refusal names ECS and the command the task would run unasked; its dry run shows that command with --yes', async () => {
    const dir = tempDir('touches-aws-run-');
    const file = unreachableLiveConfig(dir);
    migrationStackOutputs(dir);
    const refused = await run(dir, ['--json', '-c', file, 'aws', 'run', '--', 'db', 'copy']);
    assert.equal(refused.status, 2, refused.stdout);
    const { error } = JSON.parse(refused.stdout) as { error: { code: string; message: string } };
    assert.equal(error.code, 'CONFIRMATION_REQUIRED');
    assert.match(
      error.message,
      /^aws run -- db copy changes a live system \(ECS in eu-west-1 \(a task of the migration stack, files in s3:\/\/acme-migration-runs\/runs\/.*\/\) and whatever `supa2aws db copy` changes with the config .*unreachable\.config\.json: the task runs it without asking again\)/,
    );
    const dryRun = await run(dir, ['--json', '-c', file, 'aws', 'run', '--dry-run', '--', 'db', 'copy']);
    assert.equal(dryRun.status, 0, dryRun.stderr);
    const plan = JSON.parse(dryRun.stdout) as { tasks: Array<{ command: string[] }> };
    assert.deepEqual(plan.tasks[0]?.command, ['--json', '--yes', 'db', 'copy']);
  });

  it('GIVEN --yes before or after the -- WHEN `aws run` runs with no terminal THEN it is not refused: it goes on to the runs bucket (here one that refuses)', async () => {
    const dir = tempDir('touches-aws-run-yes-');
    const file = unreachableLiveConfig(dir);
    migrationStackOutputs(dir);
    for (const args of [
      ['--yes', 'aws', 'run', '--', 'db', 'copy'],
      ['aws', 'run', '--', 'db', 'copy', '--yes'],
    ]) {
      const result = await runCliInProcess(['--json', '-c', file, ...args], {
        cwd: dir,
        env: {
          ...process.env,
          HOME: dir,
          AWS_REGION: '',
          AWS_DEFAULT_REGION: '',
          AWS_PROFILE: '',
          AWS_ACCESS_KEY_ID: 'AKIATEST',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_ENDPOINT_URL_S3: 'http://0.0.0.0:1',
        },
      });
      const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string } };
      assert.equal(error.code, 'AWS_UNREACHABLE', result.stdout);
      assert.match(error.message, /s3:PutObject on s3:\/\/acme-migration-runs\/runs\/.*\/config\.json/);
    }
  });

  it('GIVEN a live target and no terminal WHEN `auth relink` is given no UUID THEN that usage error comes before the question', async () => {
    const dir = tempDir('touches-usage-');
    const file = unreachableLiveConfig(dir);
    const result = await run(dir, ['--json', '-c', file, 'auth', 'relink', 'not-a-uuid']);
    assert.equal(result.status, 2, result.stdout);
    const { error } = JSON.parse(result.stdout) as { error: { code: string } };
    assert.equal(error.code, 'AUTH_RELINK_USER');
  });

  it('GIVEN a target S3 endpoint that refuses connections WHEN `storage setup --dry-run` runs THEN it is an environment error (exit 3) naming the endpoint, not a bug', async () => {
    const dir = tempDir('touches-setup-down-');
    const file = unreachableLiveConfig(dir);
    const result = await run(dir, ['--json', '-c', file, 'storage', 'setup', '--dry-run']);
    assert.equal(result.status, 3, result.stdout);
    const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string; hint: string } };
    assert.equal(error.code, 'STORAGE_TARGET_UNREACHABLE');
    assert.match(
      error.message,
      /did not answer while checking the bucket \(bucket acme-videos\): ECONNREFUSED/,
    );
    assert.match(error.hint, /target\.s3\.endpoint/);
  });
});
