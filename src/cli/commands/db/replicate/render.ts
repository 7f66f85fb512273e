/** Text shared by several `db replicate` subcommands: a started replication (`start`, `reverse`). */
import type { StartReplicationResult } from '../../../../db/index.ts';
import { formatDuration } from '../../../render.ts';

export function startText(r: StartReplicationResult, next: string): string {
  return [
    r.action === 'already running'
      ? `replication ${r.names.slot} is already running: nothing to do`
      : `replication ${r.names.slot} started from ${r.consistentPoint}: ${r.published.length} table(s) published, ${r.copy?.rows ?? 0} row(s) copied from the slot snapshot in ${formatDuration(r.elapsedMs)}`,
    ...r.cleaned.map((c) => `dropped ${c}`),
    ...r.copiedAtCutover.map((t) => `${t.table}: ${t.reason}`),
    `Next: ${next}`,
  ].join('\n');
}
