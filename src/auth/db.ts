/** Connections the auth phase opens: source (Supabase) and target (RDS), closed whatever happens. */
import pg from 'pg';
import { AuthError } from '../core/errors.ts';
import { redactUrl } from '../core/redact.ts';

export type Connect = (url: string) => Promise<pg.Client>;

export const defaultConnect: Connect = async (url) => {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    const e = error as { code?: string; message?: string };
    throw new AuthError(
      'AUTH_DB_UNREACHABLE',
      `could not connect to ${redactUrl(url)}: ${e.message ?? e.code}`,
      {
        exit: e.code === '28P01' || e.code === '28000' ? 'permission' : 'environment',
        hint: 'Check the connection string in supa2aws.config.json (source.db.url / target.db.url).',
        retryable: e.code === 'ECONNREFUSED',
      },
    );
  }
  return client;
};

export async function withClient<T>(
  connect: Connect,
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await connect(url);
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
