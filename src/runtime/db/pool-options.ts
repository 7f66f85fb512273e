import { readFileSync } from 'node:fs';
import type { PoolConfig } from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { DbError } from '../../core/errors.ts';
import { hidePassword, redactUrl } from '../../core/redact.ts';
import { DbErrorCode, RDS_CA_BUNDLE_URL } from './errors.ts';

/**
 * TLS modes. Only modes that verify the server are offered: `verify-full` checks the chain and the host
 * name, `verify-ca` the chain only (for tunnels and IP addresses). libpq's `require`, `prefer` and `allow`
 * encrypt without verifying; here they are read as `verify-full`, never as "no verification".
 */
export type SslMode = 'disable' | 'verify-ca' | 'verify-full';

/** A password, or a function returning one (an RDS IAM auth token, rotated credentials). */
export type PasswordSource = string | (() => string | Promise<string>);

export interface DbPoolOptions {
  /** A `postgres://user:password@host:port/db?sslmode=…&sslrootcert=…` URL (DATABASE_URL). Fields below override its parts. */
  connectionString?: string;
  host?: string;
  /** @default 5432 */
  port?: number;
  database?: string;
  user?: string;
  /** Never enumerable on anything this module returns; never in a message. */
  password?: PasswordSource;
  /**
   * TLS mode; `require`/`prefer`/`allow` are read as `verify-full`; `no-verify` is refused.
   * @default 'disable' for a loopback host or a Unix socket, else 'verify-full'
   */
  sslMode?: SslMode | 'require' | 'prefer' | 'allow';
  /** The CA bundle as PEM text. */
  ca?: string | Buffer;
  /**
   * Path of a PEM CA bundle, e.g. RDS's global-bundle.pem from
   * https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem.
   * @default the system's trust store (which does not hold the RDS CAs; RDS Proxy certificates are in it)
   */
  caFile?: string;
  /** Server-side limit on every statement, in ms; 0 turns it off. @default 30000 */
  statementTimeoutMs?: number;
  /** Ends sessions that sit idle inside a transaction, in ms; 0 turns it off. @default 60000 */
  idleInTransactionTimeoutMs?: number;
  /** Most connections the pool opens. @default 10 */
  max?: number;
  /** Idle connections are closed after this long, in ms. @default 30000 */
  idleTimeoutMs?: number;
  /** Waiting for a connection (new or from the pool) fails after this long, in ms. @default 10000 */
  connectionTimeoutMs?: number;
  /** Shown in pg_stat_activity. @default 'supa2aws-app' */
  applicationName?: string;
  /**
   * Called with errors of idle connections (a failover, a server restart). Without a listener such an
   * error would crash the process; the pool drops the connection and opens a new one when needed.
   * @default ignore
   */
  onError?: (error: Error) => void;
}

/** What a pool connects to, safe to log: never the password. */
export interface DbPoolSummary {
  host: string;
  port: number;
  database: string;
  user: string;
  sslMode: SslMode;
  /** Where the CA bundle came from: a file path, 'inline', or 'system'. */
  ca: string | null;
  statementTimeoutMs: number;
  max: number;
  passwordSet: boolean;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function invalid(field: string, value: unknown, expected: string): DbError {
  return new DbError(DbErrorCode.config, `${field} is ${JSON.stringify(value)}; expected ${expected}`, {
    exit: 'usage',
    hint: 'Fix DATABASE_URL (postgres://user:password@host:5432/db?sslmode=verify-full) or the createPool options.',
    details: { field },
  });
}

function toInt(field: string, value: string | number | undefined, min: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min) throw invalid(field, value, `an integer >= ${min}`);
  return n;
}

interface UrlParts {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  sslMode?: string;
  caFile?: string;
  applicationName?: string;
}

/** Parses a postgres URL; the password is returned but never put in an error. */
function parseUrl(connectionString: string): UrlParts {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    throw invalid('DATABASE_URL', redactUrl(connectionString), 'a postgres://user:password@host:5432/db URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw invalid(
      'DATABASE_URL',
      redactUrl(connectionString),
      'a URL starting with postgres:// or postgresql://',
    );
  }
  const q = url.searchParams;
  if (q.get('sslcert') || q.get('sslkey')) {
    throw invalid(
      'DATABASE_URL sslcert/sslkey',
      '(set)',
      'no client certificates (not supported by this module)',
    );
  }
  const host = q.get('host') ?? (url.hostname ? decodeURIComponent(url.hostname) : undefined);
  return {
    host,
    port: url.port ? toInt('DATABASE_URL port', url.port, 1) : undefined,
    database: url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    sslMode: q.get('sslmode') ?? undefined,
    caFile: q.get('sslrootcert') ?? undefined,
    applicationName: q.get('application_name') ?? undefined,
  };
}

function normaliseSslMode(value: string | undefined, host: string): SslMode {
  if (value === undefined || value === '') {
    return LOOPBACK.has(host) || host.startsWith('/') ? 'disable' : 'verify-full';
  }
  switch (value) {
    case 'disable':
    case 'verify-ca':
    case 'verify-full':
      return value;
    case 'require':
    case 'prefer':
    case 'allow':
      return 'verify-full';
    case 'no-verify':
      throw new DbError(DbErrorCode.insecureTls, 'sslmode=no-verify would accept any server certificate', {
        exit: 'usage',
        hint: `Use sslmode=verify-full with the server's CA bundle (for RDS: ${RDS_CA_BUNDLE_URL}).`,
      });
    default:
      throw invalid(
        'sslmode',
        value,
        'disable, verify-ca or verify-full (require/prefer/allow are read as verify-full)',
      );
  }
}

