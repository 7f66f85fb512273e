/**
 * Reports for the storage commands: a PhaseReport JSON (read by `supa2aws report`) and a Markdown page,
 * both in the report directory (`supa2aws-report/storage-<command>.{json,md}`).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatBytes } from '../core/format-bytes.ts';
import { redactText } from '../core/redact.ts';
import { reportFileName, writePhaseReport, type PhaseReport } from '../report/index.ts';
import type { StorageCopyResult } from './apply.ts';
import type { StoragePlan } from './plan.ts';
import type { StorageSetupResult } from './setup.ts';
import type { UrlRewriteResult } from './urls/rewrite-urls.ts';
import type { StorageVerifyReport } from './verify.ts';

type Timing = Pick<PhaseReport, 'startedAt' | 'finishedAt' | 'durationMs'>;

/** A table's header row and body rows, as both the Markdown reports and the terminal render them. */
export type TableCells = [headers: string[], rows: Array<Array<string | number>>];

function mdTable(headers: string[], rows: Array<Array<string | number>>): string {
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');
}

export function planMarkdown(plan: StoragePlan): string {
  const out = [
    '# storage plan',
    '',
    `Planned ${plan.createdAt}. Source ${plan.source.endpoint ?? 'AWS'} → target ${plan.target.endpoint ?? 'AWS S3'}.`,
    '',
    mdTable(
      ['bucket', 'target', 'access', 'rows', 'source objects', 'identical', 'to copy', 'orphans', 'ghosts'],
      plan.buckets.map((b) => [
        b.source,
        `${b.target}${b.targetExists ? '' : ' (missing)'}`,
        b.access,
        b.rows.count,
        `${b.sourceObjects.count} (${formatBytes(b.sourceObjects.bytes)})`,
        `${b.identical.count} (${formatBytes(b.identical.bytes)})`,
        `${b.toCopy.count} (${formatBytes(b.toCopy.bytes)})`,
        `${b.orphans.count} (${formatBytes(b.orphans.bytes)})`,
        b.ghosts.count,
      ]),
    ),
  ];
  for (const b of plan.buckets) {
    if (b.orphans.sample.length)
      out.push('', `Orphans in ${b.source} (sample): ${b.orphans.sample.map((k) => `\`${k}\``).join(', ')}`);
    if (b.ghosts.sample.length)
      out.push('', `Ghosts in ${b.source} (sample): ${b.ghosts.sample.map((k) => `\`${k}\``).join(', ')}`);
  }
  if (plan.unmappedBuckets.length) {
    out.push(
      '',
      `Not mapped in config (not copied): ${plan.unmappedBuckets.map((b) => `${b.id} (${b.objects})`).join(', ')}`,
    );
  }
  return `${out.join('\n')}\n`;
}

export function planPhaseReport(plan: StoragePlan, timing: Timing): PhaseReport {
  return {
    version: 1,
    phase: 'storage',
    command: 'plan',
    ...timing,
    ok: true,
    metrics: {
      objectsAtSource: plan.totals.sourceObjects.count,
      bytesAtSource: plan.totals.sourceObjects.bytes,
      objectsIdentical: plan.totals.identical.count,
      objectsToCopy: plan.totals.toCopy.count,
      bytesToCopy: plan.totals.toCopy.bytes,
      orphans: plan.totals.orphans.count,
      ghosts: plan.totals.ghosts.count,
    },
    checks: [
      {
        name: 'every mapped bucket listed on both sides',
        ok: true,
        detail: `${plan.buckets.length} bucket(s)`,
      },
      {
        name: 'every bucket mapped',
        ok: plan.unmappedBuckets.length === 0,
        ...(plan.unmappedBuckets.length ? { detail: plan.unmappedBuckets.map((b) => b.id).join(', ') } : {}),
      },
    ],
    details: { buckets: plan.buckets },
  };
}

export function copyMarkdown(result: StorageCopyResult): string {
  const seconds = result.durationMs / 1000;
  const out = [
    `# storage copy${result.shard ? ` — shard ${result.shard.index} of ${result.shard.count}` : ''}`,
    '',
    `${result.startedAt} → ${result.finishedAt} (${seconds.toFixed(1)} s)${result.interrupted ? ' — **interrupted**' : ''}.`,
    '',
    `- copied, ${result.confirmedBy === 'read-back' ? 'read back, SHA-256 matched' : 'SHA-256 checksum checked by the target and confirmed'} and sealed: ${result.copied.count} objects, ${formatBytes(result.copied.bytes)} (${formatBytes(result.copied.bytes / Math.max(seconds, 0.001))}/s)`,
    `- already identical: ${result.identical.count} objects, ${formatBytes(result.identical.bytes)}`,
    `- failed: ${result.failed.length}; not started: ${result.notStarted}; multipart: ${result.multipart}; retries: ${result.retries}`,
    `- cleaned up: ${result.cleanedUp.deletedUnsealed} unsealed object(s), ${result.cleanedUp.abortedUploads} multipart upload(s)`,
    `- settings: concurrency ${result.settings.concurrency}, part size ${formatBytes(result.settings.partSizeBytes)}, multipart above ${formatBytes(result.settings.multipartThresholdBytes)}`,
  ];
  if (result.notSupported.length)
    out.push(`- not supported by the target endpoint: ${result.notSupported.join('; ')}`);
  out.push(
    '',
    mdTable(
      ['bucket', 'target', 'copied', 'bytes', 'failed'],
      result.buckets.map((b) => [b.source, b.target, b.copied.count, formatBytes(b.copied.bytes), b.failed]),
    ),
  );
  const since = result.buckets.flatMap(({ source, sincePlan: s }) =>
    s
      ? [
          `- ${source}: ${s.notInPlan.count} not in the plan (not copied: plan again to take them), ${s.gone.count} gone from the source, ${s.changed.count} changed (copied as they are now)`,
        ]
      : [],
  );
  if (since.length)
    out.push('', '## Since the plan', '', 'Only the objects the saved plan names were copied.', '', ...since);
  if (result.failed.length) {
    out.push(
      '',
      '## Failed',
      '',
      ...result.failed.slice(0, 100).map((f) => `- \`${f.bucket}/${f.key}\`: ${f.code}: ${f.message}`),
    );
  }
  return `${out.join('\n')}\n`;
}

