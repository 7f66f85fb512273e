/**
 * `supa2aws aws run` against a stand-in of the ECS and CloudWatch Logs APIs (test/helpers/ecs-logs-stand-in.ts:
 * their documented JSON protocol, reached by the SDK clients through an endpoint override), s3rver as the runs
 * bucket, and the Secrets Manager stand-in as the migration secret. The stand-in's "container" is the real
 * `supa2aws aws in-task` process where the test is about the task's side (config from S3, secrets by reference,
 * results written back); it plays a container by hand where the test is about `aws run` alone (shards'
 * reports, Ctrl-C).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import {
  awsRun,
  putRunFile,
  runKey,
  runInTask,
  SUPA2AWS_BIN,
  type AwsRunDeps,
  type RunTarget,
  type TaskExit,
} from '../../src/aws-run/index.ts';
import { getRunFile } from '../../src/aws-run/run-files.ts';
import { isSupa2awsError } from '../../src/core/errors.ts';
import { readPhaseReports } from '../../src/report/phase-report.ts';
import { startEcsLogsStandIn, type EcsLogsStandIn, type StandInTask } from '../helpers/ecs-logs-stand-in.ts';
import {
  startSecretsManagerStandIn,
  type SecretsManagerStandIn,
} from '../helpers/secrets-manager-stand-in.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const REGION = 'eu-west-1';
const BUCKET = 'aiuteur-migration-runs';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:MigrationSecret-AbCdEf';
const SECRET_WITHOUT_SOURCE = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:MigrationSecret-Empty';
const SOURCE_PASSWORD = 'src-Pa55-from-the-migration-secret';
const RDS_PASSWORD = 'rds-Pa55-from-the-ecs-secret';
const KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const target: RunTarget = {
  region: REGION,
  cluster: 'Aiuteur-Migration-Cluster',
  taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/AiuteurMigrationTask:1',
  container: 'supa2aws',
  subnets: ['subnet-0aaa', 'subnet-0bbb'],
  securityGroups: ['sg-0tasks'],
  assignPublicIp: 'DISABLED',
  logGroup: 'Aiuteur-Migration-Logs',
  logStreamPrefix: 'run',
  runsBucket: BUCKET,
  secretArn: SECRET,
};

/** A config as `init` writes it: every secret a ${VARIABLE} the task's environment supplies. */
const CONFIG = {
  version: 1,
  source: {
    projectUrl: 'https://abcdefghijklmnopqrst.supabase.co',
    db: {
      url: 'postgresql://postgres:${SUPABASE_DB_PASSWORD}@db.abcdefghijklmnopqrst.supabase.co:5432/postgres',
    },
    storage: {
      endpoint: 'https://abcdefghijklmnopqrst.storage.supabase.co/storage/v1/s3',
      region: 'us-east-1',
    },
  },
  target: {
    db: {
      url: 'postgresql://postgres:${SUPA2AWS_TARGET_DB_PASSWORD}@aiuteur.xxxx.eu-west-1.rds.amazonaws.com:5432/aiuteur',
    },
    s3: { region: REGION },
  },
};

let s3rver: S3rver;
let s3Endpoint: string;
let secrets: SecretsManagerStandIn;
let standIn: EcsLogsStandIn;
/** What the next RunTask's container does. */
let container: (task: StandInTask) => void;
let s3: S3Client;
let clients: Pick<AwsRunDeps, 'ecs' | 'logs' | 's3'>;
const work = tempDir('aws-run-it');
const configFile = path.join(work, 'supa2aws.config.json');

/** The environment ECS gives the container: region, the task role (here keys), the RDS secrets injected. */
function containerEnv(secretId: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: work,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: KEYS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
    AWS_CONFIG_FILE: path.join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'no-aws-credentials'),
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SUPA2AWS_SECRETS_ID: secretId,
    SUPA2AWS_TARGET_DB_PASSWORD: RDS_PASSWORD,
  };
}

