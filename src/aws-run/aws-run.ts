/**
 * `supa2aws aws run -- <command…>`: runs a supa2aws command as one-off ECS Fargate tasks of the migration
 * stack, with the operator's terminal attached. Named steps: plan (no AWS call: the tasks and their RunTask
 * requests), upload the config and the files the command reads (a saved plan, a reviewed schema), start the
 * tasks, follow their logs until every task is STOPPED, drain the logs, collect what each task wrote back
 * (stdout, exit code, phase reports into the local report folder, the files the command wrote to the paths
 * the operator named).
 * Ctrl-C (the signal) stops every task with StopTask and ends INTERRUPTED (exit 130).
 *
 * AWS calls (the operator's credentials): s3:PutObject/GetObject on the runs bucket, ecs:RunTask (with
 * iam:PassRole on the task's roles), ecs:DescribeTasks, ecs:StopTask, logs:GetLogEvents.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type DescribeTasksCommandOutput,
  type RunTaskCommandInput,
  type RunTaskCommandOutput,
  type StopTaskCommandOutput,
  type Task,
} from '@aws-sdk/client-ecs';
import { InterruptedError, Supa2awsError } from '../core/errors.ts';
import { assertOutFile } from '../core/plan-file.ts';
import { silentReporter, type Reporter } from '../core/reporter.ts';
import {
  APP_DB_PASSWORD_ENV,
  MIGRATE_USER_PASSWORD_ENV,
  SOURCE_DB_PASSWORD_ENV,
  SOURCE_S3_ACCESS_KEY_ENV,
  SOURCE_S3_SECRET_ENV,
  TARGET_DB_PASSWORD_ENV,
} from '../core/config/secret-refs.ts';
import { awsRunError } from './errors.ts';
import { LogFollower, type LogsClient } from './log-follower.ts';
import { RUN_FILES } from './run-contract.ts';
import { localPaths, runFileArgs, type RunFile } from './run-file-args.ts';
import {
  configVariables,
  getRunFile,
  putRunFile,
  readRunConfig,
  type RunS3Client,
  type TaskExit,
} from './run-files.ts';
import {
  assertOverridesFit,
  buildRunTaskRequest,
  configKey,
  logStreamName,
  newRunId,
  planRunTasks,
  runKey,
  runUri,
  type RunTaskSpec,
} from './run-task-request.ts';
import type { RunTarget } from './run-target.ts';

export interface EcsClient {
  send(command: RunTaskCommand): Promise<RunTaskCommandOutput>;
  send(command: DescribeTasksCommand): Promise<DescribeTasksCommandOutput>;
  send(command: StopTaskCommand): Promise<StopTaskCommandOutput>;
}

export interface AwsRunOptions {
  target: RunTarget;
  /** The supa2aws command the task runs, e.g. `['db', 'copy']`. */
  command: string[];
  /** Shards of a `storage copy`. @default 1 */
  tasks?: number;
  /** The JSON config the task reads (uploaded to the run's folder). @default none: the command gets no config */
  configFile?: string;
  /** Where the tasks' phase reports are copied, for `supa2aws report`. */
  reportDir: string;
  /** Run the command with --json, so its events reach the terminal as NDJSON. @default false */
  json?: boolean;
  /**
   * Run the command with --yes: the operator has answered its question already (a task has no terminal to
   * ask on, and a command that changes a live system refuses there without --yes). @default false
   */
  yes?: boolean;
  /** @default a new time-ordered ID */
  runId?: string;
  /** How often the logs and the tasks' states are read, in ms. @default 2000 */
  pollMs?: number;
}

export interface AwsRunDeps {
  ecs: EcsClient;
  logs: LogsClient;
  s3: RunS3Client;
  /** Every line the container writes, unchanged, with the task it came from. */
  onLine(line: string, task: RunTaskSpec): void;
  reporter?: Reporter;
  /** Ctrl-C: stop the tasks. */
  signal?: AbortSignal;
  /** @default () => new Date() */
  now?: () => Date;
}

