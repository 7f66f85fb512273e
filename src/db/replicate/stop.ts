/**
 * `db replicate stop`: drops the subscription on the subscriber, then the slot and the publication on the
 * publisher. Each is dropped only if it is there, so a re-run or a half-stopped replication finishes.
 */
import { defaultConnect, withClient, type ConnectFn } from '../../core/pg.ts';
import { replicationNames, urlDatabase, type ReplicationNames } from './names.ts';
import { writableConnect } from './freeze.ts';
import { dropPublication, dropSlot, dropSubscription } from './objects.ts';

export interface StopReplicationOptions {
  sourceUrl: string;
  targetUrl: string;
  /** Connection used to drop the subscription when the target's user did not create it. @default targetUrl */
  subscriberAdminUrl?: string;
  connect?: ConnectFn;
}

export interface StopReplicationResult {
  version: 1;
  names: ReplicationNames;
  dropped: string[];
}

export async function stopReplication(options: StopReplicationOptions): Promise<StopReplicationResult> {
  const connect = writableConnect(options.connect ?? defaultConnect);
  const names = replicationNames(urlDatabase(options.sourceUrl));
  const result: StopReplicationResult = { version: 1, names, dropped: [] };
  await withClient(connect, options.subscriberAdminUrl ?? options.targetUrl, 'target', async (admin) => {
    if (await dropSubscription(admin, names.subscription))
      result.dropped.push(`subscription ${names.subscription}`);
  });
  await withClient(connect, options.sourceUrl, 'source', async (source) => {
    if (await dropSlot(source, names.slot)) result.dropped.push(`slot ${names.slot}`);
    if (await dropPublication(source, names.publication))
      result.dropped.push(`publication ${names.publication}`);
  });
  return result;
}
