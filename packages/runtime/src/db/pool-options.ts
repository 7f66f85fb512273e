import type { PoolConfig } from 'pg';
import { hidePassword } from '../redact/index.ts';
import {
  invalidSetting as invalid,
  isLoopbackHost,
  parseConnectionUrl,
  parseSslMode,
  readCaFile,
  tlsFor,
  toInt,
} from './libpq.ts';
import { secretPassword } from './secret-password.ts';

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

/** The app's policy on top of libpq's modes: the weak modes are upgraded to verify-full. */
function normaliseSslMode(value: string | undefined, host: string): SslMode {
  if (value === undefined || value === '') return isLoopbackHost(host) ? 'disable' : 'verify-full';
  const mode = parseSslMode(value);
  return mode === 'disable' || mode === 'verify-ca' ? mode : 'verify-full';
}

/** The pg PoolConfig for the options (the password non-enumerable on it) and a loggable summary. */
export function resolvePoolConfig(options: DbPoolOptions): { config: PoolConfig; summary: DbPoolSummary } {
  const fromUrl = options.connectionString ? parseConnectionUrl(options.connectionString) : {};
  const host = options.host ?? fromUrl.host;
  const database = options.database ?? fromUrl.database;
  const user = options.user ?? fromUrl.user;
  if (!host) throw invalid('host', host, 'a host name (DATABASE_URL or PGHOST)');
  if (!database)
    throw invalid('database', database, 'a database name (the path of DATABASE_URL, or PGDATABASE)');
  if (!user) throw invalid('user', user, 'a user name (DATABASE_URL or PGUSER)');
  const port = toInt('port', options.port ?? fromUrl.port, 1) ?? 5432;
  const sslMode = normaliseSslMode(options.sslMode ?? fromUrl.sslMode, host);
  const caFile = options.caFile ?? fromUrl.sslRootCert;
  let ca = options.ca;
  if (ca === undefined && caFile && sslMode !== 'disable') ca = readCaFile(caFile);
  const statementTimeoutMs = toInt('statementTimeoutMs', options.statementTimeoutMs, 0) ?? 30_000;
  const idleInTx = toInt('idleInTransactionTimeoutMs', options.idleInTransactionTimeoutMs, 0) ?? 60_000;
  const max = toInt('max', options.max, 1) ?? 10;

  const config: PoolConfig = {
    host,
    port,
    database,
    user,
    ssl:
      sslMode === 'disable'
        ? false
        : tlsFor(sslMode, ca === undefined ? undefined : { pem: ca, source: caFile ?? 'inline' }),
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
 * DATABASE_SECRET_ID (the database stack's app secret) takes the password from that secret instead, re-read
 * after a rotation (secretPassword; AWS_REGION, and SECRETS_ENDPOINT for a local stand-in).
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
  if (env.DATABASE_SECRET_ID) {
    options.password = secretPassword({
      secretId: env.DATABASE_SECRET_ID,
      ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
      ...(env.SECRETS_ENDPOINT ? { endpoint: env.SECRETS_ENDPOINT } : {}),
    });
  }
  set('statementTimeoutMs', toInt('DATABASE_STATEMENT_TIMEOUT_MS', env.DATABASE_STATEMENT_TIMEOUT_MS, 0));
  set('max', toInt('DATABASE_POOL_MAX', env.DATABASE_POOL_MAX, 1));
  return options;
}
