/**
 * The local sandbox: the Supabase side (PostgreSQL 15 with the platform bootstrap and the Aiuteur fixture,
 * an s3rver holding the storage objects) and the AWS side (PostgreSQL 16 as RDS, an s3rver as S3,
 * cognito-local as Cognito), on loopback with free ports, data in a temp dir.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, chownSync, constants, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConnect, withClient, type PgClient } from '../core/pg.ts';
import { SandboxError } from '../core/errors.ts';
import { logger, silentReporter, step, type Reporter } from '../core/reporter.ts';
import { createS3Client } from '@supa2aws/runtime/storage';
import { cognitoClient, createSandboxPool } from './cognito-pool.ts';
import { prepareCognitoTriggers } from './cognito-triggers.ts';
import { startNodeService } from './node-service.ts';
import { freePort } from './ports.ts';
import {
  initCluster,
  lastServerError,
  postgresOsUser,
  startCluster,
  stopCluster,
} from './postgres-server.ts';
import type { PackageDirs } from './packaged-extensions.ts';
import { supabaseInstall } from './supabase-install.ts';
import { createCertificateAuthority, issueServerCertificate } from './tls-certs.ts';
import { isAlive, isOurProcess, stopProcess } from './processes.ts';
import { parseConfig } from '../config/index.ts';
import { discoverUrlsFromConfig } from '../storage/run.ts';
import { pgUrl, S3RVER_KEY, sandboxConfigFile, sandboxEnv, writeSandboxConfig } from './sandbox-config.ts';
import {
  readState,
  registeredStateDirs,
  removeState,
  writeState,
  type PostgresState,
  type SandboxState,
} from './state.ts';

/** The Supabase project URL the sandbox's fixture pretends to be. */
export const SANDBOX_PROJECT_URL = 'https://sandboxref0000000000.supabase.co';

export interface SeedSize {
  users?: number;
  projects?: number;
  objects?: number;
  objectSize?: 'small' | 'large';
  seed?: string;
}

export interface StartSandboxOptions {
  /** Where the state file, config and .env go. @default '.sandbox' */
  stateDir?: string;
  /** Keep running after this process exits (`sandbox up`). @default false */
  detached?: boolean;
  /** Load the Supabase platform, the 31 app migrations and seed data into the source. @default true */
  fixture?: boolean;
  seed?: SeedSize;
  reporter?: Reporter;
  /** Ctrl-C / SIGTERM: stops between steps and removes what was started. */
  signal?: AbortSignal;
  /**
   * Where the Supabase side looks for extension packages (pg_cron).
   * @default Debian's: /usr/lib/postgresql/15/lib and /usr/share/postgresql/15/extension
   */
  packageDirs?: PackageDirs;
  /**
   * The database pg_cron keeps its jobs in (cron.database_name), created if it is not the source database.
   * Its launcher stays connected to it, so that database cannot be a CREATE DATABASE template.
   * @default the Supabase-side database, `postgres`, as on Supabase
   */
  cronDatabase?: string;
}

function secret(): string {
  return randomBytes(18).toString('base64url');
}

function asAdmin<T>(url: string, fn: (client: PgClient) => Promise<T>): Promise<T> {
  return withClient(defaultConnect, url, 'admin', fn, { applicationName: 'supa2aws-sandbox' });
}

export function adminUrl(db: PostgresState, database = db.database): string {
  return pgUrl(db, db.superuser, db.superPassword, database);
}

export function appUrl(db: PostgresState, database = db.database): string {
  return pgUrl(db, db.appUser, db.appPassword, database);
}

/** Stops every service a state records and removes its data; safe on half-started and stale sandboxes. */
async function teardown(state: SandboxState): Promise<void> {
  const marker = state.dataDir;
  const services = [state.sourceS3, state.targetS3, state.cognito];
  await Promise.all(
    services.map(async (service) => {
      if (service?.pid && isOurProcess(service.pid, marker)) await stopProcess(service.pid);
    }),
  );
  await Promise.all(
    [state.sourceDb, state.targetDb].map(async (db) => {
      if (db) await stopCluster(db.dataDir, db.pid);
    }),
  );
  if (state.dataDir.startsWith(os.tmpdir())) rmSync(state.dataDir, { recursive: true, force: true });
  removeState(state.stateDir);
}

