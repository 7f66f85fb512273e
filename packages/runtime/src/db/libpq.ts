/**
 * libpq's connection rules, shared by the app's pool (`createPool`) and every connection the CLI opens:
 * the URL and the PG* variables, the six `sslmode`s, `sslrootcert` (a file, or `system`), and the TLS
 * options node-postgres needs for each attempt. node-postgres reads any sslmode in a URL as verify-full,
 * so a URL is never handed to it: callers pass the discrete fields and the `ssl` of each attempt.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { DbError } from '../errors/index.ts';
import { redactUrl } from '../redact/index.ts';
import { DbErrorCode, RDS_CA_BUNDLE_URL } from './errors.ts';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
/** libpq's sslmode values, weakest first. */
export type LibpqSslMode = (typeof SSL_MODES)[number];

/**
 * AWS's RDS global CA bundle, shipped with this package (source and date in certs/rds/README.md; the path
 * is the same from src/db and dist/db). Used for `*.rds.amazonaws.com` hosts when no `sslrootcert` is given.
 */
export const RDS_CA_BUNDLE_FILE = fileURLToPath(
  new URL('../../certs/rds/global-bundle.pem', import.meta.url),
);

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** A loopback address or a Unix socket directory: the only places plaintext is acceptable. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || host.startsWith('/') || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** An RDS or Aurora endpoint (instance, cluster, proxy), in the commercial or China partitions. */
export function isRdsHost(host: string): boolean {
  return /\.rds\.amazonaws\.com(\.cn)?$/i.test(host);
}

/** What a connection string or the PG* variables say; unset fields are absent. */
export interface ConnectionParts {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  sslMode?: string;
  /** A PEM file path, or `system` for the operating system's trust store. */
  sslRootCert?: string;
  applicationName?: string;
  connectTimeoutSec?: number;
  /** libpq's `replication` keyword: `database` opens a logical replication connection. */
  replication?: 'database';
}

export function invalidSetting(field: string, value: unknown, expected: string): DbError {
  return new DbError(DbErrorCode.config, `${field} is ${JSON.stringify(value)}; expected ${expected}`, {
    exit: 'usage',
    hint: 'Fix the connection string (postgres://user:password@host:5432/db?sslmode=verify-full&sslrootcert=/path/ca.pem).',
    details: { field },
  });
}

export function toInt(field: string, value: string | number | undefined, min: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min) throw invalidSetting(field, value, `an integer >= ${min}`);
  return n;
}

/** Parses a postgres:// URL; the password is returned but never put in an error. */
export function parseConnectionUrl(connectionString: string, field = 'DATABASE_URL'): ConnectionParts {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    throw invalidSetting(field, redactUrl(connectionString), 'a postgres://user:password@host:5432/db URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw invalidSetting(
      field,
      redactUrl(connectionString),
      'a URL starting with postgres:// or postgresql://',
    );
  }
  const q = url.searchParams;
  if (q.get('sslcert') || q.get('sslkey')) {
    throw invalidSetting(`${field} sslcert/sslkey`, '(set)', 'no client certificates (not supported)');
  }
  const host = q.get('host') ?? (url.hostname ? decodeURIComponent(url.hostname) : undefined);
  const parts: ConnectionParts = {
    host: host?.startsWith('[') ? host.slice(1, -1) : host,
    port: url.port ? toInt(`${field} port`, url.port, 1) : undefined,
    database:
      q.get('dbname') ?? (url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined),
    user: q.get('user') ?? (url.username ? decodeURIComponent(url.username) : undefined),
    password: q.get('password') ?? (url.password ? decodeURIComponent(url.password) : undefined),
    sslMode: q.get('sslmode') ?? undefined,
    sslRootCert: q.get('sslrootcert') ?? undefined,
    applicationName: q.get('application_name') ?? undefined,
    connectTimeoutSec: toInt(`${field} connect_timeout`, q.get('connect_timeout') ?? undefined, 0),
    ...(q.get('replication') === 'database' ? { replication: 'database' as const } : {}),
  };
  return Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined)) as ConnectionParts;
}

