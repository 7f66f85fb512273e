/**
 * The one PostgreSQL helper: opening connections with libpq's semantics (see pg-settings.ts) and errors a
 * user can act on, a connect/use/close helper, transactions and read-only snapshots. Every connection the
 * CLI opens goes through `connectPostgres`; the phases take a `ConnectFn` so tests and the demo can hand
 * in their own.
 */
import pg from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { DbError, isSupa2awsError } from './errors.ts';
import { redactText, redactUrl } from './redact.ts';
import { DbErrorCode, explainConnectError, RDS_CA_BUNDLE_URL } from '@supa2aws/runtime/db';
import { resolvePgConnection, type DbRole, type ResolvedPgConnection } from './pg-settings.ts';

export type PgClient = pg.Client;
export type { DbRole };

export interface ConnectPostgresOptions {
  applicationName?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * Receives the warning for plaintext to a remote host (sslmode=disable written explicitly).
   * @default process.emitWarning, which the CLI turns into a reporter event
   */
  onWarning?: (message: string) => void;
  /** Gives up on an attempt after this long, in ms (else connect_timeout / PGCONNECT_TIMEOUT). */
  connectTimeoutMs?: number;
}

function configField(role: DbRole): string {
  return role === 'source' ? 'source.db.url' : role === 'target' ? 'target.db.url' : 'the database URL';
}

function unreachableHint(role: DbRole): string {
  if (role === 'source') {
    return 'Is the host reachable? Supabase direct hosts are IPv6-only: use the session pooler (aws-0-<region>.pooler.supabase.com:5432, user postgres.<ref>).';
  }
  if (role === 'target') {
    return 'Is the instance running and its security group open to this machine? `supa2aws doctor` checks reachability.';
  }
  return 'Is the database reachable from here? `supa2aws doctor` checks it.';
}

