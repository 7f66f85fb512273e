import type { Command } from 'commander';
import { DB_MAX_CONCURRENCY, runVerifyPhase, verifyReportMarkdown } from '../../../db/index.ts';
import { DEFAULT_REPORT_DIR } from '../../../report/index.ts';
import { action, type CommandContext } from '../../context.ts';
import { intInRange, positiveInt } from '../../option-parsers.ts';
import { tableList } from './flags.ts';

interface VerifyFlags {
  chunkRows?: number;
  concurrency?: number;
  tables?: string;
  schema: boolean;
  reportDir: string;
}

/** Compares both sides and writes db-verify.md; exit 1 on any difference. */
async function runVerify(ctx: CommandContext, opts: VerifyFlags): Promise<number> {
  const { config } = await ctx.config();
  const { report, markdown } = await runVerifyPhase(
    config,
    {
      ...(opts.chunkRows !== undefined ? { chunkRows: opts.chunkRows } : {}),
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      ...(opts.tables ? { tables: tableList(opts.tables) } : {}),
      schema: opts.schema !== false,
      reportDir: opts.reportDir,
    },
    { reporter: ctx.reporter, signal: ctx.signal },
  );
  ctx.print(report, () => `${verifyReportMarkdown(report)}\nreport: ${markdown}`);
  return report.ok ? 0 : 1;
}

/** `db verify`: row counts and digests per key range on both sides, and a schema comparison. */
export function registerDbVerify(db: Command): void {
  db.command('verify')
    .description(
      'row counts and digests per table (by key range) on both sides, and a schema comparison; exit 1 on any difference',
    )
    .option('--chunk-rows <n>', 'rows per key range (default db.verifyChunkRows)', positiveInt)
    .option('--concurrency <n>', 'tables at once (default db.concurrency)', intInRange(1, DB_MAX_CONCURRENCY))
    .option('--tables <list>', 'only these tables, comma-separated schema.name')
    .option('--no-schema', 'skip the schema comparison')
    .option('--report-dir <dir>', 'where db-verify.md and the phase report go', DEFAULT_REPORT_DIR)
    .action(action(runVerify));
}