function canWrite(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Tears down every registered sandbox whose owner died without stopping it (e.g. SIGKILL). */
async function cleanStaleSandboxes(reporter: Reporter = silentReporter): Promise<number> {
  let cleaned = 0;
  for (const stateDir of registeredStateDirs()) {
    if (!canWrite(stateDir)) continue; // another user's sandbox: not ours to judge or clean
    const state = readState(stateDir);
    if (!state) {
      removeState(stateDir);
      continue;
    }
    if (state.ownerPid !== null && !isAlive(state.ownerPid)) {
      logger(reporter).info(`cleaning up a sandbox left by a killed run (${state.stateDir})`);
      await teardown(state);
      cleaned++;
    }
  }
  return cleaned;
}

/**
 * TLS for one side, with its own CA (Supabase and RDS have different ones): the CA certificate goes in the
 * sandbox data dir for clients, the server's key and certificate into the cluster's data dir, owned by the
 * user the server runs as.
 */
function serverTls(
  state: SandboxState,
  db: PostgresState,
  source: boolean,
): { caFile: string; settings: Record<string, string> } {
  const dir = path.join(state.dataDir, 'tls');
  const name = source ? 'supabase' : 'rds';
  const ca = createCertificateAuthority(
    dir,
    name,
    source ? 'supa2aws sandbox Supabase Root CA' : 'supa2aws sandbox Amazon RDS Root CA',
  );
  const server = issueServerCertificate(ca, db.dataDir, 'server', { dns: ['localhost'], ip: ['127.0.0.1'] });
  const runAs = postgresOsUser();
  if (runAs.uid !== undefined && runAs.gid !== undefined) {
    chownSync(server.keyFile, runAs.uid, runAs.gid);
    chownSync(server.certFile, runAs.uid, runAs.gid);
  }
  chmodSync(dir, 0o755);
  return {
    caFile: ca.certFile,
    settings: { ssl: 'on', ssl_cert_file: server.certFile, ssl_key_file: server.keyFile },
  };
}

async function startPostgres(
  state: SandboxState,
  side: 'sourceDb' | 'targetDb',
  reporter: Reporter,
  options: Pick<StartSandboxOptions, 'packageDirs' | 'cronDatabase'> = {},
): Promise<PostgresState> {
  const source = side === 'sourceDb';
  const db: PostgresState = {
    major: source ? 15 : 16,
    port: await freePort(),
    dataDir: path.join(state.dataDir, source ? 'supabase-pg15' : 'rds-pg16'),
    superuser: source ? 'supabase_admin' : 'rdsadmin',
    superPassword: secret(),
    appUser: 'postgres',
    appPassword: secret(),
    database: source ? 'postgres' : 'aiuteur',
  };
  return step(
    reporter,
    `${source ? 'Supabase' : 'RDS'} PostgreSQL ${db.major} on port ${db.port}`,
    async () => {
      const install = source
        ? supabaseInstall(
            path.join(state.dataDir, 'supabase-pg15-install'),
            options.cronDatabase ?? db.database,
            options.packageDirs,
          )
        : { settings: {}, extensions: [] };
      await initCluster({ ...db, settings: {}, binaries: install.binaries });
      const tls = serverTls(state, db, source);
      db.caFile = tls.caFile;
      const start = (withPackages: boolean) =>
        startCluster({
          major: db.major,
          dataDir: db.dataDir,
          port: db.port,
          superuser: db.superuser,
          superPassword: db.superPassword,
          binaries: withPackages ? install.binaries : undefined,
          // Both sides logical: Supabase runs so; RDS does with rds.logical_replication = 1, which the way
          // back (db replicate reverse, RDS publishing to Supabase) needs.
          settings: {
            ...tls.settings,
            wal_level: 'logical',
            max_replication_slots: '10',
            max_wal_senders: '10',
            max_logical_replication_workers: '8',
            max_worker_processes: '16',
            ...(withPackages ? install.settings : {}),
          },
        });
      db.packagedExtensions = install.extensions;
      try {
        db.pid = await start(true);
      } catch (error) {
        if (!install.binaries) throw error;
        // A package built for another PostgreSQL 15 may not load: run the plain build, which lacks its files.
        const reason = `PostgreSQL 15 did not start with it preloaded: ${lastServerError(db.dataDir) ?? (error as Error).message}`;
        db.packagedExtensions = install.extensions.map((e) => ({ name: e.name, loaded: false, reason }));
        db.pid = await start(false);
      }
      const cronDatabase = options.cronDatabase ?? db.database;
      if (db.packagedExtensions.some((e) => e.name === 'pg_cron' && e.loaded) && cronDatabase !== db.database)
        await asAdmin(adminUrl(db), (client) =>
          client.query(`CREATE DATABASE ${client.escapeIdentifier(cronDatabase)}`),
        );
      for (const e of db.packagedExtensions.filter((x) => !x.loaded))
        logger(reporter).info(
          `${e.name} is unavailable on the Supabase side (${e.reason}): what needs it is not proven here`,
        );
      state[side] = db;
      writeState(state);
      return db;
    },
  );
}

/**
 * The RDS stand-in: a master user like RDS's (CREATEDB CREATEROLE, member of rds_superuser, not a superuser).
 * What rds_superuser may do for replication, plain PostgreSQL 16 grants through pg_create_subscription
 * (CREATE SUBSCRIPTION) and REPLICATION (RDS's rds_replication role: slots, for the way back).
 */
async function prepareTarget(db: PostgresState): Promise<void> {
  await asAdmin(adminUrl(db, 'postgres'), async (client) => {
    await client.query(`CREATE ROLE rds_superuser NOLOGIN`);
    await client.query(
      `CREATE ROLE ${db.appUser} LOGIN CREATEDB CREATEROLE REPLICATION IN ROLE rds_superuser PASSWORD '${db.appPassword}'`,
    );
    await client.query(`GRANT pg_create_subscription TO ${db.appUser}`);
    await client.query(`CREATE DATABASE ${db.database} OWNER ${db.appUser}`);
  });
}

async function prepareSource(
  state: SandboxState,
  db: PostgresState,
  options: StartSandboxOptions,
  reporter: Reporter,
) {
  if (options.fixture === false) {
    await asAdmin(adminUrl(db), async (client) => {
      await client.query(
        `CREATE ROLE ${db.appUser} LOGIN CREATEDB CREATEROLE REPLICATION BYPASSRLS PASSWORD '${db.appPassword}'`,
      );
    });
    return;
  }
  const { loadFixture } = await import('../fixture/index.ts');
  const s3 = createS3Client({
    endpoint: `http://127.0.0.1:${state.sourceS3?.port}`,
    accessKeyId: S3RVER_KEY,
    secretAccessKey: S3RVER_KEY,
    checksumsWhenRequired: true,
  });
  try {
    const summary = await loadFixture({
      adminUrl: adminUrl(db),
      postgresPassword: db.appPassword,
      s3,
      projectUrl: state.projectUrl,
      seed: options.seed ?? {},
      reporter,
    });
    state.fixture = summary as unknown as Record<string, unknown>;
  } finally {
    s3.destroy();
  }
}

/** What `storage rewrite-urls --discover` prints for the loaded fixture: the sandbox config carries it. */
async function discoverFixtureUrlColumns(state: SandboxState): Promise<unknown[]> {
  const { config } = parseConfig(sandboxConfigFile(state), sandboxEnv(state));
  if (!config) throw new SandboxError('SANDBOX_CONFIG_INVALID', 'the sandbox config does not validate');
  const discovered = await discoverUrlsFromConfig(config);
  return discovered.config.storage.urlColumns;
}

export interface Sandbox {
  state: SandboxState;
  /** Stops every service and removes the data. */
  stop(): Promise<void>;
}

/** Starts the five services, loads the fixture, writes the config; cleans stale sandboxes first. */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<Sandbox> {
  const reporter = options.reporter ?? silentReporter;
  const stateDir = path.resolve(options.stateDir ?? '.sandbox');
  if (options.cronDatabase !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.cronDatabase))
    throw new SandboxError(
      'SANDBOX_CRON_DATABASE_INVALID',
      `Invalid pg_cron database name "${options.cronDatabase}"`,
      {
        exit: 'usage',
        hint: 'Use a lower-case name of letters, digits and underscores, e.g. `cron`.',
      },
    );
  await cleanStaleSandboxes(reporter);
  const existing = readState(stateDir);
  if (existing) {
    if (existing.ownerPid === null || isAlive(existing.ownerPid)) {
      throw new SandboxError('SANDBOX_ALREADY_UP', `A sandbox is already running in ${stateDir}`, {
        exit: 'usage',
        hint: 'Use it (`supa2aws sandbox status`), or stop it first with `supa2aws sandbox down`.',
      });
    }
    await teardown(existing);
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-sandbox-'));
  chmodSync(dataDir, 0o755);
  const state: SandboxState = {
    version: 1,
    id: path.basename(dataDir),
    stateDir,
    dataDir,
    ownerPid: process.pid,
    status: 'starting',
    createdAt: new Date().toISOString(),
    projectUrl: SANDBOX_PROJECT_URL,
    migrateUserPassword: secret(),
    appDbPassword: secret(),
  };
  writeState(state);
  try {
    const nodeService = async (key: 'sourceS3' | 'targetS3' | 'cognito', entry: string, label: string) => {
      const port = await freePort();
      const dir = path.join(dataDir, key);
      await step(reporter, `${label} on port ${port}`, async () => {
        // auth (issue 5): cognito-local's migrate-user trigger config, written before it starts, and the
        // Lambda-Invoke stand-in running our handler, started after it (it exits with cognito-local).
        const triggers = key === 'cognito' ? await prepareCognitoTriggers(state, dir) : undefined;
        const pid = await startNodeService({
          entry,
          port,
          dir,
          detached: options.detached === true,
          env: entry === 's3rver-main' ? { NODE_OPTIONS: '--openssl-legacy-provider' } : {},
        });
        await triggers?.start(pid, options.detached === true);
        state[key] = { port, dir, pid };
        writeState(state);
      });
    };
    const [source, target] = await Promise.all([
      startPostgres(state, 'sourceDb', reporter, options),
      startPostgres(state, 'targetDb', reporter),
      nodeService('sourceS3', 's3rver-main', 'Supabase Storage S3 stand-in (s3rver)'),
      nodeService('targetS3', 's3rver-main', 'AWS S3 stand-in (s3rver)'),
      nodeService('cognito', 'cognito-main', 'Cognito stand-in (cognito-local)'),
    ]);
    options.signal?.throwIfAborted();
    await step(reporter, 'RDS master user and database', () => prepareTarget(target));
    options.signal?.throwIfAborted();
    await step(reporter, 'Cognito user pool and app client', async () => {
      const client = cognitoClient(`http://127.0.0.1:${state.cognito?.port}`);
      try {
        Object.assign(state.cognito ?? {}, await createSandboxPool(client));
      } finally {
        client.destroy();
      }
      writeState(state);
    });
    options.signal?.throwIfAborted();
    await step(
      reporter,
      options.fixture === false ? 'Supabase roles' : 'Supabase platform, 31 migrations and seed',
      () => prepareSource(state, source, options, reporter),
    );
    options.signal?.throwIfAborted();
    if (options.fixture !== false) {
      await step(reporter, 'URL columns (storage rewrite-urls --discover)', async () => {
        state.urlColumns = await discoverFixtureUrlColumns(state);
      });
    }
    state.configFile = writeSandboxConfig(state);
    state.status = 'up';
    if (options.detached) state.ownerPid = null;
    writeState(state);
  } catch (error) {
    await teardown(state).catch(() => undefined);
    throw error;
  }
  return { state, stop: () => teardown(state) };
}

/** Stops the sandbox recorded in `stateDir`; returns false when there was none. */
export async function stopSandbox(stateDir = '.sandbox'): Promise<boolean> {
  const state = readState(path.resolve(stateDir));
  if (!state) return false;
  if (state.ownerPid !== null && state.ownerPid !== process.pid && isAlive(state.ownerPid)) {
    // Another process is still starting it: stop that first, then clean up what it left.
    await stopProcess(state.ownerPid);
  }
  await teardown(readState(path.resolve(stateDir)) ?? state);
  return true;
}
