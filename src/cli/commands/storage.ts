import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.ts';
import { DEFAULT_REPORT_DIR, timed } from '../../report/index.ts';
import {
  PART_MIB,
  STORAGE_MAX_CONCURRENCY,
  copyMarkdown,
  copyPhaseReport,
  copyStorageFromConfig,
  discoverUrlsFromConfig,
  parseShard,
  shardLabel,
  planMarkdown,
  planPhaseReport,
  planStorageFromConfig,
  restoreUrlsFromConfig,
  rewriteUrlsFromConfig,
  setupMarkdown,
  setupPhaseReport,
  setupStorageFromConfig,
  urlsMarkdown,
  urlsPhaseReport,
  verifyMarkdown,
  verifyPhaseReport,
  verifyStorageFromConfig,
  verifyTable,
  writeStorageReport,
  type DiscoverResult,
  type SincePlan,
  type StoragePlan,
  type StorageVerifyReport,
  type UrlDatabase,
  type UrlRewriteResult,
} from '../../storage/index.ts';
import { action, type CommandContext } from '../context.ts';
import { intInRange, oneOf, positiveInt } from '../option-parsers.ts';
import { formatBytes } from '../../core/format-bytes.ts';
import { assertPlanOutsideReports } from '../../core/plan-file.ts';
import { formatDuration, table } from '../render.ts';

const size = (t: { count: number; bytes: number }) => `${t.count} (${formatBytes(t.bytes)})`;

/** What changed at the source since a saved plan, per bucket (`storage copy --plan`). */
function sincePlanLines(buckets: Array<{ source: string; sincePlan?: SincePlan }>): string[] {
  const lines: string[] = [];
  for (const { source, sincePlan: s } of buckets) {
    if (!s) continue;
    if (s.notInPlan.count)
      lines.push(
        `  ${source}: ${size(s.notInPlan)} not in the plan (added or changed since), not copied — run \`supa2aws storage plan --out <file>\` again to take them: ${s.notInPlan.sample.join(', ')}`,
      );
    if (s.gone.count)
      lines.push(
        `  ${source}: ${s.gone.count} planned object(s) gone from the source since: ${s.gone.sample.join(', ')}`,
      );
    if (s.changed.count)
      lines.push(
        `  ${source}: ${s.changed.count} planned object(s) changed at the source since, copied as they are now: ${s.changed.sample.join(', ')}`,
      );
  }
  return lines;
}

function planText(plan: StoragePlan): string {
  const lines = [
    table(
      ['bucket', 'target', 'access', 'rows', 'at source', 'identical', 'to copy', 'orphans', 'ghosts'],
      plan.buckets.map((b) => [
        b.source,
        `${b.target}${b.targetExists ? '' : ' (not created)'}`,
        b.access,
        b.rows.count,
        size(b.sourceObjects),
        size(b.identical),
        size(b.toCopy),
        size(b.orphans),
        b.ghosts.count,
      ]),
    ),
    '',
    `total: ${size(plan.totals.sourceObjects)} at the source, ${size(plan.totals.identical)} already identical, ${size(plan.totals.toCopy)} to copy`,
  ];
  for (const b of plan.buckets) {
    const reasons = Object.entries(b.toCopy.byReason).map(([r, n]) => `${n} ${r}`);
    if (reasons.length) lines.push(`  ${b.source}: to copy because ${reasons.join(', ')}`);
    if (b.orphans.count)
      lines.push(
        `  ${b.source}: orphans (bytes without a row, not copied${plan.includeOrphans ? ' — included' : ''}): ${b.orphans.sample.join(', ')}`,
      );
    if (b.ghosts.count)
      lines.push(`  ${b.source}: ghosts (rows without bytes): ${b.ghosts.sample.join(', ')}`);
    if (b.sizeMismatches.count)
      lines.push(`  ${b.source}: ${b.sizeMismatches.count} row(s) record another size than the bytes have`);
  }
  for (const u of plan.unmappedBuckets)
    lines.push(`  ${u.id}: ${u.objects} object(s), no mapping in storage.buckets: not copied`);
  lines.push(...sincePlanLines(plan.buckets));
  lines.push(
    '',
    plan.buckets.some((b) => !b.targetExists)
      ? 'Next: supa2aws storage setup, then supa2aws storage copy'
      : plan.totals.toCopy.count > 0
        ? 'Next: supa2aws storage copy'
        : 'Nothing to copy. Next: supa2aws storage verify',
  );
  return lines.join('\n');
}

