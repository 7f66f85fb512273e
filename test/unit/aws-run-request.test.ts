/**
 * `supa2aws aws run`'s pure part: the run target read from `cdk deploy --outputs-file` output, the tasks of a
 * run (one, or N shards of `storage copy`), and the ECS RunTask request each task is started with: the
 * stack's network, the command and the run's S3 folder as container overrides, and no secret anywhere — the
 * config goes by S3 URI and the passwords stay Secrets Manager references in the task definition.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildRunTaskRequest,
  localReportName,
  planAwsRun,
  planRunTasks,
  readRunConfig,
  localPaths,
  reportDirOf,
  runFileArgs,
  runTargetFromOutputs,
  type RunTarget,
} from '../../src/aws-run/index.ts';
import { isSupa2awsError } from '../../src/core/errors.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const TASK_DEF = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/AiuteurMigrationTask1234:3';

/** What `cdk deploy --outputs-file` writes for the migration stack (values as CloudFormation resolves them). */
function outputs(overrides: Record<string, string> = {}) {
  return {
    'Aiuteur-Network': { VpcId: 'vpc-0abc', Region: 'eu-west-1' },
    'Aiuteur-Migration': {
      [OUTPUT_KEYS.migrationClusterName]: 'Aiuteur-Migration-Cluster1234',
      [OUTPUT_KEYS.migrationTaskDefinitionArn]: TASK_DEF,
      [OUTPUT_KEYS.migrationContainerName]: 'supa2aws',
      [OUTPUT_KEYS.migrationSubnetIds]: 'subnet-0aaa,subnet-0bbb',
      [OUTPUT_KEYS.migrationSecurityGroupIds]: 'sg-0tasks',
      [OUTPUT_KEYS.migrationAssignPublicIp]: 'DISABLED',
      [OUTPUT_KEYS.migrationLogGroupName]: 'Aiuteur-Migration-Logs1234',
      [OUTPUT_KEYS.migrationLogStreamPrefix]: 'run',
      [OUTPUT_KEYS.migrationRunsBucketName]: 'aiuteur-migration-runs1234',
      [OUTPUT_KEYS.migrationSecretArn]:
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:MigrationSecret-AbCdEf',
      Region: 'eu-west-1',
      ...overrides,
    },
  };
}

function codeOf(fn: () => unknown): { code: string; exitCode: number; hint: string | undefined } {
  try {
    fn();
  } catch (error) {
    assert.ok(isSupa2awsError(error), String(error));
    return { code: error.code, exitCode: error.exitCode, hint: error.hint };
  }
  assert.fail('expected an error');
}

describe('aws run: the run target from the stack outputs', () => {
  it('GIVEN the migration stack outputs WHEN read THEN the cluster, task definition, network, logs and bucket come from them', () => {
    const target = runTargetFromOutputs(outputs());
    assert.deepEqual(target, {
      region: 'eu-west-1',
      cluster: 'Aiuteur-Migration-Cluster1234',
      taskDefinition: TASK_DEF,
      container: 'supa2aws',
      subnets: ['subnet-0aaa', 'subnet-0bbb'],
      securityGroups: ['sg-0tasks'],
      assignPublicIp: 'DISABLED',
      logGroup: 'Aiuteur-Migration-Logs1234',
      logStreamPrefix: 'run',
      runsBucket: 'aiuteur-migration-runs1234',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:MigrationSecret-AbCdEf',
    });
  });

  it('GIVEN outputs without the migration stack WHEN read THEN AWS_RUN_OUTPUTS_MISSING names every missing output and the deploy command', () => {
    const error = codeOf(() => runTargetFromOutputs({ 'Aiuteur-Network': { VpcId: 'vpc-0abc' } }));
    assert.equal(error.code, 'AWS_RUN_OUTPUTS_MISSING');
    assert.equal(error.exitCode, 2);
    assert.match(error.hint ?? '', /cdk deploy Aiuteur-Network .*Aiuteur-Migration --outputs-file/);
  });

  it('GIVEN an assignPublicIp output that is neither ENABLED nor DISABLED WHEN read THEN AWS_RUN_OUTPUTS_INVALID', () => {
    const error = codeOf(() =>
      runTargetFromOutputs(outputs({ [OUTPUT_KEYS.migrationAssignPublicIp]: 'yes' })),
    );
    assert.equal(error.code, 'AWS_RUN_OUTPUTS_INVALID');
  });

  it('GIVEN --region WHEN read THEN it wins over the outputs, which win over the environment’s region', () => {
    assert.equal(runTargetFromOutputs(outputs(), { region: 'us-east-2' }).region, 'us-east-2');
    assert.equal(runTargetFromOutputs(outputs(), { fallbackRegion: 'us-east-2' }).region, 'eu-west-1');
  });
});

