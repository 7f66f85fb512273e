/**
 * Schema drift during replication: DDL is not replicated, so a table or column added on the source after
 * `db replicate start` never reaches the target (and a new column stops the apply worker). Compared at
 * cutover, before the freeze: the source's app tables against the publication and against the target.
 */
import { tableKey, type TableInfo } from '../catalog/tables.ts';
import type { PgClient } from '../../core/pg.ts';

export interface Drift {
  table: string;
  problem: string;
}

export async function publishedTableKeys(client: PgClient, publication: string): Promise<Set<string>> {
  const { rows } = await client.query<{ k: string }>(
    `SELECT schemaname || '.' || tablename AS k FROM pg_catalog.pg_publication_tables WHERE pubname = $1`,
    [publication],
  );
  return new Set(rows.map((r) => r.k));
}

/** Differences that replication cannot carry: tables outside the publication, columns the target lacks. */
export function schemaDrift(
  sourceTables: TableInfo[],
  targetTables: TableInfo[],
  published: Set<string>,
  copiedAtCutover: Set<string>,
): Drift[] {
  const target = new Map(targetTables.map((t) => [tableKey(t), t]));
  const out: Drift[] = [];
  for (const s of sourceTables) {
    const key = tableKey(s);
    if (copiedAtCutover.has(key)) continue;
    const t = target.get(key);
    if (!t) {
      out.push({ table: key, problem: 'exists on the source only (created after replication started)' });
      continue;
    }
    if (!published.has(key)) {
      out.push({ table: key, problem: 'not in the publication (created after replication started)' });
      continue;
    }
    const onTarget = new Map(t.columns.map((c) => [c.name, c]));
    for (const c of s.columns) {
      if (c.generated) continue;
      const tc = onTarget.get(c.name);
      if (!tc) out.push({ table: key, problem: `column ${c.name} (${c.type}) exists on the source only` });
      else if (c.typeOid < 16384 && tc.typeOid < 16384 && c.typeOid !== tc.typeOid)
        out.push({
          table: key,
          problem: `column ${c.name} is ${c.type} on the source, ${tc.type} on the target`,
        });
    }
  }
  return out;
}
