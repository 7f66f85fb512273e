/**
 * `db replicate start|status|stop|reverse`: the group, one file per subcommand. The forward direction
 * publishes from the source's direct host (db.replication.sourceUrl, else source.db.url) to the target;
 * reverse swaps the sides (as `db rollback` does: ../cutover.ts).
 */
import type { Command } from 'commander';
import { registerDbReplicateReverse } from './reverse.ts';
import { registerDbReplicateStart } from './start.ts';
import { registerDbReplicateStatus } from './status.ts';
import { registerDbReplicateStop } from './stop.ts';

export function registerDbReplicate(db: Command): void {
  const replicate = db
    .command('replicate')
    .description('live migration: logical replication from Supabase to RDS (and back)');
  registerDbReplicateStart(replicate);
  registerDbReplicateStatus(replicate);
  registerDbReplicateStop(replicate);
  registerDbReplicateReverse(replicate);
}
