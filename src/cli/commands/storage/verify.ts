import type { Command } from 'commander';
import { ExitCode } from '../../../core/errors.ts';
import { DEFAULT_REPORT_DIR, timed } from '../../../report/index.ts';
import {
  STORAGE_MAX_CONCURRENCY,
  verifyMarkdown,
  verifyPhaseReport,
  verifyStorageFromConfig,
  verifyTable,
  writeStorageReport,
  type StorageVerifyReport,
} from '../../../storage/index.ts';
import { action } from '../../context.ts';
import { intInRange } from '../../option-parsers.ts';
import { table } from '../../render.ts';
import { reported } from './render.ts';

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

/** `storage verify [--deep]`: every row with bytes has a target object copy would leave alone (exit 1 if not). */
export function registerStorageVerify(storage: Command): void {
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
}
