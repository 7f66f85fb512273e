/**
 * The names `supa2aws aws run` (on the operator's machine), `supa2aws aws in-task` (in the container) and the
 * migration stack (infra/lib/migration-stack.ts) share. Free of imports, so the CDK app can load it.
 */

/** The container's name in the task definition (the `name` of a RunTask container override). */
export const RUN_CONTAINER_NAME = 'supa2aws';

/** The awslogs stream prefix: a task's stream is `run/supa2aws/<task id>`. */
export const RUN_LOG_STREAM_PREFIX = 'run';

/** The environment variable naming the JSON secret whose keys the task puts into its environment. */
export const RUN_SECRETS_ID_ENV = 'SUPA2AWS_SECRETS_ID';

/** The environment variable (container override) naming the run's S3 folder: `s3://<bucket>/runs/<run id>/`. */
export const RUN_URI_ENV = 'SUPA2AWS_RUN_URI';

/** The environment variable (container override) naming the task within its run: `1`, or `2-of-4` for a shard. */
export const RUN_TASK_ENV = 'SUPA2AWS_RUN_TASK';

/** The environment variable (container override) naming the config to read, `s3://…/config.json`, when the run has one. */
export const RUN_CONFIG_ENV = 'SUPA2AWS_RUN_CONFIG';

/**
 * The environment variables (container overrides) naming the run's files, as JSON arrays of names: the
 * inputs aws run uploaded (run-wide, `inputs/<name>`), and the outputs the task writes back (`outputs/<name>`).
 */
export const RUN_INPUTS_ENV = 'SUPA2AWS_RUN_INPUTS';
export const RUN_OUTPUTS_ENV = 'SUPA2AWS_RUN_OUTPUTS';

/** Where runs live in the runs bucket; the task role may read and write only under it. */
export const RUNS_PREFIX = 'runs/';

/** Files of a run's folder: the config and inputs (run-wide), and per task the command's stdout, exit, reports and outputs. */
export const RUN_FILES = {
  config: 'config.json',
  stdout: 'stdout',
  exit: 'exit.json',
  reports: 'reports/',
  inputs: 'inputs/',
  outputs: 'outputs/',
} as const;
