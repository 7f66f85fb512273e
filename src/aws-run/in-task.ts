/**
 * `supa2aws aws in-task -- <command…>`, the container's side of `aws run`: reads the run's config from S3 and
 * the migration secret's keys into the command's environment (by the task role; values never printed), runs
 * the command in a fresh working folder (with the run's input files in `inputs/`) with its stderr going to the
 * task's log unchanged, then writes back to the run's folder its stdout, its phase reports, the output files
 * it wrote (`outputs/`) and last `exit.json`, and exits with the command's code.
 * SIGTERM (StopTask) is passed on to the command, which stops cleanly; its reports are still uploaded.
 */
import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.ts';
import { DEFAULT_REPORT_DIR } from '../report/phase-report.ts';
import { loadSecrets, type SecretsClient } from '@supa2aws/runtime/secrets';
import {
  RUN_CONFIG_ENV,
  RUN_FILES,
  RUN_INPUTS_ENV,
  RUN_OUTPUTS_ENV,
  RUN_SECRETS_ID_ENV,
  RUN_TASK_ENV,
  RUN_URI_ENV,
  RUNS_PREFIX,
} from './run-contract.ts';
import { getRunFile, putRunFile, type RunS3Client, type TaskExit } from './run-files.ts';
import { runKey } from './run-task-request.ts';

/** This package's CLI entry (bin/supa2aws.js), from src/aws-run and dist/aws-run alike. */
export const SUPA2AWS_BIN = fileURLToPath(new URL('../../bin/supa2aws.js', import.meta.url));

export interface InTaskOptions {
  command: string[];
  /** The container's environment: the run's variables and the task definition's secrets. */
  env: NodeJS.ProcessEnv;
  /** @default SUPA2AWS_BIN */
  bin?: string;
  /** Where the working folder is made. @default os.tmpdir() */
  tmpDir?: string;
}

export interface InTaskDeps {
  s3: RunS3Client;
  /** @default a Secrets Manager client of the task's region */
  secrets?: SecretsClient;
  /** StopTask's SIGTERM. */
  signal: AbortSignal;
}

interface RunLocation {
  bucket: string;
  runId: string;
  task: string;
}

function parseS3Uri(uri: string, name: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!match) {
    throw new ConfigError(
      'AWS_IN_TASK_BAD_URI',
      `${name} is ${JSON.stringify(uri)}; expected s3://<bucket>/<key>`,
      {
        exit: 'usage',
        hint: 'aws in-task is started by `supa2aws aws run`, which sets it.',
      },
    );
  }
  return { bucket: match[1]!, key: match[2]! };
}

function runLocation(env: NodeJS.ProcessEnv): RunLocation {
  const uri = env[RUN_URI_ENV];
  if (!uri) {
    throw new ConfigError(
      'AWS_IN_TASK_NOT_IN_TASK',
      `${RUN_URI_ENV} is not set: aws in-task runs inside a task started by aws run`,
      {
        exit: 'usage',
        hint: 'Run the command with `supa2aws aws run -- <command…>`, or run it directly here.',
      },
    );
  }
  const { bucket, key } = parseS3Uri(uri, RUN_URI_ENV);
  const runId = key.startsWith(RUNS_PREFIX) ? key.slice(RUNS_PREFIX.length).replace(/\/$/, '') : '';
  if (!runId || runId.includes('/')) {
    throw new ConfigError(
      'AWS_IN_TASK_BAD_URI',
      `${RUN_URI_ENV} is ${JSON.stringify(uri)}; expected s3://<bucket>/${RUNS_PREFIX}<run id>/`,
      {
        exit: 'usage',
        hint: 'aws in-task is started by `supa2aws aws run`, which sets it.',
      },
    );
  }
  return { bucket, runId, task: env[RUN_TASK_ENV] || '1' };
}

/** The command's report folder: its `--report-dir` (or `report --dir`), else the default. */
export function reportDirOf(command: readonly string[]): string {
  for (let i = 0; i < command.length; i++) {
    const [flag, inline] = command[i]!.split(/=(.*)/s);
    if (flag === '--report-dir' || (flag === '--dir' && command.includes('report')))
      return inline ?? command[i + 1] ?? DEFAULT_REPORT_DIR;
  }
  return DEFAULT_REPORT_DIR;
}

/** A file's name in the run's folder: `name`, or `folder/name` for a folder's files. */
const SAFE_NAME = /^[^/\\]+(\/[^/\\]+)?$/;

