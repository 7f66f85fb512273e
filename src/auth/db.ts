/** Connections the auth phase opens: source (Supabase) and target (RDS), closed whatever happens. */
import type pg from 'pg';
import { connectPostgres } from '../core/pg.ts';

export type Connect = (url: string) => Promise<pg.Client>;

export const defaultConnect: Connect = (url) =>
  connectPostgres(url, 'database', { applicationName: 'supa2aws-auth' });

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
