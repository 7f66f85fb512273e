/**
 * The pure part of `aws run`: the command each task runs (N shards of `storage copy`, or one task), and the
 * ECS RunTask request that starts it from the stack outputs. The request carries no secret: the config is
 * an S3 object the task reads with its role, and the passwords are Secrets Manager references in the task
 * definition.
 */
import type { RunTaskCommandInput } from '@aws-sdk/client-ecs';
import { ConfigError } from '../core/errors.ts';
import {
  RUN_CONFIG_ENV,
  RUN_FILES,
  RUN_INPUTS_ENV,
  RUN_OUTPUTS_ENV,
  RUN_TASK_ENV,
  RUN_URI_ENV,
  RUNS_PREFIX,
} from './run-contract.ts';
import type { RunTarget } from './run-target.ts';

/** One task of a run: what it runs and where its files go. */
export interface RunTaskSpec {
  /** `1` for a single task; `2-of-4` for the second of four shards. */
  label: string;
  /** The supa2aws command, as the container runs it after `aws in-task --`. */
  command: string[];
}

/** Flags the task decides itself: the config comes from the run, credentials from the task role. */
const FORBIDDEN_FLAGS = ['-c', '--config', '--profile'];

/** The command's top-level words (global flags and their values skipped): `storage copy --json` → storage, copy. */
export function commandWords(command: readonly string[]): string[] {
  const valued = new Set(['-c', '--config', '--region', '--profile']);
  const words: string[] = [];
  for (let i = 0; i < command.length; i++) {
    const arg = command[i]!;
    if (valued.has(arg)) i++;
    else if (!arg.startsWith('-')) words.push(arg);
  }
  return words;
}

/**
 * The tasks of a run: one, or with `tasks` > 1 the shards of a `storage copy`, shard i of N running
 * `storage copy --shard i/N` for i = 1..N (the partition `storage copy --shard` takes). With `json` the
 * command runs with --json; with `yes`, with --yes (the operator answered its question before the run).
 */
export function planRunTasks(
  command: readonly string[],
  tasks = 1,
  options: { json?: boolean; yes?: boolean } = {},
): RunTaskSpec[] {
  if (command.length === 0) {
    throw new ConfigError('AWS_RUN_NO_COMMAND', 'aws run needs the supa2aws command to run after --', {
      exit: 'usage',
      hint: 'For example: supa2aws aws run -- db schema --out schema.sql',
    });
  }
  const forbidden = command.find((arg) => FORBIDDEN_FLAGS.includes(arg.split('=')[0]!));
  if (forbidden) {
    throw new ConfigError(
      'AWS_RUN_FLAG_NOT_ALLOWED',
      `aws run decides ${forbidden} for the task; remove it from the command`,
      {
        exit: 'usage',
        hint: 'The task reads the config aws run uploads (pass -c before `aws run` to choose it) and uses its own role.',
      },
    );
  }
  const words = commandWords(command);
  if (words[0] === 'aws') {
    throw new ConfigError('AWS_RUN_NESTED', 'aws run cannot start another aws command inside a task', {
      exit: 'usage',
      hint: 'Name the phase command itself: supa2aws aws run -- db copy',
    });
  }
  if (!Number.isInteger(tasks) || tasks < 1) {
    throw new ConfigError('AWS_RUN_TASKS_INVALID', `--tasks is ${tasks}; expected a whole number >= 1`, {
      exit: 'usage',
      hint: 'For example: supa2aws aws run --tasks 4 -- storage copy',
    });
  }
  const given = (...flags: string[]) => command.some((arg) => flags.includes(arg));
  const base = [
    ...(options.json && !given('--json') ? ['--json'] : []),
    ...(options.yes && !given('--yes', '-y') ? ['--yes'] : []),
    ...command,
  ];
  if (tasks === 1) return [{ label: '1', command: base }];
  if (words[0] !== 'storage' || words[1] !== 'copy' || command.some((a) => a.split('=')[0] === '--shard')) {
    throw new ConfigError(
      'AWS_RUN_TASKS_NOT_SHARDABLE',
      `--tasks ${tasks} splits only \`storage copy\` (without --shard); got \`${words.join(' ')}\``,
      {
        exit: 'usage',
        hint: 'Run every other command as one task (no --tasks); `storage verify` checks the whole plan after the shards.',
      },
    );
  }
  return Array.from({ length: tasks }, (_, i) => ({
    label: `${i + 1}-of-${tasks}`,
    command: [...base, '--shard', `${i + 1}/${tasks}`],
  }));
}

