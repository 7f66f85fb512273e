/**
 * How the CLI connects to a database: libpq's rules (@supa2aws/runtime/db, packages/runtime/src/db/libpq.ts) plus the migration's
 * floors. Without an sslmode, an RDS host is verify-full against the RDS CA bundle shipped in the package,
 * any other remote host `require`, a loopback host `prefer` (libpq's default). Plaintext never goes to a
 * remote host unless `sslmode=disable` is written explicitly, and then with a warning.
 */
import os from 'node:os';
import type { ClientConfig } from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { DbError } from './errors.ts';
import { hidePassword } from './redact.ts';
import {
  DbErrorCode,
  connectionPartsFromEnv,
  defaultRootCertFile,
  invalidSetting,
  isLoopbackHost,
  isRdsHost,
  libpqAttempts,
  parseConnectionUrl,
  parseSslMode,
  RDS_CA_BUNDLE_FILE,
  readCaFile,
  type LibpqSslMode,
  type RootCert,
} from '@supa2aws/runtime/db';

/** Seconds to wait for a server to accept and answer a connection when connect_timeout is not given. */
const DEFAULT_CONNECT_TIMEOUT_SEC = 10;

/** Which database a connection is for: it picks the hint when connecting fails. */
export type DbRole = 'source' | 'target' | 'admin' | 'database';

/** What a connection goes to, safe to print (no password). */
export interface PgConnectionSummary {
  host: string;
  port: number;
  database: string;
  user: string;
  sslMode: LibpqSslMode;
  /** Where sslmode came from. */
  sslModeFrom: 'url' | 'PGSSLMODE' | 'default';
  /** The root certificate: a file, 'system', 'rds-bundle' (shipped), or null (none). */
  rootCert: string | null;
  /** Whether a plaintext attempt can be made. */
  plaintext: boolean;
}

export interface ResolvedPgConnection {
  /** pg's client settings for one attempt; the password is non-enumerable on each. */
  clientConfig(ssl: ConnectionOptions | false): ClientConfig;
  /** The `ssl` of each attempt, in order (`false` is plaintext). */
  attempts: Array<ConnectionOptions | false>;
  summary: PgConnectionSummary;
  /** Set when the connection is plaintext to a remote host (sslmode=disable written explicitly). */
  warning?: string;
}

export interface ResolveOptions {
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  applicationName?: string;
  /** Where the URL came from, for error messages. @default 'the database URL' */
  field?: string;
}

function rootCertFor(file: string | undefined, mode: LibpqSslMode): RootCert {
  if (mode === 'disable' || file === undefined) return undefined;
  if (file === 'system') return { system: true };
  return { pem: readCaFile(file), source: file };
}

/** Resolves a connection string (and the PG* variables it leaves unset) into what the CLI connects with. */
export function resolvePgConnection(
  url: string,
  role: DbRole,
  options: ResolveOptions = {},
): ResolvedPgConnection {
  const env = options.env ?? process.env;
  const field =
    options.field ??
    (role === 'source' ? 'source.db.url' : role === 'target' ? 'target.db.url' : 'the database URL');
  const fromUrl = url ? parseConnectionUrl(url, field) : {};
  const fromEnv = connectionPartsFromEnv(env);
  const parts = { ...fromEnv, ...fromUrl };
  const host = parts.host;
  if (!host) throw invalidSetting(`${field} host`, host, 'a host name (in the URL, or PGHOST)');
  const user = parts.user ?? os.userInfo().username;
  const database = parts.database ?? user;
  const port = parts.port ?? 5432;
  const loopback = isLoopbackHost(host);
  const rds = isRdsHost(host);

  const rootFile =
    parts.sslRootCert ??
    defaultRootCertFile(env.HOME ?? os.homedir()) ??
    (rds ? RDS_CA_BUNDLE_FILE : undefined);
  const sslModeFrom = fromUrl.sslMode ? 'url' : fromEnv.sslMode ? 'PGSSLMODE' : 'default';
  let sslMode: LibpqSslMode;
  if (parts.sslMode !== undefined) sslMode = parseSslMode(parts.sslMode);
  else if (rootFile === 'system' || rds) sslMode = 'verify-full';
  else sslMode = loopback ? 'prefer' : 'require';
  if (rootFile === 'system' && sslMode !== 'verify-full' && sslMode !== 'disable') {
    throw new DbError(DbErrorCode.config, `sslmode=${sslMode} may not be used with sslrootcert=system`, {
      exit: 'usage',
      hint: 'With the system trust store, use sslmode=verify-full (as libpq requires), or give sslrootcert=/path/ca.pem.',
      details: { field },
    });
  }
  const root = rootCertFor(rootFile, sslMode);
  let attempts = libpqAttempts(sslMode, root);
  // Plaintext to a remote host only when asked for by name: prefer/allow never fall back to it there.
  if (!loopback && sslMode !== 'disable') attempts = attempts.filter((attempt) => attempt !== false);

  const base: ClientConfig = {
    host,
    port,
    database,
    user,
    application_name: parts.applicationName ?? options.applicationName ?? `supa2aws-${role}`,
  };
  // libpq's connect_timeout (0: wait forever, as written); unset, a server that accepts the connection and
  // never answers (hung, stopped) is given up on after DEFAULT_CONNECT_TIMEOUT_SEC instead of forever.
  const connectTimeoutSec = parts.connectTimeoutSec ?? DEFAULT_CONNECT_TIMEOUT_SEC;
  if (connectTimeoutSec > 0) base.connectionTimeoutMillis = connectTimeoutSec * 1000;
  // TCP keepalives, as libpq's keepalives=1: a peer gone without a word is noticed by the kernel.
  base.keepAlive = true;
  if (parts.replication) (base as ClientConfig & { replication?: string }).replication = parts.replication;
  const password = parts.password;
  const clientConfig = (ssl: ConnectionOptions | false): ClientConfig => {
    const config: ClientConfig = { ...base, ssl };
    return password === undefined ? config : hidePassword(config, password);
  };

  const summary: PgConnectionSummary = {
    host,
    port,
    database,
    user,
    sslMode,
    sslModeFrom,
    rootCert:
      root === undefined
        ? null
        : 'system' in root
          ? 'system'
          : root.source === RDS_CA_BUNDLE_FILE
            ? 'rds-bundle'
            : root.source,
    plaintext: attempts.includes(false),
  };
  const resolved: ResolvedPgConnection = { clientConfig, attempts, summary };
  if (!loopback && sslMode === 'disable') {
    resolved.warning = `sslmode=disable: the ${role === 'database' ? '' : `${role} `}database connection to ${host} is not encrypted (password and data in clear text)`;
  }
  return resolved;
}

/**
 * PGSSLMODE / PGSSLROOTCERT for a libpq tool (pg_dump) on the same connection, so it applies the same
 * defaults and floors: a weak mode that may not fall back to plaintext becomes `require`.
 */
export function libpqSslEnv(url: string, role: DbRole, env?: NodeJS.ProcessEnv): Record<string, string> {
  const { summary } = resolvePgConnection(url, role, env ? { env } : {});
  const weak = summary.sslMode === 'allow' || summary.sslMode === 'prefer';
  const out: Record<string, string> = {
    PGSSLMODE: weak && !summary.plaintext ? 'require' : summary.sslMode,
  };
  if (summary.rootCert)
    out.PGSSLROOTCERT = summary.rootCert === 'rds-bundle' ? RDS_CA_BUNDLE_FILE : summary.rootCert;
  return out;
}
