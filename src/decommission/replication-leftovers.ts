/**
 * Replication objects supa2aws made (named supa2aws_…) that are still there: a slot keeps WAL on its
 * server forever once nobody reads it, and a subscription keeps connecting to a database about to go.
 */
import { defaultConnect, withClient, type ConnectFn } from '../core/pg.ts';
import { REPLICATION_PREFIX } from '../db/replicate/names.ts';

/** `slot x on the source`, `subscription y on the target`…, for every supa2aws replication object left. */
export async function replicationLeftovers(
  sides: Array<{ url: string; side: 'source' | 'target' }>,
  connect: ConnectFn = defaultConnect,
): Promise<string[]> {
  const found: string[] = [];
  for (const { url, side } of sides) {
    await withClient(connect, url, side, async (client) => {
      const { rows } = await client.query<{ kind: string; name: string }>(
        `SELECT 'slot' AS kind, slot_name::text AS name FROM pg_catalog.pg_replication_slots
          WHERE slot_name LIKE $1 AND database = current_database()
         UNION ALL
         SELECT 'publication', pubname::text FROM pg_catalog.pg_publication WHERE pubname LIKE $1
         UNION ALL
         SELECT 'subscription', subname::text FROM pg_catalog.pg_subscription
          WHERE subname LIKE $1 AND subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
         ORDER BY 1, 2`,
        [`${REPLICATION_PREFIX.replace(/_/g, '\\_')}%`],
      );
      for (const r of rows) found.push(`${r.kind} ${r.name} on the ${side}`);
    });
  }
  return found;
}
