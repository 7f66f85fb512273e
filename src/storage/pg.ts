/** Database connections for the storage phase (storage.objects, URL columns, the URL ledger). */
import pg from 'pg';
import { DbError } from '../core/errors.ts';
import { redactUrl } from '../core/redact.ts';

export type PgClient = pg.Client;

/** Opens a connection; injectable so tests can hand in their own. */
export type ConnectFn = (url: string) => Promise<PgClient>;

export const connectPg: ConnectFn = async (url) => {
  const client = new pg.Client({ connectionString: url, application_name: 'supa2aws-storage' });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const code = (error as { code?: string }).code;
    const auth = code === '28P01' || code === '28000';
    throw new DbError(
      auth ? 'DB_AUTH_FAILED' : 'DB_UNREACHABLE',
      `cannot connect to ${redactUrl(url)}: ${(error as Error).message}`,
      {
        exit: auth ? 'permission' : 'environment',
        cause: error,
        hint: auth
          ? 'Check the user and password of the database URL in the config.'
          : 'Is the database reachable from here? `supa2aws doctor` checks it.',
      },
    );
  }
  client.on('error', () => undefined);
  return client;
};

export async function withPg<T>(
  url: string,
  connect: ConnectFn,
  fn: (client: PgClient) => Promise<T>,
): Promise<T> {
  const client = await connect(url);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}
