/**
 * `db cutover` and `db rollback`: the same switch, forward (Supabase → RDS) and back (RDS → Supabase,
 * after `db replicate reverse`), with the same flags; `--undo` lifts a write freeze an interrupted run left.
 */
import type { Command } from 'commander';
import {
  cutoverFromConfig,
  cutoverPhaseReport,
  undoCutoverFreezeFromConfig,
  type CutoverResult,
} from '../../../db/index.ts';
import { DEFAULT_REPORT_DIR, timed, writePhaseReport } from '../../../report/index.ts';
import { action, type CommandContext } from '../../context.ts';
import { positiveInt, wholeNumber } from '../../option-parsers.ts';
import { formatDuration, table } from '../../render.ts';
import { subscriberAdmin } from './flags.ts';

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

const cutoverFlags = (command: Command) =>
  command
    .option('--dry-run', 'show the plan; change nothing')
    .option(
      '--undo',
      'lift a write freeze left by an interrupted run, and stop there (with --dry-run: name the frozen roles)',
    )
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

/** What `--undo` did, or with --dry-run would do. */
function undoText(roles: string[], dryRun: boolean): string {
  if (roles.length === 0) return 'no write freeze to lift';
  return dryRun
    ? `dry run: writes would be allowed again for ${roles.join(', ')}; nothing changed`
    : `writes allowed again for ${roles.join(', ')}`;
}

/**
 * `--undo` asks too: it is the way out of an interrupted run, but it makes the old side writable again, and
 * after a finished switch the app writes to the new side: a write to the old one would be lost.
 */
async function runUndo(ctx: CommandContext, opts: CutoverFlags, direction: 'cutover' | 'rollback') {
  const { config } = await ctx.config();
  const dryRun = opts.dryRun === true;
  await ctx.confirm(`db ${direction} --undo`, { dryRun });
  const roles = await undoCutoverFreezeFromConfig(config, { direction, dryRun }, { reporter: ctx.reporter });
  ctx.print(dryRun ? { dryRun, frozen: roles } : { unfrozen: roles }, () => undoText(roles, dryRun));
  return 0;
}

const runCutover = async (ctx: CommandContext, opts: CutoverFlags, direction: 'cutover' | 'rollback') => {
  if (opts.undo) return runUndo(ctx, opts, direction);
  const { config } = await ctx.config();
  await ctx.confirm(`db ${direction}`, { dryRun: opts.dryRun === true });
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

/** `db cutover`: freeze Supabase, catch up, sequences ahead, verify, the DATABASE_URL switch. */
export function registerDbCutover(db: Command): void {
  cutoverFlags(
    db
      .command('cutover')
      .description(
        'freeze writes on Supabase, wait for lag 0, set sequences ahead, verify both sides, print the DATABASE_URL switch',
      ),
  ).action(action((ctx, opts: CutoverFlags) => runCutover(ctx, opts, 'cutover')));
}

/** `db rollback`: the cutover the other way, after `db replicate reverse`. */
export function registerDbRollback(db: Command): void {
  cutoverFlags(
    db
      .command('rollback')
      .description(
        'the cutover the other way (after db replicate reverse): freeze RDS, wait, sequences, verify, lift the freeze on Supabase',
      )
      .option('--subscriber-admin-url <url>', "superuser connection that owns the way back's subscription"),
  ).action(action((ctx, opts: CutoverFlags) => runCutover(ctx, opts, 'rollback')));
}