/** What `--dry-run` prints: the tasks and their RunTask requests, no secret anywhere. */
export interface AwsRunPlan {
  version: 1;
  runId: string;
  region: string;
  /** The run's folder in the runs bucket. */
  runUri: string;
  /** Where the config goes, when one is uploaded. */
  config: string | undefined;
  /** Files the command reads (uploaded to the run's `inputs/`) and writes (brought back from `outputs/`). */
  files: { inputs: RunFile[]; outputs: RunFile[] };
  tasks: Array<RunTaskSpec & { request: RunTaskCommandInput; logStream: string }>;
}

export interface TaskOutcome {
  label: string;
  taskArn: string;
  /** The container's exit code. */
  exitCode: number;
  /** What the command printed on stdout (its result). */
  stdout: string;
  /** Phase reports copied into the report folder. */
  reports: string[];
  /** The files the command wrote, brought back to the paths it was given. */
  outputs: string[];
}

export interface AwsRunResult {
  runId: string;
  runUri: string;
  /** The first failing task's exit code, else 0. */
  exitCode: number;
  tasks: TaskOutcome[];
}

/** Variables a task's environment has whatever the migration secret holds (task definition secrets). */
const TASK_VARIABLES = [TARGET_DB_PASSWORD_ENV, APP_DB_PASSWORD_ENV, MIGRATE_USER_PASSWORD_ENV];
/** The keys the stack puts into the migration secret's template. */
const SECRET_TEMPLATE_VARIABLES = [SOURCE_DB_PASSWORD_ENV, SOURCE_S3_ACCESS_KEY_ENV, SOURCE_S3_SECRET_ENV];

/**
 * The run, without touching AWS: what `--dry-run` prints and what `awsRun` does. The config is read and
 * refused here already when it holds a literal secret.
 */
