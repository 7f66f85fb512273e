/** Database connections for the storage phase (storage.objects, URL columns, the URL ledger). */
import { connectPostgres, type PgClient } from '../core/pg.ts';

export type { PgClient };

/** Opens a connection; injectable so tests can hand in their own. */
export type ConnectFn = (url: string) => Promise<PgClient>;

export const connectPg: ConnectFn = (url) =>
  connectPostgres(url, 'database', { applicationName: 'supa2aws-storage' });

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
