/**
 * Which tables replication carries: the tables `db copy` copies, each published when the connecting role
 * owns it (a publication may only list its owner's tables) and it has a replica identity. A table without
 * one is a blocker: publishing it would make every UPDATE and DELETE on it fail on the publisher. A table
 * the role does not own (Supabase's auth.users belongs to supabase_auth_admin) is copied again at cutover,
 * inside the write freeze. Each published table's REPLICA IDENTITY must be the same on the subscriber:
 * `db schema` carries it, db verify compares it, and the way back publishes from the subscriber.
 */
import { DbError } from '../../core/errors.ts';
import { commonColumns, listTables, tableKey, tableSql, type TableInfo } from '../catalog/tables.ts';
import { type PgClient } from '../../core/pg.ts';
import { quoteIdent } from '../../core/sql-quote.ts';

export interface ReplicatedTables {
  /** Published: changes stream to the subscriber. */
  published: TableInfo[];
  /** Copied at cutover instead (not owned by the connecting role). */
  copiedAtCutover: Array<{ table: string; reason: string }>;
}

/** Which way replication runs, for the words and the command in hints. */
export type Direction = 'forward' | 'reverse';

const SIDES: Record<Direction, { publisher: string; subscriber: string; command: string }> = {
  forward: {
    publisher: 'the source (Supabase)',
    subscriber: 'the target (RDS)',
    command: 'supa2aws db replicate start',
  },
  reverse: {
    publisher: 'RDS (target.db.url)',
    subscriber: 'Supabase',
    command: 'supa2aws db replicate reverse',
  },
};

interface Identity {
  key: string;
  identity: 'd' | 'n' | 'f' | 'i';
  /** The index of REPLICA IDENTITY USING INDEX (null when it was dropped). */
  index: string | null;
  owned: boolean;
}

async function identities(client: PgClient, tables: TableInfo[]): Promise<Map<string, Identity>> {
  const { rows } = await client.query<Identity>(
    `SELECT n.nspname || '.' || c.relname AS key, c.relreplident AS identity,
            (SELECT ic.relname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
              WHERE i.indrelid = c.oid AND i.indisreplident) AS index,
            pg_has_role(current_user, c.relowner, 'USAGE') AS owned
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = ANY($1::regclass[])`,
    [tables.map(tableSql)],
  );
  return new Map(rows.map((r) => [r.key, r]));
}

/** The identity as ALTER TABLE … REPLICA IDENTITY spells it. */
function identityClause(id: Pick<Identity, 'identity' | 'index'> | undefined): string {
  if (!id || id.identity === 'd') return 'DEFAULT';
  if (id.identity === 'f') return 'FULL';
  if (id.identity === 'i' && id.index) return `USING INDEX ${quoteIdent(id.index)}`;
  return 'NOTHING';
}

const alterIdentity = (table: string, clause: string) =>
  `ALTER TABLE ${table.split('.').map(quoteIdent).join('.')} REPLICA IDENTITY ${clause};`;

/**
 * Tables replication carries from `client` (the publisher); throws REPLICATE_NO_REPLICA_IDENTITY for a
 * table with neither a primary key nor a usable replica identity.
 */
export async function replicatedTables(
  client: PgClient,
  schemas: string[],
  options: { withAuthUsers: boolean; direction?: Direction },
): Promise<ReplicatedTables> {
  const sides = SIDES[options.direction ?? 'forward'];
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
    const none =
      id.identity === 'n' ||
      (id.identity === 'i' && !id.index) ||
      (id.identity === 'd' && t.primaryKey.length === 0);
    if (none) blockers.push(tableKey(t));
    else result.published.push(t);
  }
  if (blockers.length > 0)
    throw new DbError(
      'REPLICATE_NO_REPLICA_IDENTITY',
      `${blockers.length} table(s) on ${sides.publisher} have no primary key or replica identity, so UPDATE and DELETE on them cannot be replicated: ${blockers.join(', ')}`,
      {
        exit: 'usage',
        hint: `Add a primary key, or run on ${sides.publisher} and on ${sides.subscriber} (the two schemas must stay equal for db verify and the way back): ${blockers
          .map((b) => alterIdentity(b, 'FULL'))
          .join(' ')} Then run \`${sides.command}\` again.`,
        details: { tables: blockers },
      },
    );
  return result;
}

/**
 * Throws REPLICATE_REPLICA_IDENTITY_DIFFERS when a published table's REPLICA IDENTITY on the subscriber is
 * not the publisher's (set on one side after `db schema`): db verify would report it after the freeze, and
 * the way back could not publish the table.
 */
export async function assertSameIdentity(
  publisher: PgClient,
  subscriber: PgClient,
  published: TableInfo[],
  direction: Direction = 'forward',
): Promise<void> {
  const sides = SIDES[direction];
  const [mine, theirs] = await Promise.all([
    identities(publisher, published),
    identities(subscriber, published),
  ]);
  const differ = published
    .map(tableKey)
    .map((k) => ({ table: k, want: identityClause(mine.get(k)), have: identityClause(theirs.get(k)) }))
    .filter((d) => d.want !== d.have);
  if (differ.length === 0) return;
  throw new DbError(
    'REPLICATE_REPLICA_IDENTITY_DIFFERS',
    `REPLICA IDENTITY differs between ${sides.publisher} and ${sides.subscriber} for ${differ.length} table(s): ${differ
      .map((d) => `${d.table} (${d.want} vs ${d.have})`)
      .join(', ')}`,
    {
      exit: 'usage',
      hint: `It was changed on one side after \`supa2aws db schema\` (which carries it). Run on ${sides.subscriber}: ${differ
        .map((d) => alterIdentity(d.table, d.want))
        .join(' ')} Then run \`${sides.command}\` again.`,
      details: { tables: differ },
    },
  );
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