describe('aws run: the RunTask request', () => {
  const target: RunTarget = runTargetFromOutputs(outputs());

  it('GIVEN a db copy WHEN its request is built THEN it starts the stack’s task definition on Fargate in the stack’s subnets and security groups, public IP as the stack says', () => {
    const [task] = planRunTasks(['db', 'copy']);
    const request = buildRunTaskRequest(target, 'r1', task!, { config: true });
    assert.equal(request.cluster, 'Aiuteur-Migration-Cluster1234');
    assert.equal(request.taskDefinition, TASK_DEF);
    assert.equal(request.launchType, 'FARGATE');
    assert.equal(request.count, 1);
    assert.deepEqual(request.networkConfiguration, {
      awsvpcConfiguration: {
        subnets: ['subnet-0aaa', 'subnet-0bbb'],
        securityGroups: ['sg-0tasks'],
        assignPublicIp: 'DISABLED',
      },
    });
    const enabled = runTargetFromOutputs(outputs({ [OUTPUT_KEYS.migrationAssignPublicIp]: 'ENABLED' }));
    assert.equal(
      buildRunTaskRequest(enabled, 'r1', task!, { config: true }).networkConfiguration?.awsvpcConfiguration
        ?.assignPublicIp,
      'ENABLED',
    );
  });

  it('GIVEN a db copy WHEN its request is built THEN the container override runs it through aws in-task, with the run’s folder and config as S3 URIs', () => {
    const [task] = planRunTasks(['db', 'copy']);
    const request = buildRunTaskRequest(target, 'r1', task!, { config: true });
    assert.deepEqual(request.overrides?.containerOverrides, [
      {
        name: 'supa2aws',
        command: ['aws', 'in-task', '--', 'db', 'copy'],
        environment: [
          { name: 'SUPA2AWS_RUN_URI', value: 's3://aiuteur-migration-runs1234/runs/r1/' },
          { name: 'SUPA2AWS_RUN_TASK', value: '1' },
          { name: 'SUPA2AWS_RUN_CONFIG', value: 's3://aiuteur-migration-runs1234/runs/r1/config.json' },
        ],
      },
    ]);
    assert.equal(request.overrides?.containerOverrides?.[0]?.environment?.length, 3);
  });

  it('GIVEN a config whose secrets are ${VAR} references and set in this shell WHEN the run is planned THEN no secret value is in any request, and the config goes by S3 URI', () => {
    const dir = tempDir('aws-run-request');
    const file = path.join(dir, 'supa2aws.config.json');
    const config = {
      version: 1,
      source: {
        db: { url: 'postgresql://postgres:${SUPABASE_DB_PASSWORD}@db.abc.supabase.co:5432/postgres' },
      },
      target: {
        db: {
          url: 'postgresql://postgres:${SUPA2AWS_TARGET_DB_PASSWORD}@aiuteur.x.eu-west-1.rds.amazonaws.com:5432/aiuteur',
        },
      },
    };
    writeFileSync(file, JSON.stringify(config));
    const secrets = ['s0urce-Pa55word-in-env', 'rds-Master-Pa55word'];
    const before = { ...process.env };
    process.env.SUPABASE_DB_PASSWORD = secrets[0];
    process.env.SUPA2AWS_TARGET_DB_PASSWORD = secrets[1];
    try {
      assert.equal(
        readRunConfig(file),
        JSON.stringify(config),
        'uploaded as written: references, not values',
      );
      const plan = planAwsRun({ target, command: ['db', 'copy'], configFile: file, reportDir: 'r' });
      const text = JSON.stringify(plan);
      for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret value in the plan');
      assert.doesNotMatch(text, /SUPABASE_DB_PASSWORD|SUPA2AWS_TARGET_DB_PASSWORD/);
      assert.equal(plan.config, `s3://aiuteur-migration-runs1234/runs/${plan.runId}/config.json`);
      for (const task of plan.tasks) {
        for (const arg of task.request.overrides!.containerOverrides![0]!.command!)
          assert.doesNotMatch(arg, /password|secret|postgres(ql)?:\/\//i);
      }
    } finally {
      process.env = before;
    }
  });

  it('GIVEN a config holding a literal password WHEN aws run reads it THEN AWS_RUN_CONFIG_HOLDS_SECRET refuses to upload it, naming the field', () => {
    const dir = tempDir('aws-run-request');
    const file = path.join(dir, 'supa2aws.config.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        source: { db: { url: 'postgresql://postgres:hunter2@db.abc.supabase.co/postgres' } },
      }),
    );
    const error = codeOf(() => readRunConfig(file));
    assert.equal(error.code, 'AWS_RUN_CONFIG_HOLDS_SECRET');
    assert.equal(error.exitCode, 2);
    assert.match(error.hint ?? '', /put-secret-value/);
  });

  it('GIVEN --json WHEN the tasks are planned THEN the command runs with --json so its events reach the terminal as NDJSON', () => {
    assert.deepEqual(planRunTasks(['db', 'verify'], 1, { json: true })[0]!.command, [
      '--json',
      'db',
      'verify',
    ]);
    assert.deepEqual(planRunTasks(['--json', 'db', 'verify'], 1, { json: true })[0]!.command, [
      '--json',
      'db',
      'verify',
    ]);
  });

  it('GIVEN the operator answered the question WHEN the tasks are planned THEN the command runs with --yes (a task has no terminal to ask on), once, and every shard too', () => {
    assert.deepEqual(planRunTasks(['db', 'copy'], 1, { json: true, yes: true })[0]!.command, [
      '--json',
      '--yes',
      'db',
      'copy',
    ]);
    assert.deepEqual(planRunTasks(['db', 'copy', '-y'], 1, { yes: true })[0]!.command, ['db', 'copy', '-y']);
    assert.deepEqual(planRunTasks(['db', 'copy'])[0]!.command, ['db', 'copy']);
    assert.ok(planRunTasks(['storage', 'copy'], 3, { yes: true }).every((t) => t.command[0] === '--yes'));
  });

  it('GIVEN flags the task decides, a nested aws command or no command WHEN planned THEN coded usage errors', () => {
    assert.equal(codeOf(() => planRunTasks(['-c', 'x.json', 'db', 'copy'])).code, 'AWS_RUN_FLAG_NOT_ALLOWED');
    assert.equal(codeOf(() => planRunTasks(['db', 'copy', '--profile=x'])).code, 'AWS_RUN_FLAG_NOT_ALLOWED');
    assert.equal(codeOf(() => planRunTasks(['aws', 'run', '--', 'db', 'copy'])).code, 'AWS_RUN_NESTED');
    assert.equal(codeOf(() => planRunTasks([])).code, 'AWS_RUN_NO_COMMAND');
  });
});

