/**
 * `supa2aws demo`: the whole migration on the local sandbox, end to end, with proof at every step —
 * storage (copy, verify, URL rewrite), database (schema, live replication with a writer, cutover, verify),
 * auth (export, a migrated user signs in with their old password), and the reference backend on the AWS side
 * (an image URL from a migrated row resolves, a video job completes and its file is in S3). Writes the phase
 * reports and the migration report. With a user's config (`--config`) every phase runs with that config,
 * against the sandbox it points at.
 */
import { requireRegion } from '../core/aws/aws-context.ts';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import path from 'node:path';
import {
  exportLegacyStoreFromConfig,
  exportReport,
  verifyAuthFromConfig,
  verifyReport as authVerifyReport,
} from '../auth/index.ts';
import { parseConfig, type Config } from '../config/index.ts';
import { libpqSslEnv } from '../core/pg-settings.ts';
import { SandboxError, Supa2awsError, VerifyError } from '../core/errors.ts';
import { silentReporter, type Reporter } from '../core/reporter.ts';
import { s3ClientFromConfig } from '../core/s3-from-config.ts';
import { readTestUsers } from '../fixture/index.ts';
import {
  DEFAULT_REPORT_DIR,
  timedReport,
  timingSince,
  writeMigrationReport,
  writePhaseReport,
  type PhaseReport,
} from '../report/index.ts';
import {
  readState,
  sandboxConfigFile,
  sandboxEnv,
  startSandbox,
  type Sandbox,
  type SandboxState,
  type SeedSize,
} from '../sandbox/index.ts';
import { startBackendProcesses, type BackendProcesses } from './backend-processes.ts';
import { exerciseBackend, signInWithOldPassword, type DemoSignIn } from './exercise.ts';
import { runDatabasePhase } from './database-phase.ts';
import { runStoragePhase } from './storage-phase.ts';

export interface DemoOptions {
  /** Where the sandbox keeps its state. @default '.sandbox' */
  stateDir?: string;
  /** Leave the sandbox and the backend... the sandbox up afterwards, to explore. @default false */
  keep?: boolean;
  /** Where phase reports and the migration report go. @default 'supa2aws-report' */
  reportDir?: string;
  seed?: SeedSize;
  /**
   * A user's config (`supa2aws demo --config`), e.g. one written by `init` and `config from-stack`: every
   * phase runs with it instead of the sandbox's own, against the sandbox already running in stateDir (its
   * endpoints are that sandbox's, so it was started first, with `supa2aws sandbox up`). The demo starts the
   * backend and leaves that sandbox running. @default the sandbox's own config, on a sandbox the demo starts
   */
  config?: { config: Config; file: string };
  reporter?: Reporter;
  signal?: AbortSignal;
}

export interface DemoStep {
  name: string;
  ok: boolean;
  ms: number;
  detail: string;
}

export interface DemoResult {
  ok: boolean;
  steps: DemoStep[];
  totalMs: number;
  reportDir: string;
  markdownFile: string;
  htmlFile: string;
  /** With --keep, or when the sandbox was running before: where to look. */
  kept?: { stateDir: string; configFile: string };
}

/** The sandbox a user's config points at: it must be up already (the demo did not start it). */
function runningSandbox(stateDir: string): SandboxState {
  const state = readState(path.resolve(stateDir));
  if (state?.status !== 'up')
    throw new SandboxError('DEMO_SANDBOX_NOT_UP', `no sandbox is running in ${stateDir} for --config`, {
      exit: 'environment',
      hint: 'Start it first (`supa2aws sandbox up --state-dir <dir>`), write the config against it (`supa2aws init`, then `supa2aws config from-stack`), then run `supa2aws demo --config <file> --state-dir <dir>`.',
    });
  return state;
}

