/**
 * Table digests computed the same way on both servers. Each row is hashed as md5 of its binary form
 * (`record_send`, the format binary COPY uses: per field a type OID, a length and the value), with every
 * column whose type is not built in — or differs between the two sides — cast to text first, so the bytes
 * are the same on both servers. (record_send is cheaper than the text form: bench/db/README.md.)
 * The hashes are summed: an order-independent aggregate, so tables without a primary key digest whole
 * and no sort is needed. With a primary key, rows are grouped into ranges of the first key column
 * (boundaries taken from the source) so a difference is narrowed to a key range.
 * Session settings that change text output are fixed anyway (DIGEST_SETTINGS) for the text casts.
 */
import type { PgClient } from '../../core/pg.ts';
import { tableSql, type ColumnInfo, type TableInfo } from '../catalog/tables.ts';
import { quoteIdent } from '../../core/sql-quote.ts';

export interface Digest {
  rows: number;
  /** `rows:sumA:sumB` — equal strings mean equal contents (up to md5 collisions). */
  value: string;
}

const FIRST_USER_OID = 16384;

/**
 * The expression hashed for each column, identical on both sides: the column itself when its type is
 * built in and the same on both servers, else the column as text.
 */
export function digestExpressions(columns: ColumnInfo[], other?: ColumnInfo[]): string[] {
  const otherBy = new Map((other ?? []).map((c) => [c.name, c]));
  return columns.map((c) => {
    const o = otherBy.get(c.name);
    const sameType = !o || (o.typeOid === c.typeOid && o.type === c.type);
    return c.typeOid < FIRST_USER_OID && sameType ? quoteIdent(c.name) : `${quoteIdent(c.name)}::text`;
  });
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
  /** SQL expression of the key as compared (bytea for text-like keys), over `ref`. */
  expr: (ref: string) => string;
  /** The SQL type the boundaries are cast to. */
  type: string;
}

/** How a table is chunked, or undefined when it is digested whole. */
export function chunkKey(table: TableInfo): ChunkKey | undefined {
  const first = table.primaryKey[0];
  const column = table.columns.find((c) => c.name === first);
  if (!column) return undefined;
  if (column.collatable) return { column, expr: (ref) => `convert_to(${ref}::text, 'UTF8')`, type: 'bytea' };
  const baseType = column.type.replace(/\(.*\)$/, '');
  if (!CHUNKABLE.has(baseType)) return undefined;
  return { column, expr: (ref) => ref, type: baseType };
}

function rowHash(exprs: string[]): string {
  return exprs.length === 0 ? `md5('')` : `md5(record_send(ROW(${exprs.join(', ')})))`;
}

const SUMS = `count(*) AS n,
  coalesce(sum(('x' || substr(h, 1, 15))::bit(60)::bigint), 0)::text AS a,
  coalesce(sum(('x' || substr(h, 16, 15))::bit(60)::bigint), 0)::text AS b`;

const digestOf = (row: { n: string; a: string; b: string }): Digest => ({
  rows: Number(row.n),
  value: `${row.n}:${row.a}:${row.b}`,
});

/** One digest for the whole table. */
export async function tableDigest(client: PgClient, table: TableInfo, exprs: string[]): Promise<Digest> {
  const { rows } = await client.query<{ n: string; a: string; b: string }>(
    `SELECT ${SUMS} FROM (SELECT ${rowHash(exprs)} AS h FROM ${tableSql(table)}) s`,
  );
  return digestOf(rows[0] ?? { n: '0', a: '0', b: '0' });
}

export interface Boundary {
  /** The key as compared, in text form (cast back with `::type`). */
  value: string;
  /** The key as the user sees it. */
  label: string;
}

