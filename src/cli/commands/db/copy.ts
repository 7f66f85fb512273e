import type { Command } from 'commander';
import { ExitCode } from '../../../core/errors.ts';
import { formatBytes } from '../../../core/format-bytes.ts';
import { DB_MAX_CONCURRENCY, runCopyPhase, type CopyDataResult } from '../../../db/index.ts';
import { DEFAULT_REPORT_DIR } from '../../../report/index.ts';
import { action, type CommandContext } from '../../context.ts';
import { intInRange } from '../../option-parsers.ts';
import { formatDuration, table } from '../../render.ts';
import { tableList } from './flags.ts';

function copyText(result: CopyDataResult): string {
  return [
    table(
      ['table', 'action', 'why', 'format', 'rows', 'size', 'time'],
      result.tables.map((t) => [
        t.table,
        t.action,
        t.reason,
        t.format ?? '-',
        t.rows ?? '-',
        t.bytes === undefined ? '-' : formatBytes(t.bytes),
        t.elapsedMs === undefined ? '-' : formatDuration(t.elapsedMs),
      ]),
    ),
    result.dryRun
      ? 'dry run: nothing copied'
      : `${result.rows} rows, ${formatBytes(result.bytes)} in ${formatDuration(result.elapsedMs)} from snapshot ${result.snapshot}; ${result.deferred.restored} keys/indexes/FKs re-created; ${result.sequences.length} sequence(s) set`,
    ...(result.missingOnTarget.length > 0
      ? [
          `not on the target (not copied): ${result.missingOnTarget.join(', ')}`,
          'apply the schema first: supa2aws db schema',
        ]
      : []),
    result.dryRun ? '' : 'Next: supa2aws db verify',
  ].join('\n');
}

interface CopyFlags {
  concurrency?: number;
  tables?: string;
  format?: string;
  dryRun?: boolean;
  reportDir: string;
}

/** Copies the tables (or says what it would with --dry-run); tables missing on the target are an environment exit. */
async function runCopy(ctx: CommandContext, opts: CopyFlags): Promise<number> {
  const { config } = await ctx.config();
  await ctx.confirm('db copy', { dryRun: opts.dryRun === true });
  const result = await runCopyPhase(
    config,
    {
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      ...(opts.format ? { format: opts.format } : {}),
      ...(opts.tables ? { tables: tableList(opts.tables) } : {}),
      dryRun: opts.dryRun === true,
      reportDir: opts.reportDir,
    },
    { reporter: ctx.reporter, signal: ctx.signal },
  );
  ctx.print(result, () => copyText(result));
  // Tables missing on the target mean the schema is not applied: an environment problem, not a difference.
  return result.missingOnTarget.length === 0 ? 0 : ExitCode.environment;
}

/** `db copy`: every table from one source snapshot, several at once; converges when re-run. */
export function registerDbCopy(db: Command): void {
  db.command('copy')
    .description(
      'copy every table from one source snapshot, several at once, as the owner role; converges when re-run',
    )
    .option('--concurrency <n>', 'tables at once (default db.concurrency)', intInRange(1, DB_MAX_CONCURRENCY))
    .option('--tables <list>', 'only these tables, comma-separated schema.name')
    .option('--format <format>', 'auto | binary | text (default db.copyFormat)')
    .option('--dry-run', 'say what would be copied and skipped')
    .option('--report-dir <dir>', 'where the phase report goes', DEFAULT_REPORT_DIR)
    .action(action(runCopy));
}