function check(condition: boolean, code: string, message: string): void {
  if (!condition)
    throw new VerifyError(code, message, { exit: 'verifyFailed', hint: 'See the report for details.' });
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const reporter = options.reporter ?? silentReporter;
  const reportDir = path.resolve(options.reportDir ?? DEFAULT_REPORT_DIR);
  const started = Date.now();
  const steps: DemoStep[] = [];
  const reports: PhaseReport[] = [];
  let sandbox: Sandbox | undefined;
  let backend: BackendProcesses | undefined;

  const run = async <T>(name: string, fn: () => Promise<{ value: T; detail: string }>): Promise<T> => {
    options.signal?.throwIfAborted();
    reporter.emit({ type: 'step', step: name, status: 'start' });
    const t0 = Date.now();
    try {
      const { value, detail } = await fn();
      const ms = Date.now() - t0;
      steps.push({ name, ok: true, ms, detail });
      reporter.emit({ type: 'step', step: name, status: 'done', elapsedMs: ms, message: detail });
      return value;
    } catch (error) {
      const ms = Date.now() - t0;
      steps.push({ name, ok: false, ms, detail: (error as Error).message });
      reporter.emit({
        type: 'step',
        step: name,
        status: 'failed',
        elapsedMs: ms,
        message: (error as Error).message,
      });
      throw error;
    }
  };
  const keep = (report: PhaseReport) => {
    reports.push(report);
    writePhaseReport(reportDir, report);
    return report;
  };

  const stateDir = options.stateDir ?? '.sandbox';
  const fixtureDetail = (state: SandboxState) => {
    const fixture = state.fixture as { users?: { total?: number }; objects?: { total?: number } } | undefined;
    return `${fixture?.users?.total ?? '?'} users, ${fixture?.objects?.total ?? '?'} objects, 31 migrations`;
  };

  try {
    let state: SandboxState;
    if (options.config) {
      const file = options.config.file;
      state = await run(`sandbox: the stand-ins ${file} points at`, async () => {
        const running = runningSandbox(stateDir);
        return { value: running, detail: `${fixtureDetail(running)}; config ${file}` };
      });
    } else {
      sandbox = await run('sandbox: Supabase and AWS stand-ins, Aiuteur fixture', async () => {
        const sb = await startSandbox({
          stateDir,
          detached: options.keep === true,
          fixture: true,
          seed: options.seed ?? {},
          reporter,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        return { value: sb, detail: fixtureDetail(sb.state) };
      });
      state = sandbox.state;
    }
    const config: Config = options.config?.config ?? sandboxConfig(state);

    await run('storage: setup, copy, verify, rewrite URLs', async () => {
      const phase = await runStoragePhase(config, {
        reporter,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      phase.reports.forEach(keep);
      check(phase.ok, 'DEMO_STORAGE_VERIFY', 'storage verify found missing or different objects');
      return { value: undefined, detail: phase.detail };
    });

    await run('database: schema, live replication with a writer, cutover, verify', async () => {
      const phase = await runDatabasePhase(config, {
        reporter,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      phase.reports.forEach(keep);
      check(phase.ok, 'DEMO_DB_VERIFY', 'db verify or the writer ledger found a difference');
      return { value: undefined, detail: phase.detail };
    });

    const signIn: DemoSignIn = await run('auth: export, sign in with the old Supabase password', async () => {
      keep(
        await timedReport('auth', 'export', async () =>
          exportReport(await exportLegacyStoreFromConfig(config, { reporter })),
        ),
      );
      const alice = readTestUsers().users.find((u) => u.key === 'alice');
      if (!alice?.password || !alice.email)
        throw new Supa2awsError('DEMO_FIXTURE', 'the fixture has no test user alice');
      const { email, password } = { email: alice.email, password: alice.password };
      const result = await signInWithOldPassword(config, state, email, password);
      const verified = await timedReport('auth', 'verify', async () =>
        authVerifyReport(
          await verifyAuthFromConfig(config, { probe: { username: email, password } }, { reporter }),
        ),
      );
      keep(verified);
      return {
        value: result,
        detail: `${email} signed in with the old password; token resolves to ${result.userId}; trigger called ${result.triggerCalls}x over two sign-ins`,
      };
    });

    backend = await run('backend: API and VideoJobExecutor on the AWS side', async () => {
      const processes = await startBackendProcesses(
        backendEnv(config, state.stateDir),
        path.join(reportDir, 'logs'),
      );
      return { value: processes, detail: processes.apiUrl };
    });

    await run('backend: projects, a migrated image, a video job', async () => {
      const s3 = s3ClientFromConfig(config.target.s3);
      try {
        const result = await exerciseBackend({
          apiUrl: backend!.apiUrl,
          accessToken: signIn.accessToken,
          userId: signIn.userId,
          targetS3: s3,
          videosBucket: config.storage.buckets.videos?.target ?? 'aiuteur-videos',
        });
        await s3.send(new HeadObjectCommand({ Bucket: result.videoBucket, Key: result.videoKey }));
        keep({
          version: 1,
          phase: 'backend',
          command: 'exercise',
          ...timingSince(new Date(Date.now() - result.ms)),
          ok: true,
          metrics: {
            projects: result.projects,
            imageBytes: result.imageBytes,
            videoBytes: result.videoBytes,
          },
          checks: [
            {
              name: 'GET /projects returns only the signed-in user’s projects',
              ok: true,
              detail: `${result.projects} project(s)`,
            },
            {
              name: 'a cover image URL from a migrated row resolves on S3',
              ok: true,
              detail: result.imageUrl,
            },
            {
              name: 'a video job completes and its file is in S3',
              ok: true,
              detail: `${result.videoBucket}/${result.videoKey}`,
            },
          ],
        });
        return {
          value: undefined,
          detail: `${result.projects} projects; image ${result.imageBytes} B from S3; video job done in ${result.jobMs} ms`,
        };
      } finally {
        s3.destroy();
      }
    });
  } finally {
    await backend?.stop();
    if (sandbox && !options.keep) await sandbox.stop();
  }

  const written = writeMigrationReport(reportDir);
  const ok = steps.every((s) => s.ok) && written.report.ok;
  return {
    ok,
    steps,
    totalMs: Date.now() - started,
    reportDir,
    markdownFile: written.markdownFile,
    htmlFile: written.htmlFile,
    ...(options.config
      ? { kept: { stateDir: path.resolve(stateDir), configFile: options.config.file } }
      : options.keep && sandbox?.state.configFile
        ? { kept: { stateDir: sandbox.state.stateDir, configFile: sandbox.state.configFile } }
        : {}),
  };
}

/** The sandbox's own config, as `sandbox up` writes it, with the passwords of its .env. */
function sandboxConfig(state: SandboxState): Config {
  const parsed = parseConfig(sandboxConfigFile(state), sandboxEnv(state));
  if (!parsed.config) throw new Supa2awsError('DEMO_CONFIG', 'the sandbox config does not validate');
  return parsed.config;
}

/** The backend's environment, as its ECS task definition would give it (secrets inlined for the sandbox). */
export function backendEnv(config: Config, stateDir: string): Record<string, string> {
  const cognito = config.target.cognito;
  const buckets = config.storage.buckets;
  // The CA the CLI verifies RDS with (sslrootcert, PGSSLROOTCERT or the shipped RDS bundle), as the task
  // definition gives the image's RDS bundle.
  const caFile = libpqSslEnv(config.target.db.url, 'target').PGSSLROOTCERT;
  return {
    DATABASE_URL: config.target.db.url,
    ...(caFile && caFile !== 'system' ? { DATABASE_CA_FILE: caFile } : {}),
    AWS_REGION: requireRegion(config.target.s3.region, 'the backend'),
    // Keys from the config, else the default credential chain the backend inherits (a task role on ECS).
    ...(config.target.s3.accessKeyId && config.target.s3.secretAccessKey
      ? {
          AWS_ACCESS_KEY_ID: config.target.s3.accessKeyId,
          AWS_SECRET_ACCESS_KEY: config.target.s3.secretAccessKey,
        }
      : {}),
    ...(config.target.s3.endpoint
      ? { S3_ENDPOINT: config.target.s3.endpoint, S3_FORCE_PATH_STYLE: 'true' }
      : {}),
    S3_VIDEOS_BUCKET: buckets.videos?.target ?? 'aiuteur-videos',
    S3_IMAGES_BUCKET: buckets.images?.target ?? 'aiuteur-images',
    S3_ASSET_IMAGES_BUCKET: buckets['asset-images']?.target ?? 'aiuteur-asset-images',
    COGNITO_USER_POOL_ID: cognito?.userPoolId ?? '',
    COGNITO_CLIENT_ID: cognito?.clientId ?? '',
    ...(cognito?.endpoint
      ? {
          COGNITO_ENDPOINT: cognito.endpoint,
          COGNITO_ISSUER: `${cognito.endpoint}/${cognito.userPoolId}`,
          // cognito-local gives trigger-migrated users no `sub` claim (real Cognito always does).
          COGNITO_REQUIRE_SUB: 'false',
        }
      : {}),
    ACCEPT_SUPABASE_TOKENS: 'false',
    VIDEO_POLL_INTERVAL_MS: '250',
    CORS_ORIGINS: '*',
    SUPA2AWS_SANDBOX_DIR: stateDir,
  };
}
