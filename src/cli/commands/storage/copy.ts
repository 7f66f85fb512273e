import type { Command } from 'commander';
import { ExitCode } from '../../../core/errors.ts';
import { formatBytes } from '../../../core/format-bytes.ts';
import { DEFAULT_REPORT_DIR } from '../../../report/index.ts';
import {
  PART_MIB,
  STORAGE_MAX_CONCURRENCY,
  copyMarkdown,
  copyPhaseReport,
  copyStorageFromConfig,
  parseShard,
  shardLabel,
  writeStorageReport,
  type StorageCopyResult,
} from '../../../storage/index.ts';
import { action, type CommandContext } from '../../context.ts';
import { intInRange } from '../../option-parsers.ts';
import { formatDuration } from '../../render.ts';
import { planText, reported, sincePlanLines, size } from './render.ts';

interface CopyFlags {
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
}

/** What a copy did: copied and how each was confirmed, what failed, what changed since the plan, what next. */
function copyText(r: StorageCopyResult, from: string): string {
  return [
    from,
    ...(r.shard ? [`shard ${shardLabel(r.shard)}: the keys of the plan that fall to this shard`] : []),
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
    .join('\n');
}

/** Plans, then copies (or prints the plan with --dry-run); the exit code says whether every object made it. */
async function runCopy(ctx: CommandContext, opts: CopyFlags): Promise<number> {
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
  ctx.print({ ...r, ...(run.planFile ? { planFile: run.planFile } : {}) }, () => copyText(r, from));
  if (r.interrupted) return ExitCode.interrupted;
  return r.failed.length === 0 ? 0 : ExitCode.verifyFailed;
}

/** `storage copy`: every object streamed to the target, confirmed, then sealed; only what is missing or differs. */
export function registerStorageCopy(storage: Command): void {
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
    .action(action(runCopy));
}