function verifyText(report: StorageVerifyReport): string {
  const lines = [table(...verifyTable(report))];
  for (const b of report.buckets) {
    if (b.missing.count) lines.push(`  missing in ${b.target}: ${b.missing.sample.join(', ')}`);
    if (b.differ.count)
      lines.push(
        `  differ in ${b.target}: ${b.differ.sample.map((d) => `${d.key} (${d.reason})`).join(', ')}`,
      );
    lines.push(
      `  ${b.source}: checked ${b.checks.md5Compared} by MD5 on both sides, ${b.checks.targetChecksum} by the target's own SHA-256 checksum, ${b.checks.sealOnly} by the SHA-256 seal only${report.deep ? `, ${b.checks.deepSha256} by reading both sides` : ''}`,
    );
  }
  lines.push(
    '',
    report.ok
      ? `PASS: every row with bytes has a target object of equal size, sealed SHA-256, from the source's current ETag, equal MD5s where both are single-part${report.deep ? ', and both sides read in full hash to the seal' : ' (bytes changed under an unchanged multipart ETag: only --deep reads them)'}${report.totals.ghosts ? ` (${report.totals.ghosts} ghost row(s) have no bytes anywhere)` : ''}`
      : `FAIL: run \`supa2aws storage copy${report.deep ? ' --deep' : ''}\` again (it re-copies every key above), then verify`,
  );
  return lines.join('\n');
}

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

function reported(ctx: CommandContext, paths: { json: string; markdown: string }) {
  ctx.reporter.emit({ type: 'log', level: 'info', message: `report: ${paths.json}, ${paths.markdown}` });
}

