/** Text shared by several `db replicate` subcommands: a started or planned replication (`start`, `reverse`). */
import type { StartReplicationResult } from '../../../../db/index.ts';
import { formatDuration } from '../../../render.ts';

/** What `command` did (or with --dry-run would do), and the command to run `next`. */
export function startText(r: StartReplicationResult, command: string, next: string): string {
  const carried = r.copiedAtCutover.map((t) => `${t.table}: ${t.reason}`);
  if (r.action === 'planned')
    return [
      `${command} plan (--dry-run, nothing changed):`,
      ...r.plan.map((p, i) => `  ${i + 1}. ${p}`),
      ...carried,
    ].join('\n');
  return [
    r.action === 'already running'
      ? `replication ${r.names.slot} is already running: nothing to do`
      : `replication ${r.names.slot} started from ${r.consistentPoint}: ${r.published.length} table(s) published, ${r.copy?.rows ?? 0} row(s) copied from the slot snapshot in ${formatDuration(r.elapsedMs)}`,
    ...r.cleaned.map((c) => `dropped ${c}`),
    ...carried,
    `Next: ${next}`,
  ].join('\n');
}