/** The real container: `supa2aws aws in-task -- …` with its stdout and stderr as the task's log. */
function realContainer(secretId: string): (task: StandInTask) => void {
  return (task) => {
    const child = spawn(process.execPath, [SUPA2AWS_BIN, ...task.command], {
      env: { ...containerEnv(secretId), ...task.environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let open = 2;
    let code: number | null = null;
    const done = () => {
      if (--open < 0) task.exit(code ?? 137);
    };
    for (const stream of [child.stdout, child.stderr]) {
      const lines = createInterface({ input: stream });
      lines.on('line', (line) => task.log(line));
      lines.on('close', done);
    }
    void task.stopped.then(() => child.kill('SIGTERM'));
    child.on('close', (c) => {
      code = c;
      done();
    });
  };
}

before(async () => {
  s3rver = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory: tempDir('aws-run-s3rver'),
    silent: true,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await s3rver.run();
  s3Endpoint = `http://127.0.0.1:${port}`;
  secrets = await startSecretsManagerStandIn({
    [SECRET]: {
      SUPABASE_DB_PASSWORD: SOURCE_PASSWORD,
      SUPABASE_S3_ACCESS_KEY_ID: 'AKIASOURCE',
      SUPABASE_S3_SECRET_ACCESS_KEY: 'src-s3-secret',
    },
    [SECRET_WITHOUT_SOURCE]: { SUPABASE_DB_PASSWORD: '', SUPA2AWS_PLACEHOLDER: 'x' },
  });
  standIn = await startEcsLogsStandIn({
    logGroup: target.logGroup,
    streamPrefix: target.logStreamPrefix,
    container: target.container,
    run: (task) => container(task),
  });
  const local = { region: REGION, credentials: KEYS, endpoint: standIn.endpoint };
  s3 = new S3Client({
    region: REGION,
    credentials: KEYS,
    endpoint: s3Endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  clients = { ecs: new ECSClient(local), logs: new CloudWatchLogsClient(local), s3 };
  writeFileSync(configFile, JSON.stringify(CONFIG, null, 2));
});

after(async () => {
  await standIn?.close();
  await secrets?.close();
  await s3rver?.close();
});

/** A container running `aws in-task` in this process with `bin` as the supa2aws it starts. */
function inTaskContainer(bin: string): (task: StandInTask) => void {
  return (task) => {
    void runInTask(
      {
        command: task.command.slice(3),
        env: { ...containerEnv(SECRET), ...task.environment },
        bin,
        tmpDir: work,
      },
      { s3, signal: new AbortController().signal, secrets: { send: async () => ({ SecretString: '{}' }) } },
    ).then(
      (code) => task.exit(code),
      (error: Error) => {
        task.log(error.message);
        task.exit(1);
      },
    );
  };
}

function collecting() {
  const lines: Array<{ task: string; line: string }> = [];
  return { lines, onLine: (line: string, task: { label: string }) => lines.push({ task: task.label, line }) };
}

describe('aws run against the ECS and CloudWatch Logs stand-in', { timeout: 180_000 }, () => {
  it('GIVEN a config with ${VARIABLE} secrets WHEN `aws run --json -- config show` runs THEN the task reads the config from S3 and the secrets by reference, its NDJSON events arrive unchanged, its stdout is the result and it exits 0', async () => {
    container = realContainer(SECRET);
    const out = collecting();
    const result = await awsRun(
      {
        target,
        command: ['config', 'show'],
        configFile,
        reportDir: path.join(work, 'r1'),
        json: true,
        pollMs: 100,
      },
      { ...clients, onLine: out.onLine },
    );
    assert.equal(result.exitCode, 0, out.lines.map((l) => l.line).join('\n'));
    const shown = JSON.parse(result.tasks[0]!.stdout) as {
      file: string;
      values: Record<string, { value: unknown }>;
    };
    assert.match(shown.file, /config\.json$/);
    assert.equal(shown.values['target.s3.region']?.value, REGION);
    const events = out.lines.map((l) => JSON.parse(l.line) as { type: string; message: string });
    assert.ok(
      events.length >= 1 && events.every((e) => e.type === 'log'),
      'every line is a --json event, unchanged',
    );
    assert.ok(events.some((e) => e.message.includes('db.abcdefghijklmnopqrst.supabase.co')));
    const everything = JSON.stringify({ lines: out.lines, result, calls: standIn.calls });
    for (const secret of [SOURCE_PASSWORD, RDS_PASSWORD])
      assert.ok(!everything.includes(secret), 'a secret leaked');
    assert.deepEqual(secrets.requested.at(-1), SECRET, 'the task read the migration secret by its ARN');
    const run = standIn.calls.find((c) => c.op === 'RunTask')!.body as {
      networkConfiguration: unknown;
      overrides: { containerOverrides: Array<{ command: string[] }> };
    };
    assert.deepEqual(run.overrides.containerOverrides[0]!.command, [
      'aws',
      'in-task',
      '--',
      '--json',
      'config',
      'show',
    ]);
    assert.deepEqual(run.networkConfiguration, {
      awsvpcConfiguration: {
        subnets: ['subnet-0aaa', 'subnet-0bbb'],
        securityGroups: ['sg-0tasks'],
        assignPublicIp: 'DISABLED',
      },
    });
  });

  it('GIVEN a command that changes a live system WHEN run in a task THEN it refuses there for want of a terminal, and runs once the operator answered (--yes)', async () => {
    // The target's S3 is this s3rver, where `storage setup` creates and configures the bucket; its RDS is live.
    const setupConfig = path.join(tempDir('aws-run-setup'), 'supa2aws.config.json');
    writeFileSync(
      setupConfig,
      JSON.stringify({
        ...CONFIG,
        target: { ...CONFIG.target, s3: { region: REGION, endpoint: s3Endpoint } },
        storage: { buckets: { videos: { target: 'aws-run-videos', access: 'private' } } },
      }),
    );
    container = realContainer(SECRET);
    const run = (yes: boolean, dir: string) =>
      awsRun(
        {
          target,
          command: ['storage', 'setup'],
          configFile: setupConfig,
          reportDir: path.join(work, dir),
          json: true,
          yes,
          pollMs: 100,
        },
        { ...clients, onLine: () => undefined },
      );
    const unanswered = await run(false, 'r-unanswered');
    assert.equal(unanswered.exitCode, 2);
    assert.match(unanswered.tasks[0]!.stdout, /CONFIRMATION_REQUIRED/);
    const answered = await run(true, 'r-answered');
    assert.equal(answered.exitCode, 0, answered.tasks[0]!.stdout);
    const setup = JSON.parse(answered.tasks[0]!.stdout) as {
      buckets: Array<{ target: string; actions: Array<{ setting: string; status: string }> }>;
    };
    assert.deepEqual(setup.buckets[0]?.actions[0], { setting: 'bucket', status: 'created' });
  });

  it('GIVEN the migration secret still holds the stack’s empty placeholder WHEN `aws run -- config validate` runs THEN the container’s exit code 2 is returned and the log names the variable to set', async () => {
    container = realContainer(SECRET_WITHOUT_SOURCE);
    const out = collecting();
    const result = await awsRun(
      { target, command: ['config', 'validate'], configFile, reportDir: path.join(work, 'r2'), pollMs: 100 },
      { ...clients, onLine: out.onLine },
    );
    assert.equal(result.exitCode, 2);
    assert.equal(result.tasks[0]!.exitCode, 2);
    assert.match(result.tasks[0]!.stdout, /invalid: .*config\.json/);
    assert.match(result.tasks[0]!.stdout, /SUPABASE_DB_PASSWORD/);
  });

  it('GIVEN `db schema --from-dump dump.sql --out reviewed/schema.sql` WHEN run in a task THEN the dump goes up with the run, the task reads it from its working folder, and the schema it writes comes back to the path given', async () => {
    const here = tempDir('aws-run-files-local');
    writeFileSync(path.join(here, 'dump.sql'), 'CREATE TABLE projects (id uuid);\n');
    const bin = path.join(work, 'fake-schema.mjs');
    writeFileSync(
      bin,
      [
        "import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';",
        'const arg = (flag) => process.argv[process.argv.indexOf(flag) + 1];',
        "const dump = readFileSync(arg('--from-dump'), 'utf8');",
        "writeFileSync(arg('--out'), `-- reviewed by the task\\n${dump}`);",
        "process.stdout.write(JSON.stringify({ from: arg('--from-dump'), out: arg('--out') }));",
      ].join('\n'),
    );
    container = inTaskContainer(bin);
    const out = collecting();
    const cwd = process.cwd();
    process.chdir(here);
    let result: Awaited<ReturnType<typeof awsRun>>;
    try {
      result = await awsRun(
        {
          target,
          command: ['db', 'schema', '--from-dump', 'dump.sql', '--out', 'reviewed/schema.sql', '--dry-run'],
          reportDir: path.join(here, 'r'),
          pollMs: 100,
        },
        { ...clients, onLine: out.onLine },
      );
    } finally {
      process.chdir(cwd);
    }
    assert.equal(result.exitCode, 0, out.lines.map((l) => l.line).join('\n'));
    // The task read and wrote inputs/dump.sql and outputs/schema.sql; its messages name the paths given here.
    assert.deepEqual(JSON.parse(result.tasks[0]!.stdout), { from: 'dump.sql', out: 'reviewed/schema.sql' });
    const written = path.join(here, 'reviewed/schema.sql');
    assert.deepEqual(result.tasks[0]!.outputs, [written]);
    assert.equal(
      readFileSync(written, 'utf8'),
      '-- reviewed by the task\nCREATE TABLE projects (id uuid);\n',
    );
    const run = standIn.calls.filter((c) => c.op === 'RunTask').at(-1)!.body as {
      overrides: { containerOverrides: Array<{ environment: Array<{ name: string; value: string }> }> };
    };
    const environment = run.overrides.containerOverrides[0]!.environment;
    assert.deepEqual(
      environment.filter((e) => e.name.startsWith('SUPA2AWS_RUN_') && e.name.endsWith('PUTS')),
      [
        { name: 'SUPA2AWS_RUN_INPUTS', value: '["dump.sql"]' },
        { name: 'SUPA2AWS_RUN_OUTPUTS', value: '["schema.sql"]' },
      ],
    );

    // A run whose command fails before writing it: the operator is told the file here is not this run's.
    const failing = path.join(work, 'fake-schema-fails.mjs');
    writeFileSync(failing, 'process.exitCode = 3;\n');
    container = inTaskContainer(failing);
    const warnings: string[] = [];
    process.chdir(here);
    try {
      result = await awsRun(
        {
          target,
          command: ['db', 'schema', '--from-dump', 'dump.sql', '--out', 'reviewed/schema.sql'],
          reportDir: path.join(here, 'r'),
          pollMs: 100,
        },
        {
          ...clients,
          onLine: () => undefined,
          reporter: {
            emit: (e) => void (e.type === 'log' && e.level === 'warn' && warnings.push(e.message)),
          },
        },
      );
    } finally {
      process.chdir(cwd);
    }
    assert.equal(result.exitCode, 3);
    assert.deepEqual(result.tasks[0]!.outputs, []);
    assert.deepEqual(warnings, [
      `task 1 wrote no reviewed/schema.sql: ${written} is an older one, not this run's`,
    ]);
  });

  it('GIVEN `auth import --remaining` and an older CSV here readable by all WHEN run in a task THEN the import CSV it writes comes back to the default path, replacing the old one with a file of mode 0600, and no hash is printed', async () => {
    const here = tempDir('aws-run-csv-local');
    const local = path.join(here, 'supa2aws-auth-import.csv');
    writeFileSync(local, 'an older export\n', { mode: 0o644 });
    chmodSync(local, 0o644);
    const hash = '$2a$10$abcdefghijklmnopqrstuuOBk1bZ0k0CJ3rzWQf2kDrsaUy5.PmMe';
    const bin = path.join(work, 'fake-auth-import.mjs');
    writeFileSync(
      bin,
      [
        "import { writeFileSync } from 'node:fs';",
        "const csv = process.argv[process.argv.indexOf('--csv') + 1];",
        `writeFileSync(csv, 'cognito:username,password_hash\\nada@example.com,${hash}\\n', { mode: 0o600 });`,
        'process.stdout.write(JSON.stringify({ csv: { file: csv, rows: 1 } }));',
      ].join('\n'),
    );
    container = inTaskContainer(bin);
    const out = collecting();
    const cwd = process.cwd();
    process.chdir(here);
    let result: Awaited<ReturnType<typeof awsRun>>;
    try {
      result = await awsRun(
        { target, command: ['auth', 'import', '--remaining'], reportDir: path.join(here, 'r'), pollMs: 100 },
        { ...clients, onLine: out.onLine },
      );
    } finally {
      process.chdir(cwd);
    }
    const log = out.lines.map((l) => l.line).join('\n');
    assert.equal(result.exitCode, 0, log);
    assert.deepEqual(result.tasks[0]!.outputs, [local]);
    assert.equal(readFileSync(local, 'utf8'), `cognito:username,password_hash\nada@example.com,${hash}\n`);
    assert.equal(statSync(local).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(result.tasks[0]!.stdout), {
      csv: { file: 'supa2aws-auth-import.csv', rows: 1 },
    });
    assert.ok(!result.tasks[0]!.stdout.includes(hash), 'no hash printed');
    assert.deepEqual(readdirSync(here).sort(), ['supa2aws-auth-import.csv'], 'no temporary file left');
  });

  it('GIVEN --tasks 2 -- storage copy WHEN the shards stop with 0 and 3 THEN both shards’ reports land in the report folder for `supa2aws report` and the run returns 3', async () => {
    const reportDir = path.join(work, 'r3');
    container = (task) => {
      void (async () => {
        const shard = task.command.at(-1)!;
        const label = task.environment.SUPA2AWS_RUN_TASK!;
        const runId = /\/runs\/([^/]+)\/$/.exec(task.environment.SUPA2AWS_RUN_URI!)![1]!;
        task.log(`copying shard ${shard}`);
        const report = {
          version: 1,
          phase: 'storage',
          command: 'copy',
          startedAt: new Date().toISOString(),
          finishedAt: new Date().toISOString(),
          durationMs: 1,
          ok: shard === '1/2',
          metrics: { objects: 1 },
          checks: [],
        };
        const code = shard === '1/2' ? 0 : 3;
        await putRunFile(
          s3,
          BUCKET,
          runKey(runId, 'reports/storage-copy.json', label),
          JSON.stringify(report),
        );
        await putRunFile(s3, BUCKET, runKey(runId, 'stdout', label), `shard ${shard} done\n`);
        const exit: TaskExit = { exitCode: code, reports: ['storage-copy.json'] };
        await putRunFile(s3, BUCKET, runKey(runId, 'exit.json', label), JSON.stringify(exit));
        task.exit(code);
      })();
    };
    const out = collecting();
    const result = await awsRun(
      { target, command: ['storage', 'copy'], tasks: 2, reportDir, pollMs: 100 },
      { ...clients, onLine: out.onLine },
    );
    assert.equal(result.exitCode, 3);
    assert.deepEqual(
      result.tasks.map((t) => [t.label, t.exitCode, t.stdout]),
      [
        ['1-of-2', 0, 'shard 1/2 done\n'],
        ['2-of-2', 3, 'shard 2/2 done\n'],
      ],
    );
    assert.deepEqual(out.lines.map((l) => `${l.task}: ${l.line}`).sort(), [
      '1-of-2: copying shard 1/2',
      '2-of-2: copying shard 2/2',
    ]);
    const reports = readPhaseReports(reportDir);
    assert.equal(reports.length, 2, 'supa2aws report reads both shards');
    assert.deepEqual(reports.map((r) => r.ok).sort(), [false, true]);
  });

  it('GIVEN a running task WHEN the operator presses Ctrl-C THEN aws run calls StopTask for it and ends INTERRUPTED (exit 130)', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    container = (task) => {
      task.log('copying table public.videos');
      started();
      void task.stopped.then(() => setTimeout(() => task.exit(130), 50));
    };
    const controller = new AbortController();
    const out = collecting();
    const run = awsRun(
      { target, command: ['db', 'copy'], reportDir: path.join(work, 'r4'), pollMs: 100 },
      {
        ...clients,
        signal: controller.signal,
        onLine: (line, task) => {
          out.onLine(line, task);
          controller.abort();
        },
      },
    );
    await running;
    await assert.rejects(
      run,
      (error) => isSupa2awsError(error) && error.code === 'INTERRUPTED' && error.exitCode === 130,
    );
    const stop = standIn.calls.filter((c) => c.op === 'StopTask').at(-1);
    const started_ = standIn.calls.filter((c) => c.op === 'RunTask').length;
    assert.ok(stop, 'StopTask was called');
    assert.equal(stop.body.cluster, target.cluster);
    assert.match(String(stop.body.task), /^arn:aws:ecs:eu-west-1:123456789012:task\//);
    assert.match(String(stop.body.reason), /Ctrl-C/);
    assert.ok(started_ >= 1);
    assert.deepEqual(
      out.lines.map((l) => l.line),
      ['copying table public.videos'],
    );
  });

  it('GIVEN a container that never ran (image pull failed) WHEN the task stops THEN AWS_RUN_TASK_FAILED names ECS’s reason, exit 3', async () => {
    container = (task) =>
      task.exit(undefined, 'CannotPullContainerError: pull image manifest has been retried 5 time(s)');
    await assert.rejects(
      awsRun(
        { target, command: ['db', 'verify'], reportDir: path.join(work, 'r5'), pollMs: 100 },
        { ...clients, onLine: () => undefined },
      ),
      (error) =>
        isSupa2awsError(error) &&
        error.code === 'AWS_RUN_TASK_FAILED' &&
        error.exitCode === 3 &&
        /CannotPullContainerError/.test(error.message),
    );
  });
});

describe('aws in-task, the container’s side', { timeout: 60_000 }, () => {
  it('GIVEN a command that writes a phase report and exits 3 WHEN run in the task THEN its stdout, report and exit.json are in the run’s folder', async () => {
    const bin = path.join(work, 'fake-supa2aws.mjs');
    writeFileSync(
      bin,
      [
        "import { mkdirSync, writeFileSync } from 'node:fs';",
        "mkdirSync('out', { recursive: true });",
        "writeFileSync('out/db-copy.json', JSON.stringify({ version: 1, phase: 'db', command: 'copy' }));",
        "process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), pw: process.env.SUPABASE_DB_PASSWORD === undefined ? 'unset' : 'set' }));",
        'process.exitCode = 3;',
      ].join('\n'),
    );
    const controller = new AbortController();
    const code = await runInTask(
      {
        command: ['db', 'copy', '--report-dir', 'out'],
        env: {
          ...containerEnv(SECRET),
          SUPA2AWS_RUN_URI: `s3://${BUCKET}/runs/it-1/`,
          SUPA2AWS_RUN_TASK: '1',
        },
        bin,
        tmpDir: work,
      },
      {
        s3,
        signal: controller.signal,
        secrets: {
          send: async () => ({ SecretString: JSON.stringify({ SUPABASE_DB_PASSWORD: SOURCE_PASSWORD }) }),
        },
      },
    );
    assert.equal(code, 3);
    const exit = JSON.parse(
      (await getRunFile(s3, BUCKET, 'runs/it-1/task-1/exit.json'))!.toString(),
    ) as TaskExit;
    assert.deepEqual(exit, { exitCode: 3, reports: ['db-copy.json'], outputs: [] });
    const stdout = JSON.parse((await getRunFile(s3, BUCKET, 'runs/it-1/task-1/stdout'))!.toString()) as {
      argv: string[];
      pw: string;
    };
    assert.deepEqual(stdout, { argv: ['db', 'copy', '--report-dir', 'out'], pw: 'set' });
    const report = (await getRunFile(s3, BUCKET, 'runs/it-1/task-1/reports/db-copy.json'))!.toString();
    assert.deepEqual(JSON.parse(report), { version: 1, phase: 'db', command: 'copy' });
    assert.ok(!readFileSync(bin, 'utf8').includes(SOURCE_PASSWORD));
  });
});