export function copyPhaseReport(result: StorageCopyResult): PhaseReport {
  return {
    version: 1,
    phase: 'storage',
    // Shards running side by side each keep their own report (storage-copy-shard-2-of-4.json).
    command: result.shard ? `copy shard ${result.shard.index} of ${result.shard.count}` : 'copy',
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    durationMs: result.durationMs,
    ok: result.failed.length === 0 && !result.interrupted,
    metrics: {
      objectsCopied: result.copied.count,
      bytesCopied: result.copied.bytes,
      objectsIdentical: result.identical.count,
      failed: result.failed.length,
      retries: result.retries,
    },
    checks: [
      {
        name:
          result.confirmedBy === 'read-back'
            ? 'every copied object read back with equal size and SHA-256 before it was sealed'
            : 'every copied object kept by the target with the size and SHA-256 checksum sent, before it was sealed',
        ok: result.failed.length === 0,
        detail: `${result.copied.count} verified`,
      },
      {
        name: 'ran to the end',
        ok: !result.interrupted,
        ...(result.interrupted ? { detail: 'interrupted: run again' } : {}),
      },
    ],
    details: {
      buckets: result.buckets,
      failed: result.failed.slice(0, 100),
      notSupported: result.notSupported,
    },
  };
}

/** One row per bucket with its counts per group: the table `storage verify` prints and its report shows. */
export function verifyTable(report: StorageVerifyReport): TableCells {
  return [
    ['bucket', 'target', 'rows', 'match', 'missing on target', 'differ', 'orphans', 'ghosts'],
    report.buckets.map((b) => [
      b.source,
      b.target,
      b.rows,
      b.match.count,
      b.missing.count,
      b.differ.count,
      b.orphans.count,
      b.ghosts.count,
    ]),
  ];
}

export function verifyMarkdown(report: StorageVerifyReport): string {
  const out = [
    `# storage verify — ${report.ok ? 'PASS' : 'FAIL'}`,
    '',
    report.deep
      ? 'Size, seal, MD5 where both ETags are MD5s, and SHA-256 of both sides read in full.'
      : 'Size, the SHA-256 seal (set with the upload up to 1 MiB, after the read-back above), and MD5 where both ETags are MD5s (`--deep` re-reads both sides).',
    '',
    mdTable(...verifyTable(report)),
  ];
  for (const b of report.buckets) {
    if (b.missing.sample.length)
      out.push('', `Missing in ${b.target}: ${b.missing.sample.map((k) => `\`${k}\``).join(', ')}`);
    if (b.differ.sample.length)
      out.push(
        '',
        `Differ in ${b.target}: ${b.differ.sample.map((d) => `\`${d.key}\` (${d.reason})`).join(', ')}`,
      );
  }
  return `${out.join('\n')}\n`;
}

/** `: a, b, c` naming every key (`… and n more` past the samples kept). */
function keyList(keys: string[], total: number): string {
  if (keys.length === 0) return '';
  return `: ${keys.join(', ')}${total > keys.length ? ` … and ${total - keys.length} more` : ''}`;
}

export function verifyPhaseReport(report: StorageVerifyReport, timing: Timing): PhaseReport {
  return {
    version: 1,
    phase: 'storage',
    command: 'verify',
    ...timing,
    ok: report.ok,
    compared: {
      unit: 'objects',
      items: report.buckets.map((b) => ({ name: b.source, source: b.rows, target: b.match.count })),
    },
    metrics: {
      rows: report.totals.rows,
      objectsMatching: report.totals.match,
      missing: report.totals.missing,
      differ: report.totals.differ,
      orphans: report.totals.orphans,
      ghosts: report.totals.ghosts,
    },
    checks: [
      {
        name: 'every storage.objects row has a target object',
        ok: report.totals.missing === 0,
        detail: `${report.totals.missing} missing${keyList(
          report.buckets.flatMap((b) => b.missing.sample.map((k) => `${b.target}/${k}`)),
          report.totals.missing,
        )}`,
      },
      {
        name: report.deep
          ? 'equal size, sealed SHA-256 from the current source ETag, equal MD5s, and both sides read in full hash to the seal'
          : 'equal size, sealed SHA-256 from the current source ETag, equal MD5s where both are single-part (bytes not read: --deep)',
        ok: report.totals.differ === 0,
        detail: `${report.totals.differ} differ${keyList(
          report.buckets.flatMap((b) => b.differ.sample.map((d) => `${b.target}/${d.key} (${d.reason})`)),
          report.totals.differ,
        )}`,
      },
    ],
    details: { buckets: report.buckets },
  };
}

export function setupMarkdown(result: StorageSetupResult): string {
  const rows = result.buckets.flatMap((b) =>
    b.actions.map((a) => [b.target, b.access, a.setting, a.status, a.detail ?? '']),
  );
  const owner =
    result.owner === 'stack'
      ? 'The Storage stack owns these buckets: checked only, nothing created or written.\n\n'
      : '';
  return `# storage setup${result.dryRun ? ' (dry run)' : ''}\n\n${owner}${mdTable(['bucket', 'access', 'setting', 'status', 'detail'], rows)}\n`;
}