/** libpq's environment variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE, PGSSLROOTCERT, PGAPPNAME, PGCONNECT_TIMEOUT). */
export function connectionPartsFromEnv(env: NodeJS.ProcessEnv): ConnectionParts {
  const parts: ConnectionParts = {
    host: env.PGHOST || undefined,
    port: toInt('PGPORT', env.PGPORT, 1),
    database: env.PGDATABASE || undefined,
    user: env.PGUSER || undefined,
    password: env.PGPASSWORD || undefined,
    sslMode: env.PGSSLMODE || undefined,
    sslRootCert: env.PGSSLROOTCERT || undefined,
    applicationName: env.PGAPPNAME || undefined,
    connectTimeoutSec: toInt('PGCONNECT_TIMEOUT', env.PGCONNECT_TIMEOUT, 0),
  };
  return Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined)) as ConnectionParts;
}

/** libpq's own default root certificate, `~/.postgresql/root.crt`, when it exists. */
export function defaultRootCertFile(home = os.homedir()): string | undefined {
  const file = path.join(home, '.postgresql', 'root.crt');
  return existsSync(file) ? file : undefined;
}

/** Validates an sslmode; `no-verify` (node-postgres only) is refused as insecure. */
export function parseSslMode(value: string): LibpqSslMode {
  if ((SSL_MODES as readonly string[]).includes(value)) return value as LibpqSslMode;
  if (value === 'no-verify') {
    throw new DbError(DbErrorCode.insecureTls, 'sslmode=no-verify would accept any server certificate', {
      exit: 'usage',
      hint: `Use sslmode=require (encrypted) or verify-full with the server's CA (for RDS: ${RDS_CA_BUNDLE_URL}).`,
    });
  }
  throw invalidSetting('sslmode', value, SSL_MODES.join(', '));
}

export function readCaFile(caFile: string): string {
  let text: string;
  try {
    text = readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new DbError(
      DbErrorCode.caFile,
      `cannot read the CA bundle ${caFile}: ${(error as Error).message}`,
      {
        exit: 'usage',
        hint: `Point sslrootcert (or DATABASE_CA_FILE / PGSSLROOTCERT) at a readable PEM file; for RDS: curl -o global-bundle.pem ${RDS_CA_BUNDLE_URL}`,
        details: { caFile },
        cause: error,
      },
    );
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new DbError(DbErrorCode.caFile, `the CA bundle ${caFile} holds no PEM certificate`, {
      exit: 'usage',
      hint: 'sslrootcert must name a PEM file (-----BEGIN CERTIFICATE-----); convert a DER file with `openssl x509 -inform der -in ca.cer -out ca.pem`.',
      details: { caFile },
    });
  }
  return text;
}

/** The trust anchor of a connection: PEM text, the system store, or nothing (no verification possible). */
export type RootCert = { pem: string | Buffer; source: string } | { system: true } | undefined;

/**
 * node-postgres' `ssl` for one TLS attempt. verify-full checks the chain and the host name (pg passes
 * `servername` for host names; Node checks IP SANs for addresses); verify-ca the chain only; the weaker
 * modes encrypt without verification unless a root certificate is given, in which case libpq checks
 * the chain (require then behaves as verify-ca).
 */
export function tlsFor(mode: Exclude<LibpqSslMode, 'disable'>, root: RootCert): ConnectionOptions {
  const pem = root && 'pem' in root ? root.pem : undefined;
  const verifyChain = mode === 'verify-ca' || mode === 'verify-full' || root !== undefined;
  const tls: ConnectionOptions = { rejectUnauthorized: verifyChain };
  if (pem !== undefined) tls.ca = pem;
  if (mode !== 'verify-full') tls.checkServerIdentity = () => undefined;
  return tls;
}

/**
 * The attempts libpq makes for a mode, in order: `allow` tries plaintext then TLS, `prefer` TLS then
 * plaintext, the others one attempt. `false` is a plaintext attempt.
 */
export function libpqAttempts(mode: LibpqSslMode, root: RootCert): Array<ConnectionOptions | false> {
  switch (mode) {
    case 'disable':
      return [false];
    case 'allow':
      return [false, tlsFor(mode, root)];
    case 'prefer':
      return [tlsFor(mode, root), false];
    default:
      return [tlsFor(mode, root)];
  }
}
