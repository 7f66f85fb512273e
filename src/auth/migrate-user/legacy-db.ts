/**
 * The migrate-user Lambda's database connection: DATABASE_URL, or the Secrets Manager secret named by
 * LEGACY_DB_SECRET_ARN (an RDS-style secret {username, password, host, port, dbname} or {url}).
 * TLS: LEGACY_DB_SSL = disable | require | verify-full (default: verify-full unless the host is loopback),
 * LEGACY_DB_CA_FILE = a CA bundle to trust (RDS's is not in Node's default store).
 */
import { readFileSync } from 'node:fs';
import type pg from 'pg';

export type Env = Record<string, string | undefined>;

export interface SecretShape {
  url?: string;
  DATABASE_URL?: string;
  username?: string;
  password?: string;
  host?: string;
  port?: number | string;
  dbname?: string;
}

async function readSecret(arn: string, region: string | undefined): Promise<SecretShape> {
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient(region ? { region } : {});
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!out.SecretString) throw new Error('the legacy DB secret has no SecretString');
    return JSON.parse(out.SecretString) as SecretShape;
  } finally {
    client.destroy();
  }
}

function sslFor(host: string | undefined, env: Env): pg.PoolConfig['ssl'] {
  const loopback = !host || host === 'localhost' || host.startsWith('127.') || host === '::1';
  const mode = env.LEGACY_DB_SSL ?? (loopback ? 'disable' : 'verify-full');
  if (mode === 'disable') return false;
  const ca = env.LEGACY_DB_CA_FILE ? readFileSync(env.LEGACY_DB_CA_FILE, 'utf8') : undefined;
  return { rejectUnauthorized: mode === 'verify-full', ...(ca ? { ca } : {}) };
}

/** The pg pool settings from the Lambda's environment; the password stays out of anything printable. */
export async function legacyDbConfig(
  env: Env = process.env,
  deps: { readSecret?: (arn: string, region: string | undefined) => Promise<SecretShape> } = {},
): Promise<pg.PoolConfig> {
  let url = env.DATABASE_URL;
  let secret: SecretShape | undefined;
  if (!url && env.LEGACY_DB_SECRET_ARN) {
    secret = await (deps.readSecret ?? readSecret)(env.LEGACY_DB_SECRET_ARN, env.AWS_REGION);
    url = secret.url ?? secret.DATABASE_URL;
  }
  // A Lambda serves one sign-in at a time: one connection, kept warm between invocations.
  const common = { max: 1, idleTimeoutMillis: 60_000, connectionTimeoutMillis: 5_000, allowExitOnIdle: true };
  if (url) {
    const host = new URL(url).hostname;
    return { ...common, connectionString: url, ssl: sslFor(host, env) };
  }
  if (secret?.host) {
    return {
      ...common,
      host: secret.host,
      port: Number(secret.port ?? 5432),
      user: secret.username,
      password: secret.password,
      database: secret.dbname ?? 'postgres',
      ssl: sslFor(secret.host, env),
    };
  }
  throw new Error('set DATABASE_URL or LEGACY_DB_SECRET_ARN for the legacy credential store');
}
