/**
 * Table digests computed the same way on both servers: each row's text form (under fixed session settings,
 * see DIGEST_SETTINGS) is hashed with md5, and the hashes are summed — an order-independent aggregate, so
 * no sort is needed and tables without a primary key digest whole. With a primary key, rows are grouped
 * into ranges of the first key column (boundaries taken from the source), so a difference is narrowed to a
 * key range.
 */
import type { PgClient } from '../pg.ts';
import { quoteIdent } from '../pg.ts';
import { tableSql, type ColumnInfo, type TableInfo } from '../catalog/tables.ts';

export interface Digest {
  rows: number;
  /** `rows:sumA:sumB` — equal strings mean equal contents (up to md5 collisions). */
  value: string;
}

/** Key types whose order is the same on every server (collatable ones are compared as UTF-8 bytes). */
const CHUNKABLE = new Set([
  'smallint',
  'integer',
  'bigint',
  'numeric',
  'uuid',
  'date',
  'timestamp without time zone',
  'timestamp with time zone',
  'bytea',
  'oid',
]);

export interface ChunkKey {
  column: ColumnInfo;
  /** SQL expression of the key as compared (bytea for text-like keys). */
  expr: string;
  /** The SQL type the boundaries are cast to. */
  type: string;
}

/** How a table is chunked, or undefined when it is digested whole. */
export function chunkKey(table: TableInfo): ChunkKey | undefined {
  const first = table.primaryKey[0];
  const column = table.columns.find((c) => c.name === first);
  if (!column) return undefined;
  const baseType = column.type.replace(/\(.*\)$/, '');
  if (column.collatable)
    return { column, expr: `convert_to(${quoteIdent(column.name)}::text, 'UTF8')`, type: 'bytea' };
  if (!CHUNKABLE.has(baseType)) return undefined;
  return { column, expr: quoteIdent(column.name), type: baseType };
}

function rowHash(columns: ColumnInfo[]): string {
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  return `md5(ROW(${list})::text)`;
}

const SUMS = `count(*) AS n,
  coalesce(sum(('x' || substr(h, 1, 15))::bit(60)::bigint), 0)::text AS a,
  coalesce(sum(('x' || substr(h, 16, 15))::bit(60)::bigint), 0)::text AS b`;

const digestOf = (row: { n: string; a: string; b: string }): Digest => ({
  rows: Number(row.n),
  value: `${row.n}:${row.a}:${row.b}`,
});

/** One digest for the whole table. */
export async function tableDigest(
  client: PgClient,
  table: TableInfo,
  columns: ColumnInfo[],
): Promise<Digest> {
  const { rows } = await client.query<{ n: string; a: string; b: string }>(
    `SELECT ${SUMS} FROM (SELECT ${rowHash(columns)} AS h FROM ${tableSql(table)}) s`,
  );
  return digestOf(rows[0] ?? { n: '0', a: '0', b: '0' });
}

export interface Boundary {
  /** The key as compared, in text form (cast back with `::type`). */
  value: string;
  /** The key as the user sees it. */
  label: string;
}

/** Every `chunkRows`-th key of the table (on the source), the lower bounds of the chunks. */
export async function chunkBoundaries(
  client: PgClient,
  table: TableInfo,
  key: ChunkKey,
  chunkRows: number,
): Promise<Boundary[]> {
  const { rows } = await client.query<{ v: string; label: string }>(
    `SELECT k::text AS v, label FROM (
       SELECT ${key.expr} AS k, ${quoteIdent(key.column.name)}::text AS label,
              row_number() OVER (ORDER BY ${key.expr}) AS rn
         FROM ${tableSql(table)}) s
      WHERE (rn - 1) % $1 = 0
      ORDER BY k`,
    [chunkRows],
  );
  const out: Boundary[] = [];
  for (const r of rows) if (out[out.length - 1]?.value !== r.v) out.push({ value: r.v, label: r.label });
  return out;
}

/** Digest per chunk: bucket i (1-based) holds keys in [boundary i-1, boundary i); 0 holds keys below the first. */
export async function chunkDigests(
  client: PgClient,
  table: TableInfo,
  columns: ColumnInfo[],
  key: ChunkKey,
  boundaries: Boundary[],
): Promise<Map<number, Digest>> {
  const out = new Map<number, Digest>();
  if (boundaries.length === 0) {
    const whole = await tableDigest(client, table, columns);
    if (whole.rows > 0) out.set(0, whole);
    return out;
  }
  const { rows } = await client.query<{ bucket: number; n: string; a: string; b: string }>(
    `SELECT width_bucket(k, $1::text[]::${key.type}[]) AS bucket, ${SUMS}
       FROM (SELECT ${key.expr} AS k, ${rowHash(columns)} AS h FROM ${tableSql(table)}) s
      GROUP BY 1`,
    [boundaries.map((b) => b.value)],
  );
  for (const r of rows) out.set(Number(r.bucket), digestOf(r));
  return out;
}

/** The rows of a chunk digest map summed into one digest for the table. */
export function totalRows(digests: Map<number, Digest>): number {
  let n = 0;
  for (const d of digests.values()) n += d.rows;
  return n;
}
