import type { Command } from 'commander';
import { stopReplicationFromConfig, type StopReplicationResult } from '../../../../db/index.ts';
import { action } from '../../../context.ts';
import { subscriberAdmin } from '../flags.ts';

function stopText(r: StopReplicationResult): string {
  if (r.dropped.length === 0) return 'nothing to drop';
  return r.dryRun
    ? `dry run: would drop ${r.dropped.join(', ')}; nothing changed`
    : `dropped ${r.dropped.join(', ')}`;
}

/** `db replicate stop [--reverse] [--dry-run]`: the subscription, slot and publication dropped. */
export function registerDbReplicateStop(replicate: Command): void {
  replicate
    .command('stop')
    .description('drop the subscription, the slot and the publication (either direction)')
    .option('--reverse', 'stop the way back (RDS → Supabase)')
    .option('--subscriber-admin-url <url>', "superuser connection that owns the way back's subscription")
    .option('--dry-run', 'name what is there to drop; drop nothing')
    .action(
      action(async (ctx, opts: { reverse?: boolean; subscriberAdminUrl?: string; dryRun?: boolean }) => {
        const { config } = await ctx.config();
        const dryRun = opts.dryRun === true;
        await ctx.confirm(opts.reverse ? 'db replicate stop --reverse' : 'db replicate stop', { dryRun });
        const result = await stopReplicationFromConfig(config, {
          direction: opts.reverse ? 'reverse' : 'forward',
          ...subscriberAdmin(opts.subscriberAdminUrl),
          dryRun,
        });
        ctx.print(result, () => stopText(result));
        return 0;
      }),
    );
}
