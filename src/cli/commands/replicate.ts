/**
 * `db replicate start|status|stop|reverse`, `db cutover` and `db rollback`: flags in, one library call,
 * the result printed. The forward direction publishes from the source's direct host
 * (db.replication.sourceUrl, else source.db.url) to the target; reverse and rollback swap the sides.
 */
import type { Command } from 'commander';
import {
  cutoverFromConfig,
  cutoverPhaseReport,
  replicateStartPhaseReport,
  replicationStatusFromConfig,
  startReplicationFromConfig,
  stopReplicationFromConfig,
  undoCutoverFreezeFromConfig,
  type CutoverResult,
  type ReplicationStatus,
  type StartReplicationResult,
} from '../../db/index.ts';
import { DEFAULT_REPORT_DIR, timed, writePhaseReport } from '../../report/index.ts';
import { action, type CommandContext } from '../context.ts';
import { positiveInt, wholeNumber } from '../option-parsers.ts';
import { formatBytes } from '../../core/format-bytes.ts';
import { formatDuration, table } from '../render.ts';

/** The superuser connection for the way back's subscription on Supabase: the flag, else SUPA2AWS_SOURCE_ADMIN_URL. */
function subscriberAdmin(flag: string | undefined): { subscriberAdminUrl?: string } {
  const url = flag ?? process.env.SUPA2AWS_SOURCE_ADMIN_URL;
  return url ? { subscriberAdminUrl: url } : {};
}

function startText(r: StartReplicationResult, next: string): string {
  return [
    r.action === 'already running'
      ? `replication ${r.names.slot} is already running: nothing to do`
      : `replication ${r.names.slot} started from ${r.consistentPoint}: ${r.published.length} table(s) published, ${r.copy?.rows ?? 0} row(s) copied from the slot snapshot in ${formatDuration(r.elapsedMs)}`,
    ...r.cleaned.map((c) => `dropped ${c}`),
    ...r.copiedAtCutover.map((t) => `${t.table}: ${t.reason}`),
    `Next: ${next}`,
  ].join('\n');
}

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

function cutoverText(r: CutoverResult, what: string): string {
  if (r.action === 'planned')
    return [`${what} plan (--dry-run, nothing changed):`, ...r.plan.map((p, i) => `  ${i + 1}. ${p}`)].join(
      '\n',
    );
  if (r.action === 'already cut over')
    return `${what} already finished: the old side is read-only and replication is gone.${r.unfrozenTarget.length > 0 ? ` Writes allowed again for ${r.unfrozenTarget.join(', ')}.` : ''}`;
  return [
    table(
      ['step', 'time', 'detail'],
      r.steps.map((s) => [s.name, formatDuration(s.durationMs), s.detail]),
    ),
    `write freeze: ${r.freeze.durationMs === null ? '?' : formatDuration(r.freeze.durationMs)} (${r.freeze.roles.join(', ')} read-only on the old side, which stays so)`,
    ...(r.resumed ? ['(finished a cutover an earlier run had started)'] : []),
    '',
    `Switch the app now: DATABASE_URL=${r.databaseUrl}`,
  ].join('\n');
}

const REVERSE_HELP = `
Who may subscribe on Supabase (the way back creates its subscription there):
  PostgreSQL 17 project: postgres holds pg_create_subscription; nothing to pass.
  PostgreSQL 15 project: only a superuser may CREATE SUBSCRIPTION, and Supabase gives projects none.
    Either pass --subscriber-admin-url with a superuser connection (only Supabase support can give one),
    or upgrade the project to 17 before \`db cutover\`, or go back by snapshot: stop writes to RDS, load
    RDS's app tables into Supabase (pg_dump --data-only | psql), then \`db cutover --undo\`.
  Checked before anything is created: REPLICATE_REVERSE_NEEDS_SUPERUSER, exit 4.
The key-less tables RDS publishes need the REPLICA IDENTITY they had on Supabase (db schema carries it).`;

