/** Text shared by several `db` subcommands: a list of findings (`plan`, `schema`). */
import type { Finding } from '../../../db/index.ts';

/** A titled list of findings: each one's code, message, advice and first objects; nothing when the list is empty. */
export function findings(title: string, list: Finding[]): string[] {
  if (list.length === 0) return [];
  const out = ['', `${title} (${list.length}):`];
  for (const f of list) {
    out.push(`  [${f.code}] ${f.message}`);
    if (f.advice) out.push(`      what to do: ${f.advice}`);
    for (const o of (f.objects ?? []).slice(0, 12)) out.push(`      - ${o}`);
    if ((f.objects?.length ?? 0) > 12) out.push(`      … and ${(f.objects?.length ?? 0) - 12} more`);
  }
  return out;
}
