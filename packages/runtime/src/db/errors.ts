import { DbError } from '../errors/index.ts';
import { redactText } from '../redact/index.ts';

/**
 * Error codes of `@supa2aws/runtime/db`. Callers (and tests) branch on these, never on message text.
 * Messages never hold a password: values seen are passed through `redactText`.
 */
export const DbErrorCode = {
  /** Options or environment variables are missing or invalid (bad URL, unknown sslmode, bad number). */
  config: 'DB_CONFIG_INVALID',
  /** `sslmode` asks for TLS without certificate verification (`no-verify`): refused. */
  insecureTls: 'DB_TLS_INSECURE',
  /** The CA bundle file named by `caFile` / `sslrootcert` / `DATABASE_CA_FILE` cannot be read. */
  caFile: 'DB_CA_FILE_MISSING',
  /** The server's certificate did not verify against the CA bundle (or the host name did not match). */
  tlsUntrusted: 'DB_TLS_UNTRUSTED',
  /** TLS was asked for but the server does not offer it (a local server without TLS: use sslmode=disable). */
  tlsUnsupported: 'DB_TLS_UNSUPPORTED',
  /** The host name does not resolve (a typo, or an IPv6-only host on an IPv4 network). */
  hostNotFound: 'DB_HOST_NOT_FOUND',
  /** The server did not answer: wrong host/port, security group, or the database is down (retryable). */
  unreachable: 'DB_UNREACHABLE',
  /** The server refused the credentials. */
  authFailed: 'DB_AUTH_FAILED',
  /** `withUser` was given something that is not a user UUID or claims with a UUID `sub`. */
  userId: 'DB_USER_ID_INVALID',
  /** The RLS role name is not a plain identifier, or the login role may not SET ROLE to it. */
  role: 'DB_ROLE_INVALID',
  /** The pool was already closed. */
  closed: 'DB_POOL_CLOSED',
} as const;
export type DbErrorCodeValue = (typeof DbErrorCode)[keyof typeof DbErrorCode];

const TLS_VERIFY_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
]);

export const RDS_CA_BUNDLE_URL = 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem';

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns a failure to open a connection into a coded DbError with a hint; anything else (SQL errors,
 * which callers branch on by SQLSTATE) is returned unchanged.
 */
export function explainConnectError(error: unknown, where: string): unknown {
  const code = codeOf(error);
  const message = redactText(error instanceof Error ? error.message : String(error));
  if (code && TLS_VERIFY_CODES.has(code)) {
    return new DbError(
      DbErrorCode.tlsUntrusted,
      `TLS certificate of ${where} did not verify: ${message} (${code})`,
      {
        hint: `Point DATABASE_CA_FILE (or the caFile option, or sslrootcert=) at the CA bundle that signed the server certificate. For RDS: curl -o global-bundle.pem ${RDS_CA_BUNDLE_URL}`,
        exit: 'environment',
        details: { code },
        cause: error,
      },
    );
  }
  if (/does not support SSL connections/i.test(message)) {
    return new DbError(DbErrorCode.tlsUnsupported, `${where} does not offer TLS, which the pool requires`, {
      hint: 'For RDS, TLS is on by default (rds.force_ssl). For a local server without TLS, add ?sslmode=disable to DATABASE_URL (or PGSSLMODE=disable).',
      exit: 'environment',
      cause: error,
    });
  }
  if (code && UNREACHABLE_CODES.has(code)) {
    return new DbError(DbErrorCode.unreachable, `cannot reach ${where}: ${message} (${code})`, {
      hint: 'Check the host and port, that the database is running, and that its security group admits this task.',
      exit: 'environment',
      retryable: true,
      details: { code },
      cause: error,
    });
  }
  if (code === '28P01' || code === '28000') {
    return new DbError(DbErrorCode.authFailed, `${where} refused the credentials: ${message}`, {
      hint: 'Check the user and password (DATABASE_URL or the Secrets Manager secret), and pg_hba / rds.force_ssl for "no encryption" rejections.',
      exit: 'permission',
      details: { code },
      cause: error,
    });
  }
  return error;
}