export function planAwsRun(options: AwsRunOptions, now: Date = new Date()): AwsRunPlan {
  const runId = options.runId ?? newRunId(now);
  const files = runFileArgs(options.command);
  for (const output of files.outputs) assertOutFile(output.local, options.reportDir);
  const specs = planRunTasks(files.command, options.tasks ?? 1, {
    json: options.json ?? false,
    yes: options.yes ?? false,
  });
  if (options.configFile) readRunConfig(options.configFile);
  return {
    version: 1,
    runId,
    region: options.target.region,
    runUri: runUri(options.target, runId),
    config: options.configFile ? `s3://${options.target.runsBucket}/${configKey(runId)}` : undefined,
    files: { inputs: files.inputs, outputs: files.outputs },
    tasks: specs.map((spec) => {
      const request = buildRunTaskRequest(options.target, runId, spec, {
        config: options.configFile !== undefined,
        inputs: files.inputs.map((f) => f.name),
        outputs: files.outputs.map((f) => f.name),
      });
      assertOverridesFit(request);
      return {
        ...spec,
        request,
        logStream: `${options.target.logStreamPrefix}/${options.target.container}/<task id>`,
      };
    }),
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A report's local name: as written for one task; for shards, with the shard's label before the extension. */
export function localReportName(name: string, task: RunTaskSpec, tasks: number): string {
  return tasks === 1 ? name : name.replace(/(\.[A-Za-z0-9]+)?$/, `.shard-${task.label}$1`);
}

/**
 * Writes what a task sent back as a new file of mode 0600 in place of any at `file`: written over, an older
 * file would keep its own mode, and these hold users' data (the import CSV holds password hashes).
 */
function writePrivateFile(file: string, body: Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, body, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}

class Run {
  private readonly reporter: Reporter;
  private readonly started: Array<{ spec: RunTaskSpec; arn: string; follower: LogFollower }> = [];
  private readonly stopped = new Map<string, Task>();

  constructor(
    private readonly options: AwsRunOptions,
    private readonly deps: AwsRunDeps,
    private readonly plan: AwsRunPlan,
  ) {
    this.reporter = deps.reporter ?? silentReporter;
  }

  private get target(): RunTarget {
    return this.options.target;
  }

  /** Uploads the files the command reads to the run's `inputs/`. */
  async uploadInputs(): Promise<void> {
    for (const file of this.plan.files.inputs) {
      const key = runKey(this.plan.runId, `${RUN_FILES.inputs}${file.name}`);
      await putRunFile(this.deps.s3, this.target.runsBucket, key, readFileSync(file.local));
    }
  }

  async uploadConfig(): Promise<void> {
    if (!this.options.configFile) return;
    const text = readRunConfig(this.options.configFile);
    const unknown = configVariables(text).filter(
      (v) => !TASK_VARIABLES.includes(v) && !SECRET_TEMPLATE_VARIABLES.includes(v),
    );
    for (const name of unknown) {
      this.reporter.emit({
        type: 'log',
        level: 'warn',
        message: `the config reads \${${name}}: the task has it only if the migration secret (${this.target.secretArn}) has a key ${name}`,
      });
    }
    await putRunFile(this.deps.s3, this.target.runsBucket, configKey(this.plan.runId), text);
  }

  async start(): Promise<void> {
    for (const task of this.plan.tasks) {
      let out: RunTaskCommandOutput;
      try {
        out = await this.deps.ecs.send(new RunTaskCommand(task.request));
      } catch (error) {
        await this.stopAll('supa2aws aws run: another task of the run could not start');
        throw awsRunError(error, `ecs:RunTask on cluster ${this.target.cluster}`);
      }
      const arn = out.tasks?.[0]?.taskArn;
      if (!arn) {
        await this.stopAll('supa2aws aws run: another task of the run could not start');
        const reasons = (out.failures ?? []).map(
          (f) => `${f.reason ?? 'unknown'}${f.detail ? ` (${f.detail})` : ''}`,
        );
        throw new Supa2awsError(
          'AWS_RUN_TASK_NOT_STARTED',
          `ECS did not start task ${task.label}: ${reasons.join('; ') || 'no task returned'}`,
          {
            exit: 'environment',
            hint: 'Capacity or quota reasons pass: run again in a minute. MISSING or INACTIVE means the outputs file is older than the stacks.',
            details: { failures: out.failures ?? [] },
          },
        );
      }
      const spec = { label: task.label, command: task.command };
      const follower = new LogFollower({
        client: this.deps.logs,
        logGroup: this.target.logGroup,
        stream: logStreamName(this.target, arn),
        onLine: (line) => this.deps.onLine(line, spec),
      });
      this.started.push({ spec, arn, follower });
      this.reporter.emit({
        type: 'log',
        level: 'info',
        message: `task ${task.label} started: ${arn} (logs: ${this.target.logGroup} ${logStreamName(this.target, arn)})`,
        data: { taskArn: arn, task: task.label },
      });
    }
  }

  /** Follows every task's logs until all are STOPPED; on Ctrl-C stops them and throws INTERRUPTED. */
  async follow(): Promise<void> {
    const signal = this.deps.signal;
    const pollMs = this.options.pollMs ?? 2000;
    while (this.stopped.size < this.started.length) {
      if (signal?.aborted) {
        await this.stopAll('supa2aws aws run: interrupted (Ctrl-C)');
        throw new InterruptedError(`aws run ${this.plan.runId}`);
      }
      for (const task of this.started) await task.follower.poll();
      await this.describe();
      if (this.stopped.size < this.started.length) await sleep(pollMs, signal);
    }
    for (const task of this.started) await task.follower.drain();
  }

  private async describe(): Promise<void> {
    const pending = this.started.filter((t) => !this.stopped.has(t.arn)).map((t) => t.arn);
    let out: DescribeTasksCommandOutput;
    try {
      out = await this.deps.ecs.send(
        new DescribeTasksCommand({ cluster: this.target.cluster, tasks: pending }),
      );
    } catch (error) {
      throw awsRunError(error, `ecs:DescribeTasks on cluster ${this.target.cluster}`);
    }
    for (const task of out.tasks ?? []) {
      if (task.taskArn && task.lastStatus === 'STOPPED') this.stopped.set(task.taskArn, task);
    }
  }

  private async stopAll(reason: string): Promise<void> {
    for (const task of this.started.filter((t) => !this.stopped.has(t.arn))) {
      try {
        await this.deps.ecs.send(
          new StopTaskCommand({ cluster: this.target.cluster, task: task.arn, reason }),
        );
        this.reporter.emit({
          type: 'log',
          level: 'warn',
          message: `task ${task.spec.label} stopped: ${task.arn}`,
        });
      } catch (error) {
        this.reporter.emit({
          type: 'log',
          level: 'error',
          message: `could not stop task ${task.arn}: ${awsRunError(error, 'ecs:StopTask').message}; stop it with aws ecs stop-task --cluster ${this.target.cluster} --task ${task.arn}`,
        });
      }
    }
  }

  /** Each task's exit code, stdout and reports; a container that never ran is an error naming why. */
  async collect(): Promise<TaskOutcome[]> {
    const notRun = this.started.flatMap(({ spec, arn }) => {
      const task = this.stopped.get(arn)!;
      const container = task.containers?.find((c) => c.name === this.target.container);
      return container?.exitCode === undefined || container.exitCode === null
        ? [
            `task ${spec.label}: ${task.stoppedReason ?? task.stopCode ?? 'stopped'}${container?.reason ? ` (${container.reason})` : ''}`,
          ]
        : [];
    });
    if (notRun.length > 0) {
      throw new Supa2awsError(
        'AWS_RUN_TASK_FAILED',
        `the container did not run to the end: ${notRun.join('; ')}`,
        {
          exit: 'environment',
          hint: 'CannotPullContainerError or ResourceInitializationError: the subnets reach neither ECR nor Secrets Manager (public subnets need MigrationAssignPublicIp ENABLED; private ones a NAT gateway or endpoints), or the execution role cannot read a secret.',
          details: { runId: this.plan.runId },
        },
      );
    }
    const outcomes: TaskOutcome[] = [];
    for (const { spec, arn } of this.started) {
      const container = this.stopped.get(arn)!.containers!.find((c) => c.name === this.target.container)!;
      outcomes.push({
        label: spec.label,
        taskArn: arn,
        exitCode: container.exitCode!,
        ...(await this.results(spec)),
      });
    }
    return outcomes;
  }

  private async results(
    spec: RunTaskSpec,
  ): Promise<{ stdout: string; reports: string[]; outputs: string[] }> {
    const { s3 } = this.deps;
    const bucket = this.target.runsBucket;
    const runId = this.plan.runId;
    const exitFile = await getRunFile(s3, bucket, runKey(runId, RUN_FILES.exit, spec.label));
    if (!exitFile) {
      this.reporter.emit({
        type: 'log',
        level: 'warn',
        message: `task ${spec.label} wrote no results to ${this.plan.runUri}task-${spec.label}/: it was stopped, or failed before running the command (its log above says why)`,
      });
      return { stdout: '', reports: [], outputs: [] };
    }
    const exit = JSON.parse(exitFile.toString('utf8')) as TaskExit;
    const stdout = localPaths(
      (await getRunFile(s3, bucket, runKey(runId, RUN_FILES.stdout, spec.label)))?.toString('utf8') ?? '',
      this.plan.files,
      this.options.json === true,
    );
    const reports: string[] = [];
    for (const name of exit.reports) {
      const body = await getRunFile(s3, bucket, runKey(runId, `${RUN_FILES.reports}${name}`, spec.label));
      if (!body) continue;
      const file = path.join(this.options.reportDir, localReportName(name, spec, this.started.length));
      writePrivateFile(file, body);
      reports.push(file);
    }
    const outputs: string[] = [];
    for (const wanted of this.plan.files.outputs) {
      const file = localReportName(wanted.local, spec, this.started.length);
      const body = (exit.outputs ?? []).includes(wanted.name)
        ? await getRunFile(s3, bucket, runKey(runId, `${RUN_FILES.outputs}${wanted.name}`, spec.label))
        : undefined;
      if (!body) {
        this.reporter.emit({
          type: 'log',
          level: 'warn',
          message: `task ${spec.label} wrote no ${wanted.given}${existsSync(file) ? `: ${file} is an older one, not this run's` : ''}`,
        });
        continue;
      }
      writePrivateFile(file, body);
      outputs.push(file);
    }
    return { stdout, reports, outputs };
  }
}

/** Runs the command in AWS and returns once every task has stopped and its results are local. */
export async function awsRun(options: AwsRunOptions, deps: AwsRunDeps): Promise<AwsRunResult> {
  const plan = planAwsRun(options, (deps.now ?? (() => new Date()))());
  const run = new Run(options, deps, plan);
  await run.uploadConfig();
  await run.uploadInputs();
  await run.start();
  await run.follow();
  const tasks = await run.collect();
  return {
    runId: plan.runId,
    runUri: plan.runUri,
    exitCode: tasks.find((t) => t.exitCode !== 0)?.exitCode ?? 0,
    tasks,
  };
}
