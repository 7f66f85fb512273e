/**
 * Connections for the database phase. Every connection is injected through `ConnectFn` so tests and the
 * demo can hand in their own; the default opens a pg.Client from a connection string.
 */
import { connectPostgres, type PgClient } from '../core/pg.ts';

export type { PgClient };

/**
 * Opens a connection; `role` says which side, for error messages. `connectTimeoutMs` bounds the attempt
 * (a probe's), else connect_timeout applies.
 */
export type ConnectFn = (
  url: string,
  role: 'source' | 'target' | 'admin',
  options?: { connectTimeoutMs?: number },
) => Promise<PgClient>;

export const defaultConnect: ConnectFn = (url, role, options) => connectPostgres(url, role, options);

export async function withClient<T>(
  connect: ConnectFn,
  url: string,
  role: 'source' | 'target' | 'admin',
  fn: (client: PgClient) => Promise<T>,
): Promise<T> {
  const client = await connect(url, role);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Session settings that fix the text form of values, so digests agree between servers. */
export const DIGEST_SETTINGS: Readonly<Record<string, string>> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, MDY',
  IntervalStyle: 'postgres',
  extra_float_digits: '3',
  bytea_output: 'hex',
  lc_monetary: 'C',
};

export async function applyDigestSettings(client: PgClient): Promise<void> {
  for (const [name, value] of Object.entries(DIGEST_SETTINGS)) {
    await client.query('SELECT pg_catalog.set_config($1, $2, false)', [name, value]);
  }
}

/** The server's major version (15, 16, 17...). */
export async function serverMajor(client: PgClient): Promise<number> {
  const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  return Math.floor(Number(rows[0]?.v ?? 0) / 10000);
}

/** The user name in a connection string. */
export function urlUser(url: string): string | undefined {
  try {
    const user = decodeURIComponent(new URL(url).username);
    return user || undefined;
  } catch {
    return undefined;
  }
}

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
