import type { Command } from 'commander';
import { formatBytes } from '../../../../core/format-bytes.ts';
import { replicationStatusFromConfig, type ReplicationStatus } from '../../../../db/index.ts';
import { action } from '../../../context.ts';
import { wholeNumber } from '../../../option-parsers.ts';
import { table } from '../../../render.ts';

function statusText(s: ReplicationStatus): string {
  if (s.state === 'not set up')
    return `no replication ${s.names.slot}: start it with supa2aws db replicate start`;
  const lines = [
    `${s.names.slot}: ${s.state}`,
    `lag: ${s.lagBytes === null ? '?' : formatBytes(s.lagBytes)}, ${s.lagSeconds === null ? '?' : `${s.lagSeconds.toFixed(2)} s`}; throughput ${s.throughputBytesPerSecond === null ? '?' : `${formatBytes(s.throughputBytesPerSecond)}/s`}`,
    `slot: ${s.slot ? `${s.slot.active ? 'active' : 'idle'}, keeps ${formatBytes(s.slot.retainedBytes)} of WAL (${s.slot.walStatus})` : 'missing'}`,
    table(
      ['table', 'state'],
      s.tables.map((t) => [t.table, t.state]),
    ),
    ...s.problems.map((p) => `PROBLEM: ${p}`),
    ...s.warnings.map((w) => `warning: ${w}`),
  ];
  return lines.join('\n');
}

/** `db replicate status [--watch]`: either direction's sync state and lag; exit 3 when broken. */
export function registerDbReplicateStatus(replicate: Command): void {
  replicate
    .command('status')
    .description('per-table sync state, lag in bytes and seconds, WAL the slot keeps, throughput')
    .option('--watch [seconds]', 'print again every few seconds until Ctrl-C', wholeNumber)
    .option('--reverse', 'the way back (RDS → Supabase)')
    .action(
      action(async (ctx, opts: { watch?: number | true; reverse?: boolean }) => {
        const { config } = await ctx.config();
        const read = () =>
          replicationStatusFromConfig(config, { direction: opts.reverse ? 'reverse' : 'forward' });
        let status = await read();
        ctx.print(status, () => statusText(status));
        if (opts.watch !== undefined) {
          const every = (opts.watch === true ? 5 : Math.max(1, opts.watch)) * 1000;
          while (!ctx.signal.aborted) {
            await new Promise((r) => setTimeout(r, every));
            if (ctx.signal.aborted) break;
            status = await read();
            ctx.print(status, () => statusText(status));
          }
        }
        return status.state === 'broken' ? 3 : 0;
      }),
    );
}