/** The names an environment variable of the run lists (a JSON array of file names), none when unset. */
function fileNames(env: NodeJS.ProcessEnv, name: string): string[] {
  const value = env[name];
  if (!value) return [];
  let names: unknown;
  try {
    names = JSON.parse(value);
  } catch {
    names = undefined;
  }
  if (
    !Array.isArray(names) ||
    !names.every((n) => typeof n === 'string' && SAFE_NAME.test(n) && !/(^|\/)\.\.?(\/|$)/.test(n))
  ) {
    throw new ConfigError(
      'AWS_IN_TASK_BAD_FILES',
      `${name} is ${JSON.stringify(value)}; expected a JSON array of file names`,
      {
        exit: 'usage',
        hint: 'aws in-task is started by `supa2aws aws run`, which sets it.',
      },
    );
  }
  return names as string[];
}

/** The migration secret's non-empty keys, added to `env` where it has no value of its own. */
async function secretEnvironment(
  env: NodeJS.ProcessEnv,
  client: SecretsClient | undefined,
): Promise<NodeJS.ProcessEnv> {
  const secretId = env[RUN_SECRETS_ID_ENV];
  if (!secretId) return env;
  const loaded = await loadSecrets({
    secretId,
    ...(client ? { client } : {}),
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
  });
  const out = { ...env };
  for (const [key, value] of Object.entries(loaded.values)) {
    if (value !== '' && out[key] === undefined && key !== 'SUPA2AWS_PLACEHOLDER') out[key] = value;
  }
  return out;
}

function runCommand(
  bin: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; stdoutFile: string; signal: AbortSignal },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const out = createWriteStream(options.stdoutFile, { mode: 0o600 });
    child.stdout.pipe(out);
    const stop = () => child.kill('SIGTERM');
    options.signal.addEventListener('abort', stop, { once: true });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      options.signal.removeEventListener('abort', stop);
      out.end(() => resolve(code ?? (signal === 'SIGTERM' || signal === 'SIGINT' ? 130 : 1)));
    });
  });
}

/** Runs the command for `aws run` and returns its exit code, after its results are in S3. */
export async function runInTask(options: InTaskOptions, deps: InTaskDeps): Promise<number> {
  const where = runLocation(options.env);
  const work = mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), 'supa2aws-run-'));
  const args: string[] = [];
  const configUri = options.env[RUN_CONFIG_ENV];
  if (configUri) {
    const { bucket, key } = parseS3Uri(configUri, RUN_CONFIG_ENV);
    const body = await getRunFile(deps.s3, bucket, key);
    if (!body) {
      throw new ConfigError('AWS_IN_TASK_CONFIG_MISSING', `the run's config ${configUri} is not there`, {
        exit: 'usage',
        hint: `Runs expire from the runs bucket; start the command again with supa2aws aws run.`,
      });
    }
    const file = path.join(work, RUN_FILES.config);
    writeFileSync(file, body, { mode: 0o600 });
    args.push('--config', file);
  }
  const inputs = fileNames(options.env, RUN_INPUTS_ENV);
  const outputs = fileNames(options.env, RUN_OUTPUTS_ENV);
  for (const dir of [RUN_FILES.inputs, RUN_FILES.outputs]) mkdirSync(path.join(work, dir));
  for (const name of inputs) {
    const body = await getRunFile(deps.s3, where.bucket, runKey(where.runId, `${RUN_FILES.inputs}${name}`));
    if (!body) {
      throw new ConfigError('AWS_IN_TASK_INPUT_MISSING', `the run's input ${name} is not in its folder`, {
        exit: 'usage',
        hint: `Runs expire from the runs bucket; start the command again with supa2aws aws run.`,
      });
    }
    const file = path.join(work, RUN_FILES.inputs, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, body, { mode: 0o600 });
  }
  const env = await secretEnvironment(options.env, deps.secrets);
  const stdoutFile = path.join(work, '.stdout');
  const exitCode = await runCommand(options.bin ?? SUPA2AWS_BIN, [...args, ...options.command], {
    cwd: work,
    env,
    stdoutFile,
    signal: deps.signal,
  });

  const put = (file: string, body: string | Uint8Array) =>
    putRunFile(deps.s3, where.bucket, runKey(where.runId, file, where.task), body);
  await put(RUN_FILES.stdout, readFileSync(stdoutFile));
  const reportDir = path.resolve(work, reportDirOf(options.command));
  const reports = existsSync(reportDir)
    ? readdirSync(reportDir, { withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name)
    : [];
  for (const name of reports)
    await put(`${RUN_FILES.reports}${name}`, readFileSync(path.join(reportDir, name)));
  const written = outputs.filter((name) => existsSync(path.join(work, RUN_FILES.outputs, name)));
  for (const name of written)
    await put(`${RUN_FILES.outputs}${name}`, readFileSync(path.join(work, RUN_FILES.outputs, name)));
  const exit: TaskExit = { exitCode, reports, outputs: written };
  await put(RUN_FILES.exit, JSON.stringify(exit));
  return exitCode;
}
