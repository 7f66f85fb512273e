/**
 * Which tables replication carries: the tables `db copy` copies, each published when the connecting role
 * owns it (a publication may only list its owner's tables) and it has a replica identity. A table without
 * one is a blocker: publishing it would make every UPDATE and DELETE on it fail on the source. A table the
 * role does not own (Supabase's auth.users belongs to supabase_auth_admin) is copied again at cutover,
 * inside the write freeze.
 */
import { DbError } from '../../core/errors.ts';
import { commonColumns, listTables, tableKey, tableSql, type TableInfo } from '../catalog/tables.ts';
import { quoteIdent, type PgClient } from '../pg.ts';

export interface ReplicatedTables {
  /** Published: changes stream to the subscriber. */
  published: TableInfo[];
  /** Copied at cutover instead (not owned by the connecting role). */
  copiedAtCutover: Array<{ table: string; reason: string }>;
}

interface Identity {
  key: string;
  identity: 'd' | 'n' | 'f' | 'i';
  owned: boolean;
}

async function identities(client: PgClient, tables: TableInfo[]): Promise<Map<string, Identity>> {
  const { rows } = await client.query<Identity>(
    `SELECT n.nspname || '.' || c.relname AS key, c.relreplident AS identity,
            pg_has_role(current_user, c.relowner, 'USAGE') AS owned
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = ANY($1::regclass[])`,
    [tables.map(tableSql)],
  );
  return new Map(rows.map((r) => [r.key, r]));
}

/** Tables replication carries from `client` (the publisher); throws REPLICATE_NO_REPLICA_IDENTITY. */
export async function replicatedTables(
  client: PgClient,
  schemas: string[],
  options: { withAuthUsers: boolean },
): Promise<ReplicatedTables> {
  const tables = await listTables(client, schemas, { withAuthUsers: options.withAuthUsers });
  const ids = await identities(client, tables);
  const result: ReplicatedTables = { published: [], copiedAtCutover: [] };
  const blockers: string[] = [];
  for (const t of tables) {
    const id = ids.get(tableKey(t));
    if (!id?.owned) {
      result.copiedAtCutover.push({
        table: tableKey(t),
        reason: 'not owned by the connecting role: copied again inside the cutover freeze',
      });
      continue;
    }
    if (id.identity === 'n' || (id.identity === 'd' && t.primaryKey.length === 0)) blockers.push(tableKey(t));
    else result.published.push(t);
  }
  if (blockers.length > 0)
    throw new DbError(
      'REPLICATE_NO_REPLICA_IDENTITY',
      `${blockers.length} table(s) have no primary key or replica identity, so UPDATE and DELETE on them cannot be replicated: ${blockers.join(', ')}`,
      {
        exit: 'usage',
        hint: `On the source, add a primary key, or run: ${blockers
          .map((b) => `ALTER TABLE ${b.split('.').map(quoteIdent).join('.')} REPLICA IDENTITY FULL;`)
          .join(' ')} Then run \`supa2aws db replicate start\` again.`,
        details: { tables: blockers },
      },
    );
  return result;
}

/** The published tables missing on the subscriber, or missing some of their source columns there. */
export function missingOnSubscriber(published: TableInfo[], subscriber: TableInfo[]): string[] {
  const by = new Map(subscriber.map((t) => [tableKey(t), t]));
  const out: string[] = [];
  for (const t of published) {
    const s = by.get(tableKey(t));
    if (!s) out.push(`${tableKey(t)} (no such table)`);
    else if (commonColumns(t, s).length === 0) out.push(`${tableKey(t)} (no common column)`);
  }
  return out;
}

/** `CREATE PUBLICATION` text: each table with the columns both sides have (a column list when it must). */
export function publicationSql(name: string, published: TableInfo[], subscriber: TableInfo[]): string {
  const by = new Map(subscriber.map((t) => [tableKey(t), t]));
  const items = published.map((t) => {
    const columns = commonColumns(t, by.get(tableKey(t))!).map((c) => c.name);
    const all = t.columns.filter((c) => !c.generated).map((c) => c.name);
    const list = columns.length === all.length ? '' : ` (${columns.map(quoteIdent).join(', ')})`;
    return `${tableSql(t)}${list}`;
  });
  return `CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${items.join(', ')}`;
}