export function setupPhaseReport(result: StorageSetupResult, timing: Timing): PhaseReport {
  return {
    version: 1,
    phase: 'storage',
    command: 'setup',
    ...timing,
    // A setting the endpoint does not implement (s3rver) is neither a pass nor a failure: it is a caveat,
    // shown as such, that only a real bucket can clear. Settings left for a person to make are failures.
    ok: result.manual === 0 && result.differs === 0,
    metrics: {
      buckets: result.buckets.length,
      notSupported: result.notSupported,
      manual: result.manual,
      differs: result.differs,
    },
    checks: result.buckets.flatMap((b) =>
      b.actions
        .filter((a) => a.status !== 'not-supported')
        .map((a) => ({
          name: `${b.target}: ${a.setting}`,
          ok: a.status !== 'manual' && a.status !== 'differs',
          detail: `${a.status}${a.detail ? ` — ${a.detail}` : ''}`,
        })),
    ),
    caveats: result.buckets.flatMap((b) =>
      b.actions
        .filter((a) => a.status === 'not-supported')
        .map(
          (a) =>
            `${b.target}: ${a.setting} not set — this endpoint does not implement it; the storage stack sets it on AWS`,
        ),
    ),
    details: { buckets: result.buckets },
  };
}

export function urlsMarkdown(result: UrlRewriteResult): string {
  const out = [
    `# storage ${result.mode}${result.dryRun ? ' (dry run)' : ''}`,
    '',
    mdTable(
      ['column', 'rows scanned', 'values changed', 'skipped', 'passes'],
      result.columns.map((c) => [
        `${c.schema}.${c.table}.${c.column}`,
        c.scanned,
        c.changed,
        c.skipped,
        c.passes,
      ]),
    ),
  ];
  const samples = result.columns.flatMap((c) =>
    c.samples.map((s) => `- ${c.table}.${c.column}: \`${s.before}\` → \`${s.after}\``),
  );
  if (samples.length) out.push('', '## Samples', '', ...samples.slice(0, 40));
  return `${redactText(out.join('\n'))}\n`;
}

export function urlsPhaseReport(result: UrlRewriteResult): PhaseReport {
  return {
    version: 1,
    phase: 'storage',
    command: result.mode,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    durationMs: result.durationMs,
    ok: result.remaining === 0,
    metrics: {
      columns: result.columns.length,
      rowsScanned: result.columns.reduce((n, c) => n + c.scanned, 0),
      valuesChanged: result.columns.reduce((n, c) => n + c.changed, 0),
      remaining: result.remaining,
    },
    checks: [
      {
        name:
          result.mode === 'rewrite-urls'
            ? 'no Supabase storage URL left in the configured columns'
            : 'every ledger entry restored or accounted for',
        ok: result.remaining === 0,
        detail: `${result.remaining} remaining`,
      },
    ],
    details: { columns: result.columns.map(({ samples: _samples, ...c }) => c) },
  };
}

/** Writes `<dir>/storage-<command>.json` and `.md` (reportFileName); returns both paths. */
export function writeStorageReport(
  dir: string,
  report: PhaseReport,
  markdown: string,
): { json: string; markdown: string } {
  const json = writePhaseReport(dir, report);
  const md = path.join(dir, reportFileName(report).replace(/\.json$/, '.md'));
  writeFileSync(md, markdown, { mode: 0o600 });
  return { json, markdown: md };
}