/** `s3://<bucket>/runs/<run id>/`: the run's folder (config.json, then one folder per task). */
export function runUri(target: RunTarget, runId: string): string {
  return `s3://${target.runsBucket}/${RUNS_PREFIX}${runId}/`;
}

/** The S3 key of a run's file: the config, or a task's stdout, exit status or reports folder. */
export function runKey(runId: string, file: string, task?: string): string {
  return `${RUNS_PREFIX}${runId}/${task ? `task-${task}/` : ''}${file}`;
}

export const configKey = (runId: string) => runKey(runId, RUN_FILES.config);

/**
 * The RunTask request of one task: the stack's network, and as overrides the command, the run's folder,
 * with `config` where the uploaded config is, and the names of the run's input and output files.
 */
export function buildRunTaskRequest(
  target: RunTarget,
  runId: string,
  task: RunTaskSpec,
  options: { config: boolean; inputs?: readonly string[]; outputs?: readonly string[] },
): RunTaskCommandInput {
  const files = (name: string, names: readonly string[] | undefined) =>
    names?.length ? [{ name, value: JSON.stringify(names) }] : [];
  return {
    cluster: target.cluster,
    taskDefinition: target.taskDefinition,
    launchType: 'FARGATE',
    count: 1,
    startedBy: `supa2aws-${runId}`.slice(0, 128),
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: target.subnets,
        securityGroups: target.securityGroups,
        assignPublicIp: target.assignPublicIp,
      },
    },
    overrides: {
      containerOverrides: [
        {
          name: target.container,
          command: ['aws', 'in-task', '--', ...task.command],
          environment: [
            { name: RUN_URI_ENV, value: runUri(target, runId) },
            { name: RUN_TASK_ENV, value: task.label },
            ...(options.config
              ? [{ name: RUN_CONFIG_ENV, value: `s3://${target.runsBucket}/${configKey(runId)}` }]
              : []),
            ...files(RUN_INPUTS_ENV, options.inputs),
            ...files(RUN_OUTPUTS_ENV, options.outputs),
          ],
        },
      ],
    },
  };
}

/** ECS RunTask takes at most this many characters of overrides, JSON formatting included (RunTask API reference). */
export const MAX_OVERRIDES_CHARS = 8192;

/**
 * Refuses a request ECS would refuse ("Container Overrides length must be at most 8192"), before anything is
 * uploaded: a long command, or the names of many input files (a large migrations folder).
 */
export function assertOverridesFit(request: RunTaskCommandInput): void {
  const length = JSON.stringify(request.overrides ?? {}).length;
  if (length <= MAX_OVERRIDES_CHARS) return;
  throw new ConfigError(
    'AWS_RUN_OVERRIDES_TOO_LONG',
    `the task's overrides would be ${length} characters; ECS RunTask takes at most ${MAX_OVERRIDES_CHARS}`,
    {
      exit: 'usage',
      details: { length },
      hint: 'Each input file is named in the overrides: with --from-migrations and a few hundred files, squash old migrations into one (supabase migration squash), or run db schema from a machine that reaches RDS.',
    },
  );
}

/** A run ID: sortable by time, unique enough for one operator (`20261205T084200Z-3f9a1c`). */
export function newRunId(now: Date, random: () => number = Math.random): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const suffix = Math.floor(random() * 0xffffff)
    .toString(16)
    .padStart(6, '0');
  return `${stamp}-${suffix}`;
}

/** The awslogs stream of a task: `<prefix>/<container>/<task id>`. */
export function logStreamName(target: RunTarget, taskArn: string): string {
  return `${target.logStreamPrefix}/${target.container}/${taskArn.split('/').at(-1)}`;
}