/** Exact boundaries: every `chunkRows`-th key of the table, read in key order. */
async function exactBoundaries(
  client: PgClient,
  table: TableInfo,
  key: ChunkKey,
  chunkRows: number,
): Promise<Boundary[]> {
  const col = quoteIdent(key.column.name);
  const { rows } = await client.query<{ v: string; label: string }>(
    `SELECT k::text AS v, label FROM (
       SELECT ${key.expr(col)} AS k, ${col}::text AS label, row_number() OVER (ORDER BY ${key.expr(col)}) AS rn
         FROM ${tableSql(table)}) s
      WHERE (rn - 1) % $1 = 0
      ORDER BY k`,
    [chunkRows],
  );
  return rows.map((r) => ({ value: r.v, label: r.label }));
}

/**
 * Boundaries from the planner's histogram of the key column (pg_stats), for big tables: no pass over the
 * table is needed, and ranges hold about rows / histogram-buckets rows each.
 */
async function histogramBoundaries(
  client: PgClient,
  table: TableInfo,
  key: ChunkKey,
  chunks: number,
): Promise<Boundary[]> {
  const { rows } = await client.query<{ v: string; label: string }>(
    `SELECT ${key.expr('x')}::text AS v, x::text AS label
       FROM unnest((SELECT histogram_bounds::text::${key.column.type}[] FROM pg_catalog.pg_stats
                     WHERE schemaname = $1 AND tablename = $2 AND attname = $3)) AS x
      ORDER BY ${key.expr('x')}`,
    [table.schema, table.name, key.column.name],
  );
  if (rows.length < 2) return [];
  const step = Math.max(1, Math.floor(rows.length / Math.max(1, chunks)));
  return rows.filter((_, i) => i % step === 0).map((r) => ({ value: r.v, label: r.label }));
}

/** Lower bounds of the chunks (on the source), about `chunkRows` rows each. */
export async function chunkBoundaries(
  client: PgClient,
  table: TableInfo,
  key: ChunkKey,
  chunkRows: number,
): Promise<Boundary[]> {
  let bounds: Boundary[] = [];
  if (table.rowEstimate > chunkRows * 20) {
    bounds = await histogramBoundaries(client, table, key, Math.ceil(table.rowEstimate / chunkRows)).catch(
      () => [],
    );
  }
  if (bounds.length === 0) bounds = await exactBoundaries(client, table, key, chunkRows);
  const out: Boundary[] = [];
  for (const b of bounds) if (out[out.length - 1]?.value !== b.value) out.push(b);
  return out;
}

/** Digest per chunk: bucket i (1-based) holds keys in [boundary i-1, boundary i); 0 holds keys below the first. */
export async function chunkDigests(
  client: PgClient,
  table: TableInfo,
  exprs: string[],
  key: ChunkKey,
  boundaries: Boundary[],
): Promise<Map<number, Digest>> {
  const out = new Map<number, Digest>();
  if (boundaries.length === 0) {
    const whole = await tableDigest(client, table, exprs);
    if (whole.rows > 0) out.set(0, whole);
    return out;
  }
  // The planner cannot know there are few buckets: without this it sorts every row to group them.
  await client.query(`SELECT pg_catalog.set_config('enable_sort', 'off', false)`);
  try {
    const { rows } = await client.query<{ bucket: number; n: string; a: string; b: string }>(
      `SELECT width_bucket(k, $1::text[]::${key.type}[]) AS bucket, ${SUMS}
         FROM (SELECT ${key.expr(quoteIdent(key.column.name))} AS k, ${rowHash(exprs)} AS h FROM ${tableSql(table)}) s
        GROUP BY 1`,
      [boundaries.map((b) => b.value)],
    );
    for (const r of rows) out.set(Number(r.bucket), digestOf(r));
  } finally {
    await client.query(`SELECT pg_catalog.set_config('enable_sort', 'on', false)`);
  }
  return out;
}

/** The rows of a chunk digest map. */
export function totalRows(digests: Map<number, Digest>): number {
  let n = 0;
  for (const d of digests.values()) n += d.rows;
  return n;
}