describe('aws run --tasks N: storage copy in shards', () => {
  it('GIVEN --tasks 4 -- storage copy WHEN planned THEN task i runs storage copy --shard i/4, each shard exactly once', () => {
    const tasks = planRunTasks(['storage', 'copy', '--concurrency', '8'], 4);
    assert.deepEqual(
      tasks.map((t) => t.label),
      ['1-of-4', '2-of-4', '3-of-4', '4-of-4'],
    );
    assert.deepEqual(
      tasks.map((t) => t.command),
      [1, 2, 3, 4].map((i) => ['storage', 'copy', '--concurrency', '8', '--shard', `${i}/4`]),
    );
  });

  it('GIVEN --tasks 2 with another command, or with --shard already given WHEN planned THEN AWS_RUN_TASKS_NOT_SHARDABLE', () => {
    for (const command of [
      ['db', 'copy'],
      ['storage', 'verify'],
      ['storage', 'copy', '--shard', '1/2'],
    ]) {
      const error = codeOf(() => planRunTasks(command, 2));
      assert.equal(error.code, 'AWS_RUN_TASKS_NOT_SHARDABLE', command.join(' '));
      assert.equal(error.exitCode, 2);
    }
  });

  it('GIVEN the shards’ reports WHEN copied locally THEN each keeps its own file; a single task’s keeps its name', () => {
    const spec = { label: '2-of-4', command: [] };
    assert.equal(localReportName('storage-copy.json', spec, 4), 'storage-copy.shard-2-of-4.json');
    assert.equal(localReportName('storage-copy.md', spec, 4), 'storage-copy.shard-2-of-4.md');
    assert.equal(localReportName('storage-copy.json', { label: '1', command: [] }, 1), 'storage-copy.json');
  });

  it('GIVEN a command WHEN the task looks for its reports THEN it reads --report-dir, report --dir, or the default', () => {
    assert.equal(reportDirOf(['db', 'copy']), 'supa2aws-report');
    assert.equal(reportDirOf(['db', 'copy', '--report-dir', 'out']), 'out');
    assert.equal(reportDirOf(['db', 'copy', '--report-dir=out2']), 'out2');
    assert.equal(reportDirOf(['report', '--dir', 'r']), 'r');
  });
});

