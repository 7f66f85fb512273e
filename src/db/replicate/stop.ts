/**
 * `db replicate stop`: drops the subscription on the subscriber, then the slot and the publication on the
 * publisher. Each is dropped only if it is there, so a re-run or a half-stopped replication finishes. With
 * `dryRun` it names what is there to drop and drops nothing.
 */
import { defaultConnect, withClient, type ConnectFn } from '../../core/pg.ts';
import { replicationNames, urlDatabase, type ReplicationNames } from './names.ts';
import { writableConnect } from './freeze.ts';
import {
  dropPublication,
  dropSlot,
  dropSubscription,
  findSlot,
  findSubscription,
  publicationExists,
} from './objects.ts';

export interface StopReplicationOptions {
  sourceUrl: string;
  targetUrl: string;
  /** Connection used to drop the subscription when the target's user did not create it. @default targetUrl */
  subscriberAdminUrl?: string;
  /** Name what is there to drop; drop nothing. @default false */
  dryRun?: boolean;
  connect?: ConnectFn;
}

export interface StopReplicationResult {
  version: 1;
  names: ReplicationNames;
  dryRun: boolean;
  /** What was dropped (with dryRun: what would be). */
  dropped: string[];
}

export async function stopReplication(options: StopReplicationOptions): Promise<StopReplicationResult> {
  const connect = writableConnect(options.connect ?? defaultConnect);
  const names = replicationNames(urlDatabase(options.sourceUrl));
  const dryRun = options.dryRun === true;
  const result: StopReplicationResult = { version: 1, names, dryRun, dropped: [] };
  /** Drops one object if it is there (with dryRun: only looks); says whether it was. */
  const drop = async (what: string, exists: () => Promise<unknown>, remove: () => Promise<boolean>) => {
    if (dryRun ? Boolean(await exists()) : await remove()) result.dropped.push(what);
  };
  await withClient(connect, options.subscriberAdminUrl ?? options.targetUrl, 'target', (admin) =>
    drop(
      `subscription ${names.subscription}`,
      () => findSubscription(admin, names.subscription),
      () => dropSubscription(admin, names.subscription),
    ),
  );
  await withClient(connect, options.sourceUrl, 'source', async (source) => {
    await drop(
      `slot ${names.slot}`,
      () => findSlot(source, names.slot),
      () => dropSlot(source, names.slot),
    );
    await drop(
      `publication ${names.publication}`,
      () => publicationExists(source, names.publication),
      () => dropPublication(source, names.publication),
    );
  });
  return result;
}