export function registerStorage(program: Command): void {
  const storage = program
    .command('storage')
    .description('phase 1: Supabase Storage → S3 — plan, setup, copy, verify, rewrite-urls, restore-urls');

  storage
    .command('plan')
    .description(
      'per bucket: rows, bytes at the source, already identical at the target, to copy, orphans, ghosts',
    )
    .option('--include-orphans', 'also copy objects that have no storage.objects row')
    .option(
      '--deep',
      'read both sides of every object that looks identical in full (SHA-256), so bytes changed under an unchanged ETag are copied again',
    )
    .option(
      '--out <file>',
      'also save the plan there (JSON: every object to copy, by key), to review and apply later with `storage copy --plan <file>`',
    )
    .option('--report-dir <dir>', 'where reports go', DEFAULT_REPORT_DIR)
    .action(
      action(
        async (ctx, opts: { includeOrphans?: boolean; deep?: boolean; out?: string; reportDir: string }) => {
          if (opts.out) assertPlanOutsideReports(opts.out, opts.reportDir);
          const { config } = await ctx.config();
          const { value: plan, timing } = await timed(() =>
            planStorageFromConfig(
              config,
              {
                includeOrphans: opts.includeOrphans === true,
                deep: opts.deep === true,
                ...(opts.out ? { out: opts.out } : {}),
              },
              { reporter: ctx.reporter, signal: ctx.signal },
            ),
          );
          reported(
            ctx,
            writeStorageReport(opts.reportDir, planPhaseReport(plan, timing), planMarkdown(plan)),
          );
          const saved = opts.out
            ? `\nplan saved to ${opts.out}; review it, then copy exactly its objects with: supa2aws storage copy --plan ${opts.out}`
            : '';
          ctx.print(
            {
              ...plan,
              items: undefined,
              itemCount: plan.items.length,
              ...(opts.out ? { out: opts.out } : {}),
            },
            () => `${planText(plan)}${saved}`,
          );
          return 0;
        },
      ),
    );

  storage
    .command('setup')
    .description(
      "on AWS S3: check the Storage stack's buckets against the config (it never creates or changes them); on another endpoint (the sandbox): create missing buckets and set access, CORS, versioning",
    )
    .option('--dry-run', 'show what would change; change nothing')
    .option('--report-dir <dir>', 'where reports go', DEFAULT_REPORT_DIR)
    .action(
      action(async (ctx, opts: { dryRun?: boolean; reportDir: string }) => {
        const { config } = await ctx.config();
        await ctx.confirm('storage setup', { dryRun: opts.dryRun === true });
        const { value: result, timing } = await timed(() =>
          setupStorageFromConfig(config, { dryRun: opts.dryRun === true }, { reporter: ctx.reporter }),
        );
        if (!opts.dryRun)
          reported(
            ctx,
            writeStorageReport(opts.reportDir, setupPhaseReport(result, timing), setupMarkdown(result)),
          );
        ctx.print(result, () =>
          [
            table(
              ['bucket', 'access', 'setting', 'status', 'detail'],
              result.buckets.flatMap((b) =>
                b.actions.map((a) => [b.target, b.access, a.setting, a.status, a.detail ?? '']),
              ),
            ),
            result.notSupported
              ? `\n${result.notSupported} setting(s) not supported by this endpoint (a local stand-in): they are NOT applied.`
              : '',
            result.owner === 'stack'
              ? result.differs
                ? `\n${result.differs} setting(s) of the Storage stack's buckets differ from the config: change the stack's storage settings (infra/) and redeploy it, or the config.`
                : "\nThe Storage stack's buckets match the config (checked only: the stack owns them)."
              : '',
          ].join('\n'),
        );
        return result.differs === 0 ? 0 : 1;
      }),
    );

  storage
    .command('copy')
    .description(
      'stream every object to the target, confirm it (by the SHA-256 checksum S3 checked on upload, or by reading it back where the target keeps none), seal it; re-runs copy only what is missing or different',
    )
    .option(
      '--concurrency <n>',
      'objects at once (default storage.concurrency, 8)',
      intInRange(1, STORAGE_MAX_CONCURRENCY),
    )
    .option(
      '--part-size <MiB>',
      'multipart part size in MiB (default storage.partSizeMiB, 16)',
      intInRange(PART_MIB.min, PART_MIB.max),
    )
    .option(
      '--multipart-threshold <MiB>',
      'upload in parts above this size (default storage.multipartThresholdMiB, 1024)',
      intInRange(PART_MIB.min, PART_MIB.max),
    )
    .option('--include-orphans', 'also copy objects that have no storage.objects row')
    .option(
      '--deep',
      'read both sides of every object that looks identical in full (SHA-256), so bytes changed under an unchanged ETag are copied again',
    )
    .option(
      '--read-back',
      'read every object back to confirm it, even where the target checks SHA-256 checksums (AWS S3: by default each object is confirmed by the checksum S3 checked on upload)',
    )
    .option(
      '--shard <i/N>',
      'copy only shard i of N (counted from 1): N copies run side by side, each taking the same keys on every run; storage verify checks them all',
    )
    .option(
      '--plan <file>',
      'apply a plan saved by `storage plan --out`: copy only the objects it names (refused when the config no longer matches it); objects added or changed at the source since are reported, not copied — plan again to take them',
    )
    .option('--dry-run', 'print the plan; copy nothing')
    .option('--report-dir <dir>', 'where reports go', DEFAULT_REPORT_DIR)
    .action(
      action(
        async (
          ctx,
          opts: {
            plan?: string;
            shard?: string;
            readBack?: boolean;
            concurrency?: number;
            partSize?: number;
            multipartThreshold?: number;
            includeOrphans?: boolean;
            deep?: boolean;
            dryRun?: boolean;
            reportDir: string;
          },
        ) => {
          const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
          const { config } = await ctx.config();
          await ctx.confirm(shard ? `storage copy --shard ${shardLabel(shard)}` : 'storage copy', {
            dryRun: opts.dryRun === true,
          });
          const run = await copyStorageFromConfig(
            config,
            {
              ...(shard ? { shard } : {}),
              ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
              ...(opts.partSize ? { partSizeMiB: opts.partSize } : {}),
              ...(opts.multipartThreshold ? { multipartThresholdMiB: opts.multipartThreshold } : {}),
              includeOrphans: opts.includeOrphans === true,
              deep: opts.deep === true,
              readBack: opts.readBack === true,
              ...(opts.plan ? { planFile: opts.plan } : {}),
              dryRun: opts.dryRun === true,
            },
            { reporter: ctx.reporter, signal: ctx.signal },
          );
          const from = run.planFile
            ? `the plan in ${run.planFile.file}, made ${run.planFile.createdAt}: only its objects are copied`
            : '';
          if (!run.result) {
            ctx.print(
              {
                ...run.plan,
                items: undefined,
                itemCount: run.plan.items.length,
                ...(run.planFile ? { planFile: run.planFile } : {}),
              },
              () => `${from ? `${from}\n` : ''}${planText(run.plan)}\n\ndry run: nothing was copied`,
            );
            return 0;
          }
          const r = run.result;
          reported(ctx, writeStorageReport(opts.reportDir, copyPhaseReport(r), copyMarkdown(r)));
          ctx.print({ ...r, ...(run.planFile ? { planFile: run.planFile } : {}) }, () =>
            [
              from,
              ...(r.shard
                ? [`shard ${shardLabel(r.shard)}: the keys of the plan that fall to this shard`]
                : []),
              `copied ${size(r.copied)} in ${formatDuration(r.durationMs)} (${formatBytes((r.copied.bytes / Math.max(1, r.durationMs)) * 1000)}/s), each ${r.confirmedBy === 'read-back' ? 'read back and its SHA-256 matched' : 'confirmed by the SHA-256 checksum the target checked on upload'} before it was sealed`,
              `already identical: ${size(r.identical)}; failed: ${r.failed.length}; multipart: ${r.multipart}; retries: ${r.retries}`,
              ...(r.interrupted
                ? [
                    `interrupted: ${r.notStarted} not started, cleaned up ${r.cleanedUp.deletedUnsealed} unsealed object(s). Run the same command again to finish.`,
                  ]
                : []),
              ...r.failed.slice(0, 20).map((f) => `  ${f.bucket}/${f.key}: ${f.code}: ${f.message}`),
              ...r.notSupported.map((n) => `  not supported by the target endpoint: ${n}`),
              ...sincePlanLines(r.buckets),
              r.failed.length === 0 && !r.interrupted
                ? r.shard
                  ? 'Next, once every shard has finished: supa2aws storage verify'
                  : 'Next: supa2aws storage verify'
                : '',
            ]
              .filter(Boolean)
              .join('\n'),
          );
          if (r.interrupted) return ExitCode.interrupted;
          return r.failed.length === 0 ? 0 : ExitCode.verifyFailed;
        },
      ),
    );

  storage
    .command('verify')
    .description(
      "every storage.objects row has a target object that storage copy would leave alone (exit 1 otherwise, naming each key): by default from metadata only — equal size, sealed SHA-256, copied from the source's current ETag, equal MD5 ETags where both are single-part; bytes changed under an unchanged ETag only --deep sees",
    )
    .option(
      '--deep',
      'also read both sides in full and compare their SHA-256 with the seal (proves the bytes; `storage copy --deep` repairs what it finds)',
    )
    .option('--concurrency <n>', 'objects inspected at once', intInRange(1, STORAGE_MAX_CONCURRENCY))
    .option('--report-dir <dir>', 'where reports go', DEFAULT_REPORT_DIR)
    .action(
      action(async (ctx, opts: { deep?: boolean; concurrency?: number; reportDir: string }) => {
        const { config } = await ctx.config();
        const { value: report, timing } = await timed(() =>
          verifyStorageFromConfig(
            config,
            { deep: opts.deep === true, ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) },
            { reporter: ctx.reporter, signal: ctx.signal },
          ),
        );
        reported(
          ctx,
          writeStorageReport(opts.reportDir, verifyPhaseReport(report, timing), verifyMarkdown(report)),
        );
        ctx.print(report, () => verifyText(report));
        return report.ok ? 0 : ExitCode.verifyFailed;
      }),
    );

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
    .action(
      action(
        async (
          ctx,
          opts: {
            discover?: boolean;
            dryRun?: boolean;
            database?: UrlDatabase;
            batchSize?: number;
            reportDir: string;
          },
        ) => {
          const { config } = await ctx.config();
          await ctx.confirm('storage rewrite-urls', {
            dryRun: opts.dryRun === true || opts.discover === true,
          });
          if (opts.discover) {
            const found = await discoverUrlsFromConfig(
              config,
              opts.database ? { database: opts.database } : {},
            );
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
          if (!result.dryRun)
            reported(ctx, writeStorageReport(opts.reportDir, urlsPhaseReport(result), urlsMarkdown(result)));
          ctx.print(result, () => urlsText(result));
          if (result.interrupted) return ExitCode.interrupted;
          return result.remaining === 0 ? 0 : ExitCode.verifyFailed;
        },
      ),
    );

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
        if (!result.dryRun)
          reported(ctx, writeStorageReport(opts.reportDir, urlsPhaseReport(result), urlsMarkdown(result)));
        ctx.print(result, () => urlsText(result));
        if (result.interrupted) return ExitCode.interrupted;
        return result.remaining === 0 ? 0 : ExitCode.verifyFailed;
      }),
    );
}