function tlsHint(role: DbRole): string {
  if (role === 'source') {
    return `Give ${configField(role)} the CA that signed the server's certificate (sslrootcert=/path/ca.pem; Supabase's is under Project Settings → Database → SSL Configuration), or use sslmode=require to encrypt without verifying.`;
  }
  return `Give ${configField(role)} the CA that signed the server's certificate (sslrootcert=/path/ca.pem; for RDS the bundle ${RDS_CA_BUNDLE_URL} is used automatically for *.rds.amazonaws.com hosts), or use sslmode=require to encrypt without verifying.`;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', ...DNS_CODES]);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A server's answer during startup (SQLSTATE): `allow` retries such a refusal with TLS, as libpq does. */
function isServerRefusal(error: unknown): boolean {
  return /^[0-9A-Z]{5}$/.test(errorCode(error) ?? '');
}

/** Whether libpq would make the next attempt after this failure. */
function tryNext(previous: ConnectionOptions | false, error: unknown): boolean {
  if (previous === false) return isServerRefusal(error);
  const code = errorCode(error);
  return !isServerRefusal(error) && !(code && NETWORK_CODES.has(code));
}

function explain(error: unknown, role: DbRole, url: string, resolved: ResolvedPgConnection): DbError {
  const which = role === 'database' ? '' : `the ${role} database `;
  const where = `${which}${redactUrl(url) || resolved.summary.host}`;
  const code = errorCode(error);
  const message = redactText(error instanceof Error ? error.message : String(error));
  if (code && DNS_CODES.has(code)) {
    return new DbError(
      DbErrorCode.hostNotFound,
      `cannot resolve the host of ${where}: ${message} (${code})`,
      {
        exit: 'environment',
        retryable: code === 'EAI_AGAIN',
        details: { host: resolved.summary.host, code },
        cause: error,
        hint: `Check the host name in ${configField(role)} and this machine's DNS (\`getent hosts ${resolved.summary.host}\`).${role === 'source' ? ' Supabase direct hosts (db.<ref>.supabase.co) have only IPv6 addresses: use the session pooler (aws-0-<region>.pooler.supabase.com) on IPv4-only networks.' : ''}`,
      },
    );
  }
  const explained = explainConnectError(error, where);
  if (!isSupa2awsError(explained)) {
    return new DbError(DbErrorCode.unreachable, `cannot connect to ${where}: ${message}`, {
      exit: 'environment',
      retryable: true,
      cause: error,
      hint: unreachableHint(role),
    });
  }
  const hint =
    explained.code === DbErrorCode.tlsUntrusted
      ? tlsHint(role)
      : explained.code === DbErrorCode.unreachable
        ? unreachableHint(role)
        : explained.code === DbErrorCode.authFailed
          ? `Check the user and password of ${configField(role)}${role === 'database' ? '' : ' in the config'}.`
          : explained.code === DbErrorCode.tlsUnsupported
            ? `The server does not offer TLS. For a local server use sslmode=disable in ${configField(role)}; a remote server must offer TLS.`
            : explained.hint;
  return new DbError(explained.code, explained.message, {
    exit: explained.exitCode === 4 ? 'permission' : 'environment',
    retryable: explained.retryable,
    details: { ...explained.details, sslMode: resolved.summary.sslMode, rootCert: resolved.summary.rootCert },
    cause: error,
    ...(hint ? { hint } : {}),
  });
}

/**
 * Connects with libpq's sslmode semantics, or throws a coded DbError (DB_HOST_NOT_FOUND, DB_UNREACHABLE,
 * DB_TLS_UNTRUSTED, DB_TLS_UNSUPPORTED, DB_AUTH_FAILED, DB_CONFIG_INVALID, DB_CA_FILE_MISSING) with the
 * URL redacted and a hint.
 */
export async function connectPostgres(
  url: string,
  role: DbRole,
  options: ConnectPostgresOptions = {},
): Promise<PgClient> {
  const resolved = resolvePgConnection(url, role, {
    applicationName: options.applicationName ?? `supa2aws-${role}`,
    ...(options.env ? { env: options.env } : {}),
  });
  if (resolved.warning) {
    (options.onWarning ?? ((m: string) => process.emitWarning(m, { code: 'SUPA2AWS_PLAINTEXT_DB' })))(
      resolved.warning,
    );
  }
  let lastError: unknown;
  for (const [index, ssl] of resolved.attempts.entries()) {
    const config = resolved.clientConfig(ssl);
    if (options.connectTimeoutMs !== undefined) config.connectionTimeoutMillis = options.connectTimeoutMs;
    const client = new pg.Client(config);
    try {
      await client.connect();
      // An idle connection dropped by the server must not crash the process; the next query reports it.
      client.on('error', () => undefined);
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      lastError = error;
      if (index === resolved.attempts.length - 1 || !tryNext(ssl, error)) break;
    }
  }
  throw explain(lastError, role, url, resolved);
}

/**
 * Settings for a pg.Pool with the same rules, for the few places that need a pool: its first attempt
 * (a pool cannot fall back per connection, so `prefer` on loopback means TLS there).
 */
export function pgPoolConfig(
  url: string,
  role: DbRole,
  options: { max?: number; applicationName?: string } = {},
): pg.PoolConfig {
  const resolved = resolvePgConnection(url, role, {
    applicationName: options.applicationName ?? `supa2aws-${role}`,
  });
  const first = resolved.attempts[0] ?? false;
  const config: pg.PoolConfig = resolved.clientConfig(first);
  if (options.max !== undefined) config.max = options.max;
  return config;
}

/** What a caller may ask of one connection. */
export type ConnectOptions = Pick<ConnectPostgresOptions, 'applicationName' | 'connectTimeoutMs'>;

/**
 * Opens a connection; `role` says which database it is, for error messages. `connectTimeoutMs` bounds the
 * attempt (a probe's), else connect_timeout applies.
 */
export type ConnectFn = (url: string, role: DbRole, options?: ConnectOptions) => Promise<PgClient>;

export const defaultConnect: ConnectFn = (url, role, options) => connectPostgres(url, role, options);

/** Connects, hands the client to `fn` and closes it whatever happens. */
export async function withClient<T>(
  connect: ConnectFn,
  url: string,
  role: DbRole,
  fn: (client: PgClient) => Promise<T>,
  options?: ConnectOptions,
): Promise<T> {
  const client = await connect(url, role, options);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs fn in a transaction: committed if it returns, rolled back if it throws. */
export async function inTransaction<T>(
  client: pg.ClientBase,
  fn: () => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  await client.query(begin);
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Runs fn in one read-only snapshot (REPEATABLE READ READ ONLY), ended whatever happens. */
export async function inReadOnlySnapshot<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    return await fn();
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

/** The server's major version (15, 16, 17...). */
export async function serverMajor(client: PgClient): Promise<number> {
  const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  return Math.floor(Number(rows[0]?.v ?? 0) / 10000);
}

/** The fields of a server error worth reporting. */
export interface PgErrorFields {
  code?: string;
  message: string;
  detail?: string;
  hint?: string;
  position?: string;
  where?: string;
}

export function pgErrorFields(error: unknown): PgErrorFields {
  const e = error as PgErrorFields & { message?: string };
  return {
    message: e.message ?? String(error),
    ...(e.code ? { code: e.code } : {}),
    ...(e.detail ? { detail: e.detail } : {}),
    ...(e.hint ? { hint: e.hint } : {}),
    ...(e.position ? { position: e.position } : {}),
    ...(e.where ? { where: e.where } : {}),
  };
}