describe('aws run: the files a command reads and writes', () => {
  const TARGET: RunTarget = runTargetFromOutputs(outputs());
  const env = (request: ReturnType<typeof buildRunTaskRequest>) =>
    Object.fromEntries(request.overrides!.containerOverrides![0]!.environment!.map((e) => [e.name, e.value]));

  it('GIVEN storage copy --plan and auth plan --out WHEN planned THEN the plan goes up as an input, the output comes back, and the task’s command names their places in its working folder', () => {
    const dir = tempDir('aws-run-files');
    writeFileSync(path.join(dir, 'storage-plan.json'), '{}');
    const copy = runFileArgs(['storage', 'copy', '--plan', 'storage-plan.json', '--json'], dir);
    assert.deepEqual(copy.command, ['storage', 'copy', '--plan', 'inputs/storage-plan.json', '--json']);
    assert.deepEqual(copy.inputs, [
      { local: path.join(dir, 'storage-plan.json'), name: 'storage-plan.json', given: 'storage-plan.json' },
    ]);
    assert.deepEqual(copy.outputs, []);
    const plan = runFileArgs(['auth', 'plan', '--out=plans/auth.json'], dir);
    assert.deepEqual(plan.command, ['auth', 'plan', '--out=outputs/auth.json']);
    assert.deepEqual(plan.outputs, [
      { local: path.join(dir, 'plans/auth.json'), name: 'auth.json', given: 'plans/auth.json' },
    ]);
    assert.equal(
      localPaths('plan saved to outputs/auth.json; apply it with --plan outputs/auth.json', plan, false),
      'plan saved to plans/auth.json; apply it with --plan plans/auth.json',
    );
    const request = buildRunTaskRequest(
      TARGET,
      'r1',
      { label: '1', command: copy.command },
      {
        config: false,
        inputs: ['storage-plan.json'],
        outputs: ['auth.json'],
      },
    );
    assert.equal(env(request).SUPA2AWS_RUN_INPUTS, '["storage-plan.json"]');
    assert.equal(env(request).SUPA2AWS_RUN_OUTPUTS, '["auth.json"]');
  });

  it('GIVEN db schema WHEN planned THEN its default --out comes back unless it applies a file; --from-migrations uploads the folder’s files, and seed.sql beside it with --seed', () => {
    const dir = tempDir('aws-run-schema');
    mkdirSync(path.join(dir, 'supabase/migrations'), { recursive: true });
    writeFileSync(path.join(dir, 'supabase/migrations/20240101000000_init.sql'), 'create table a ();');
    writeFileSync(path.join(dir, 'supabase/seed.sql'), 'insert into a default values;');
    writeFileSync(path.join(dir, 'schema.sql'), 'create table b ();');
    const dump = runFileArgs(['db', 'schema', '--dry-run'], dir);
    assert.deepEqual(dump.command, ['db', 'schema', '--dry-run', '--out', 'outputs/supa2aws-schema.sql']);
    assert.deepEqual(dump.outputs, [
      {
        local: path.join(dir, 'supa2aws-schema.sql'),
        name: 'supa2aws-schema.sql',
        given: 'supa2aws-schema.sql',
      },
    ]);
    const apply = runFileArgs(['db', 'schema', '--apply-file', 'schema.sql'], dir);
    assert.deepEqual(apply.command, ['db', 'schema', '--apply-file', 'inputs/schema.sql']);
    assert.deepEqual(apply.outputs, []);
    const migrations = runFileArgs(
      ['db', 'schema', '--from-migrations', 'supabase/migrations', '--seed'],
      dir,
    );
    assert.deepEqual(migrations.command.slice(0, 4), [
      'db',
      'schema',
      '--from-migrations',
      'inputs/migrations',
    ]);
    assert.deepEqual(
      migrations.inputs.map((f) => f.name),
      ['migrations/20240101000000_init.sql', 'seed.sql'],
    );
  });

  it('GIVEN auth import WHEN planned THEN its import CSV comes back, at --csv or its default, unless --no-csv or --dry-run; --plan goes up beside it', () => {
    const dir = tempDir('aws-run-auth-import');
    writeFileSync(path.join(dir, 'auth-plan.json'), '{}');
    const csv = (given: string) => ({ local: path.join(dir, given), name: path.basename(given), given });
    const remaining = runFileArgs(['auth', 'import', '--remaining'], dir);
    assert.deepEqual(remaining.command, [
      'auth',
      'import',
      '--remaining',
      '--csv',
      'outputs/supa2aws-auth-import.csv',
    ]);
    assert.deepEqual(remaining.outputs, [csv('supa2aws-auth-import.csv')]);
    const csvOnly = runFileArgs(['auth', 'import', '--remaining', '--csv-only'], dir);
    assert.deepEqual(csvOnly.outputs, [csv('supa2aws-auth-import.csv')]);
    assert.ok(csvOnly.command.includes('--csv-only'), 'the flag that shares a prefix stays as it is');
    const named = runFileArgs(['auth', 'import', '--plan', 'auth-plan.json', '--csv=keep/users.csv'], dir);
    assert.deepEqual(named.command, [
      'auth',
      'import',
      '--plan',
      'inputs/auth-plan.json',
      '--csv=outputs/users.csv',
    ]);
    assert.deepEqual(
      named.inputs.map((f) => f.name),
      ['auth-plan.json'],
    );
    assert.deepEqual(named.outputs, [csv('keep/users.csv')]);
    for (const off of ['--no-csv', '--dry-run']) {
      const none = runFileArgs(['auth', 'import', '--remaining', off], dir);
      assert.deepEqual(none.command, ['auth', 'import', '--remaining', off], off);
      assert.deepEqual(none.outputs, [], off);
    }
  });

  it('GIVEN cost --markdown and --svg after flags with values WHEN planned THEN both files come back', () => {
    const dir = tempDir('aws-run-cost');
    const cost = runFileArgs(
      ['cost', '--preset', 'small', '--markdown', 'cost.md', '--svg=charts/cost.svg'],
      dir,
    );
    assert.deepEqual(cost.command, [
      'cost',
      '--preset',
      'small',
      '--markdown',
      'outputs/cost.md',
      '--svg=outputs/cost.svg',
    ]);
    assert.deepEqual(
      cost.outputs.map((f) => [f.name, f.local]),
      [
        ['cost.md', path.join(dir, 'cost.md')],
        ['cost.svg', path.join(dir, 'charts/cost.svg')],
      ],
    );
    assert.deepEqual(runFileArgs(['cost', '--mau', '5000'], dir).outputs, []);
  });

  it('GIVEN an input that is not there WHEN planned THEN AWS_RUN_INPUT_MISSING (exit 2) before anything is uploaded', () => {
    assert.throws(
      () =>
        planAwsRun({ target: TARGET, command: ['auth', 'import', '--plan', 'nope.json'], reportDir: 'r' }),
      (e: unknown) => isSupa2awsError(e) && e.code === 'AWS_RUN_INPUT_MISSING' && e.exitCode === 2,
    );
  });

  it('GIVEN a migrations folder whose file names overflow ECS’s 8192 characters of overrides WHEN planned THEN AWS_RUN_OVERRIDES_TOO_LONG (exit 2) before anything is uploaded; a small folder fits', () => {
    const dir = tempDir('aws-run-many');
    const migrations = path.join(dir, 'supabase/migrations');
    mkdirSync(migrations, { recursive: true });
    const plan = () =>
      planAwsRun({
        target: TARGET,
        command: ['db', 'schema', '--from-migrations', migrations],
        reportDir: path.join(dir, 'r'),
      });
    for (let i = 0; i < 3; i++) writeFileSync(path.join(migrations, `2024010100000${i}_step_${i}.sql`), '');
    assert.doesNotThrow(plan);
    for (let i = 3; i < 300; i++)
      writeFileSync(path.join(migrations, `${20240101000000 + i}_add_column_to_projects_${i}.sql`), '');
    assert.throws(
      plan,
      (e: unknown) => isSupa2awsError(e) && e.code === 'AWS_RUN_OVERRIDES_TOO_LONG' && e.exitCode === 2,
    );
  });
});
