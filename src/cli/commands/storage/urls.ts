/** `storage rewrite-urls` and `storage restore-urls`: storage URLs in the app's columns, rewritten and put back. */
import type { Command } from 'commander';
import { ExitCode } from '../../../core/errors.ts';
import { DEFAULT_REPORT_DIR } from '../../../report/index.ts';
import {
  discoverUrlsFromConfig,
  restoreUrlsFromConfig,
  rewriteUrlsFromConfig,
  urlsMarkdown,
  urlsPhaseReport,
  writeStorageReport,
  type DiscoverResult,
  type UrlDatabase,
  type UrlRewriteResult,
} from '../../../storage/index.ts';
import { action, type CommandContext } from '../../context.ts';
import { oneOf, positiveInt } from '../../option-parsers.ts';
import { table } from '../../render.ts';
import { reported } from './render.ts';

function urlsText(result: UrlRewriteResult): string {
  const lines = [
    table(
      [
        'column',
        'kind',
        'rows read',
        result.mode === 'rewrite-urls' ? 'changed' : 'restored',
        'left alone',
        'passes',
      ],
      result.columns.map((c) => [
        `${c.schema}.${c.table}.${c.column}`,
        c.kind,
        c.scanned,
        c.changed,
        c.skipped,
        c.passes,
      ]),
    ),
  ];
  for (const c of result.columns) {
    for (const s of c.samples) lines.push(`  ${c.table}.${c.column}: ${s.before}\n      → ${s.after}`);
  }
  if (result.interrupted) {
    const committed = result.columns.reduce((n, c) => n + c.changed, 0);
    lines.push(
      '',
      `interrupted: ${committed} value(s) ${result.mode === 'rewrite-urls' ? 'rewritten' : 'restored'} and committed (whole batches only, each with its ledger rows); run the same command again to finish`,
    );
  }
  if (result.dryRun) lines.push('', 'dry run: nothing was written');
  else if (result.mode === 'rewrite-urls')
    lines.push('', `old values are in supa2aws.url_ledger; undo with: supa2aws storage restore-urls`);
  return lines.join('\n');
}

function discoverText(result: DiscoverResult): string {
  const lines = [
    table(
      ['column', 'kind', 'rows with URLs', 'kinds (sample)', 'buckets (sample)', 'primary key'],
      result.columns.map((c) => [
        `${c.schema}.${c.table}.${c.column}`,
        c.kind,
        c.rowsWithUrls,
        Object.entries(c.kinds)
          .map(([k, n]) => `${k} ${n}`)
          .join(', '),
        Object.entries(c.buckets)
          .map(([k, n]) => `${k} ${n}`)
          .join(', '),
        c.hasPrimaryKey ? 'yes' : 'NO (not rewritable)',
      ]),
    ),
    '',
    'Paste into the config (merge with "storage"):',
    JSON.stringify(result.config, null, 2),
  ];
  return lines.join('\n');
}

interface RewriteUrlsFlags {
  discover?: boolean;
  dryRun?: boolean;
  database?: UrlDatabase;
  batchSize?: number;
  reportDir: string;
}

/**
 * The end of a rewrite or a restore: its report (not for a dry run), its result, and its exit: interrupted, or
 * values still to change (verify failed), or 0.
 */
function finish(ctx: CommandContext, result: UrlRewriteResult, reportDir: string): number {
  if (!result.dryRun)
    reported(ctx, writeStorageReport(reportDir, urlsPhaseReport(result), urlsMarkdown(result)));
  ctx.print(result, () => urlsText(result));
  if (result.interrupted) return ExitCode.interrupted;
  return result.remaining === 0 ? 0 : ExitCode.verifyFailed;
}

/** With --discover, the columns holding storage URLs as a config block; else the configured columns rewritten. */
async function runRewriteUrls(ctx: CommandContext, opts: RewriteUrlsFlags): Promise<number> {
  const { config } = await ctx.config();
  await ctx.confirm('storage rewrite-urls', {
    dryRun: opts.dryRun === true || opts.discover === true,
  });
  if (opts.discover) {
    const found = await discoverUrlsFromConfig(config, opts.database ? { database: opts.database } : {});
    ctx.print(found, () => discoverText(found));
    return 0;
  }
  const result = await rewriteUrlsFromConfig(
    config,
    {
      dryRun: opts.dryRun === true,
      ...(opts.database ? { database: opts.database } : {}),
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
    },
    { reporter: ctx.reporter, signal: ctx.signal },
  );
  return finish(ctx, result, opts.reportDir);
}

/** `storage rewrite-urls [--discover] [--dry-run]`: old values kept in supa2aws.url_ledger. */
export function registerStorageRewriteUrls(storage: Command): void {
  storage
    .command('rewrite-urls')
    .description(
      'rewrite Supabase storage URLs and paths in the configured columns (old values kept in supa2aws.url_ledger)',
    )
    .option(
      '--discover',
      'scan every text and jsonb column for storage URLs and print a config block; change nothing',
    )
    .option('--dry-run', 'count and show samples; change nothing')
    .option(
      '--database <which>',
      'source (default: phase 1 runs before the database moves) or target',
      oneOf<UrlDatabase>(['source', 'target']),
    )
    .option('--batch-size <n>', 'rows per transaction (default storage.urlBatchSize, 500)', positiveInt)
    .option('--report-dir <dir>', 'where reports go', DEFAULT_REPORT_DIR)
    .action(action(runRewriteUrls));
}

/** `storage restore-urls [--dry-run]`: the ledger's old values put back where rewrite-urls' still stand. */
export function registerStorageRestoreUrls(storage: Command): void {
  storage
    .command('restore-urls')
    .description('put back the values rewrite-urls changed, where they still hold what it wrote')
    .option('--dry-run', 'count what would be restored; change nothing')
    .option('--database <which>', 'source (default) or target', oneOf<UrlDatabase>(['source', 'target']))
    .option('--report-dir <dir>', 'where reports go', DEFAULT_REPORT_DIR)
    .action(
      action(async (ctx, opts: { dryRun?: boolean; database?: UrlDatabase; reportDir: string }) => {
        const { config } = await ctx.config();
        await ctx.confirm('storage restore-urls', { dryRun: opts.dryRun === true });
        const result = await restoreUrlsFromConfig(
          config,
          { dryRun: opts.dryRun === true, ...(opts.database ? { database: opts.database } : {}) },
          { reporter: ctx.reporter, signal: ctx.signal },
        );
        return finish(ctx, result, opts.reportDir);
      }),
    );
}
