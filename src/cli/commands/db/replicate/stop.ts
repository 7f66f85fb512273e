import type { Command } from 'commander';
import { stopReplicationFromConfig } from '../../../../db/index.ts';
import { action } from '../../../context.ts';
import { subscriberAdmin } from '../flags.ts';

/** `db replicate stop [--reverse]`: the subscription, slot and publication dropped. */
export function registerDbReplicateStop(replicate: Command): void {
  replicate
    .command('stop')
    .description('drop the subscription, the slot and the publication (either direction)')
    .option('--reverse', 'stop the way back (RDS → Supabase)')
    .option('--subscriber-admin-url <url>', "superuser connection that owns the way back's subscription")
    .action(
      action(async (ctx, opts: { reverse?: boolean; subscriberAdminUrl?: string }) => {
        const { config } = await ctx.config();
        const result = await stopReplicationFromConfig(config, {
          direction: opts.reverse ? 'reverse' : 'forward',
          ...subscriberAdmin(opts.subscriberAdminUrl),
        });
        ctx.print(result, () =>
          result.dropped.length > 0 ? `dropped ${result.dropped.join(', ')}` : 'nothing to drop',
        );
        return 0;
      }),
    );
}
