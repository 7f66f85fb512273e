import type { Command } from 'commander';
import { replicateStartPhaseReport, startReplicationFromConfig } from '../../../../db/index.ts';
import { DEFAULT_REPORT_DIR, timed, writePhaseReport } from '../../../../report/index.ts';
import { action } from '../../../context.ts';
import { positiveInt } from '../../../option-parsers.ts';
import { startText } from './render.ts';

/** `db replicate start [--dry-run]`: Supabase → RDS set up, the initial copy made from the slot's snapshot. */
export function registerDbReplicateStart(replicate: Command): void {
  replicate
    .command('start')
    .description(
      'publication + slot with an exported snapshot on the source, the initial copy from that snapshot, a subscription on the target; converges when re-run',
    )
    .option('--concurrency <n>', 'tables copied at once (default db.concurrency)', positiveInt)
    .option('--dry-run', 'check both sides and show the steps it would take; change nothing')
    .option('--report-dir <dir>', 'where the phase report goes', DEFAULT_REPORT_DIR)
    .action(
      action(async (ctx, opts: { concurrency?: number; dryRun?: boolean; reportDir: string }) => {
        const { config } = await ctx.config();
        const dryRun = opts.dryRun === true;
        await ctx.confirm('db replicate start', { dryRun });
        const { value, timing } = await timed(() =>
          startReplicationFromConfig(
            config,
            { ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}), dryRun },
            { reporter: ctx.reporter, signal: ctx.signal },
          ),
        );
        if (!dryRun) writePhaseReport(opts.reportDir, replicateStartPhaseReport(value, timing));
        ctx.print(value, () =>
          startText(
            value,
            'db replicate start',
            'supa2aws db replicate status, then supa2aws db cutover --dry-run',
          ),
        );
        return 0;
      }),
    );
}