function readCa(caFile: string): string {
  try {
    return readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new DbError(
      DbErrorCode.caFile,
      `cannot read the CA bundle ${caFile}: ${(error as Error).message}`,
      {
        hint: `Download it next to the app (for RDS: curl -o global-bundle.pem ${RDS_CA_BUNDLE_URL}) and set DATABASE_CA_FILE to its path.`,
        details: { caFile },
        cause: error,
      },
    );
  }
}

/** pg passes these to tls.connect, adding `servername` (SNI and the name checked) for host names. */
function tlsOptions(mode: SslMode, ca: string | Buffer | undefined): ConnectionOptions | false {
  if (mode === 'disable') return false;
  const tls: ConnectionOptions = { rejectUnauthorized: true };
  if (ca !== undefined) tls.ca = ca;
  if (mode === 'verify-ca') tls.checkServerIdentity = () => undefined;
  return tls;
}

/** The pg PoolConfig for the options (the password non-enumerable on it) and a loggable summary. */
export function resolvePoolConfig(options: DbPoolOptions): { config: PoolConfig; summary: DbPoolSummary } {
  const fromUrl = options.connectionString ? parseUrl(options.connectionString) : {};
  const host = options.host ?? fromUrl.host;
  const database = options.database ?? fromUrl.database;
  const user = options.user ?? fromUrl.user;
  if (!host) throw invalid('host', host, 'a host name (DATABASE_URL or PGHOST)');
  if (!database)
    throw invalid('database', database, 'a database name (the path of DATABASE_URL, or PGDATABASE)');
  if (!user) throw invalid('user', user, 'a user name (DATABASE_URL or PGUSER)');
  const port = toInt('port', options.port ?? fromUrl.port, 1) ?? 5432;
  const sslMode = normaliseSslMode(options.sslMode ?? fromUrl.sslMode, host);
  const caFile = options.caFile ?? fromUrl.caFile;
  let ca = options.ca;
  if (ca === undefined && caFile && sslMode !== 'disable') ca = readCa(caFile);
  const statementTimeoutMs = toInt('statementTimeoutMs', options.statementTimeoutMs, 0) ?? 30_000;
  const idleInTx = toInt('idleInTransactionTimeoutMs', options.idleInTransactionTimeoutMs, 0) ?? 60_000;
  const max = toInt('max', options.max, 1) ?? 10;

  const config: PoolConfig = {
    host,
    port,
    database,
    user,
    ssl: tlsOptions(sslMode, ca),
    max,
    idleTimeoutMillis: toInt('idleTimeoutMs', options.idleTimeoutMs, 0) ?? 30_000,
    connectionTimeoutMillis: toInt('connectionTimeoutMs', options.connectionTimeoutMs, 0) ?? 10_000,
    application_name: options.applicationName ?? fromUrl.applicationName ?? 'supa2aws-app',
  };
  if (statementTimeoutMs > 0) config.statement_timeout = statementTimeoutMs;
  if (idleInTx > 0) config.idle_in_transaction_session_timeout = idleInTx;
  const password = options.password ?? fromUrl.password;
  // pg reads PGPASSWORD when no password is given; an explicit one is kept off every enumerable path.
  if (password !== undefined) hidePassword(config, password as string);

  const summary: DbPoolSummary = {
    host,
    port,
    database,
    user,
    sslMode,
    ca: sslMode === 'disable' ? null : options.ca !== undefined ? 'inline' : (caFile ?? 'system'),
    statementTimeoutMs,
    max,
    passwordSet: password !== undefined,
  };
  return { config, summary };
}

/**
 * Pool options from the environment: DATABASE_URL, else PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD;
 * PGSSLMODE, DATABASE_CA_FILE (or PGSSLROOTCERT), DATABASE_STATEMENT_TIMEOUT_MS, DATABASE_POOL_MAX.
 */
export function poolOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DbPoolOptions {
  const options: DbPoolOptions = {};
  const set = <K extends keyof DbPoolOptions>(key: K, value: DbPoolOptions[K] | undefined) => {
    if (value !== undefined && value !== '') options[key] = value;
  };
  set('connectionString', env.DATABASE_URL);
  if (!env.DATABASE_URL) {
    set('host', env.PGHOST);
    set('port', toInt('PGPORT', env.PGPORT, 1));
    set('database', env.PGDATABASE);
    set('user', env.PGUSER);
    set('password', env.PGPASSWORD);
    // With a URL, its own sslmode/sslrootcert win, as in libpq.
    set('sslMode', env.PGSSLMODE as DbPoolOptions['sslMode']);
    set('caFile', env.PGSSLROOTCERT);
  }
  set('caFile', env.DATABASE_CA_FILE);
  set('statementTimeoutMs', toInt('DATABASE_STATEMENT_TIMEOUT_MS', env.DATABASE_STATEMENT_TIMEOUT_MS, 0));
  set('max', toInt('DATABASE_POOL_MAX', env.DATABASE_POOL_MAX, 1));
  return options;
}
