/**
 * Text shared by several `storage` subcommands: the plan (`plan`, and `copy --dry-run`), what changed at
 * the source since a saved plan (`plan`, `copy --plan`), and the log line naming a written report.
 */
import { formatBytes } from '../../../core/format-bytes.ts';
import type { SincePlan, StoragePlan } from '../../../storage/index.ts';
import type { CommandContext } from '../../context.ts';
import { table } from '../../render.ts';

/** `3 (1.2 MiB)`: a tally's objects and their bytes. */
export const size = (t: { count: number; bytes: number }) => `${t.count} (${formatBytes(t.bytes)})`;

/** What changed at the source since a saved plan, per bucket (`storage copy --plan`). */
export function sincePlanLines(buckets: Array<{ source: string; sincePlan?: SincePlan }>): string[] {
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

/** The plan as a table per bucket, why each is copied, what is left out, and the next command. */
export function planText(plan: StoragePlan): string {
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

/** Logs (stderr) where the phase report was written. */
export function reported(ctx: CommandContext, paths: { json: string; markdown: string }) {
  ctx.reporter.emit({ type: 'log', level: 'info', message: `report: ${paths.json}, ${paths.markdown}` });
}
