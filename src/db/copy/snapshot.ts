/**
 * One consistent view of the source for every worker: a coordinator transaction exports its snapshot
 * (pg_export_snapshot) and keeps it open; each worker opens REPEATABLE READ and imports it.
 * Works through Supabase's session pooler (5432), not through the transaction pooler (6543).
 */
import { DbError } from '../../core/errors.ts';
import { pgErrorFields, type ConnectFn, type PgClient } from '../../core/pg.ts';
import { applyDigestSettings } from '../digest-settings.ts';

export interface SourceSnapshot {
  id: string;
  /** The coordinator connection; it reads within the snapshot too. */
  client: PgClient;
  /** Opens another connection reading the same snapshot. */
  worker(): Promise<PgClient>;
  /** Ends the coordinator transaction and closes it. */
  close(): Promise<void>;
}

async function begin(client: PgClient, snapshot?: string): Promise<void> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  if (snapshot) await client.query(`SET TRANSACTION SNAPSHOT '${snapshot.replace(/'/g, "''")}'`);
  await applyDigestSettings(client);
}

/**
 * Opens the coordinator transaction. With `existing`, it imports that snapshot (e.g. the one a logical
 * replication slot exported when it was created, so the copy ends exactly where the slot's changes begin)
 * instead of exporting its own.
 */
export async function openSnapshot(
  connect: ConnectFn,
  sourceUrl: string,
  existing?: string,
): Promise<SourceSnapshot> {
  const client = await connect(sourceUrl, 'source');
  let id: string;
  try {
    await begin(client, existing);
    if (existing) id = existing;
    else {
      const { rows } = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
      id = rows[0]!.id;
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new DbError(
      'DB_SNAPSHOT_FAILED',
      `cannot export a snapshot of the source: ${pgErrorFields(error).message}`,
      {
        cause: error,
        hint: 'Connect through the session pooler (port 5432) or the direct host; the transaction pooler (6543) cannot share snapshots.',
      },
    );
  }
  return {
    id,
    client,
    async worker() {
      const worker = await connect(sourceUrl, 'source');
      try {
        await begin(worker, id);
      } catch (error) {
        await worker.end().catch(() => undefined);
        throw new DbError(
          'DB_SNAPSHOT_FAILED',
          `cannot import the source snapshot ${id}: ${pgErrorFields(error).message}`,
          {
            cause: error,
            hint: 'Use the session pooler (5432) or the direct host: every worker must reach the same server session pool.',
          },
        );
      }
      return worker;
    },
    async close() {
      await client.query('COMMIT').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