export function registerReplicate(db: Command): void {
  const replicate = db
    .command('replicate')
    .description('live migration: logical replication from Supabase to RDS (and back)');

  replicate
    .command('start')
    .description(
      'publication + slot with an exported snapshot on the source, the initial copy from that snapshot, a subscription on the target; converges when re-run',
    )
    .option('--concurrency <n>', 'tables copied at once (default db.concurrency)', positiveInt)
    .option('--report-dir <dir>', 'where the phase report goes', DEFAULT_REPORT_DIR)
    .action(
      action(async (ctx, opts: { concurrency?: number; reportDir: string }) => {
        const { config } = await ctx.config();
        const { value, timing } = await timed(() =>
          startReplicationFromConfig(
            config,
            { ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}) },
            { reporter: ctx.reporter, signal: ctx.signal },
          ),
        );
        writePhaseReport(opts.reportDir, replicateStartPhaseReport(value, timing));
        ctx.print(value, () =>
          startText(value, 'supa2aws db replicate status, then supa2aws db cutover --dry-run'),
        );
        return 0;
      }),
    );

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

  replicate
    .command('reverse')
    .description(
      'after cutover: replicate RDS → Supabase (RDS needs rds.logical_replication = 1), so a rollback keeps the writes made on RDS',
    )
    .option(
      '--subscriber-admin-url <url>',
      'superuser connection to Supabase for CREATE SUBSCRIPTION (PostgreSQL 15); or SUPA2AWS_SOURCE_ADMIN_URL',
    )
    .option('--report-dir <dir>', 'where the phase report goes', DEFAULT_REPORT_DIR)
    .addHelpText('after', REVERSE_HELP)
    .action(
      action(async (ctx, opts: { subscriberAdminUrl?: string; reportDir: string }) => {
        const { config } = await ctx.config();
        const { value, timing } = await timed(() =>
          startReplicationFromConfig(
            config,
            { direction: 'reverse', ...subscriberAdmin(opts.subscriberAdminUrl) },
            { reporter: ctx.reporter, signal: ctx.signal },
          ),
        );
        writePhaseReport(opts.reportDir, {
          ...replicateStartPhaseReport(value, timing),
          command: 'replicate reverse',
        });
        ctx.print(value, () => startText(value, 'if the app must go back: supa2aws db rollback --dry-run'));
        return 0;
      }),
    );

  const cutoverFlags = (command: Command) =>
    command
      .option('--dry-run', 'show the plan; change nothing')
      .option('--undo', 'lift a write freeze left by an interrupted run, and stop there')
      .option(
        '--sequence-margin <n>',
        'added to every sequence (default db.replication.sequenceMargin)',
        wholeNumber,
      )
      .option(
        '--lag-timeout <seconds>',
        'wait this long for the catch-up (default db.replication.lagTimeoutSeconds)',
        positiveInt,
      )
      .option('--report-dir <dir>', 'where the phase report goes', DEFAULT_REPORT_DIR);

  interface CutoverFlags {
    dryRun?: boolean;
    undo?: boolean;
    sequenceMargin?: number;
    lagTimeout?: number;
    subscriberAdminUrl?: string;
    reportDir: string;
  }

  const runCutover = async (ctx: CommandContext, opts: CutoverFlags, direction: 'cutover' | 'rollback') => {
    const { config } = await ctx.config();
    if (opts.undo) {
      const roles = await undoCutoverFreezeFromConfig(config, { direction }, { reporter: ctx.reporter });
      ctx.print({ unfrozen: roles }, () =>
        roles.length > 0 ? `writes allowed again for ${roles.join(', ')}` : 'no write freeze to lift',
      );
      return 0;
    }
    const { value, timing } = await timed(() =>
      cutoverFromConfig(
        config,
        {
          direction,
          ...(opts.sequenceMargin !== undefined ? { sequenceMargin: opts.sequenceMargin } : {}),
          ...(opts.lagTimeout !== undefined ? { lagTimeoutSeconds: opts.lagTimeout } : {}),
          ...subscriberAdmin(opts.subscriberAdminUrl),
          dryRun: opts.dryRun === true,
        },
        { reporter: ctx.reporter, signal: ctx.signal },
      ),
    );
    if (!opts.dryRun) writePhaseReport(opts.reportDir, cutoverPhaseReport(direction, value, timing));
    ctx.print(value, () => cutoverText(value, direction));
    return 0;
  };

  cutoverFlags(
    db
      .command('cutover')
      .description(
        'freeze writes on Supabase, wait for lag 0, set sequences ahead, verify both sides, print the DATABASE_URL switch',
      ),
  ).action(action((ctx, opts: CutoverFlags) => runCutover(ctx, opts, 'cutover')));

  cutoverFlags(
    db
      .command('rollback')
      .description(
        'the cutover the other way (after db replicate reverse): freeze RDS, wait, sequences, verify, lift the freeze on Supabase',
      )
      .option('--subscriber-admin-url <url>', "superuser connection that owns the way back's subscription"),
  ).action(action((ctx, opts: CutoverFlags) => runCutover(ctx, opts, 'rollback')));
}
