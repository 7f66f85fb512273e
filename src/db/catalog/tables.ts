/**
 * The tables of the app as the catalog describes them: columns (generated ones marked), primary key,
 * whether binary COPY is safe, size and row estimate. Used by copy, verify and plan, on either side.
 */
import type { PgClient } from '../../core/pg.ts';
import { SUPA2AWS_SCHEMA } from '../supabase-facts.ts';
import { qualified } from '../../core/sql-quote.ts';

export interface ColumnInfo {
  name: string;
  /** format_type() of the column, e.g. `timestamp with time zone`, `public.generation_status[]`. */
  type: string;
  generated: boolean;
  notNull: boolean;
  /** Binary COPY carries this column's values between servers unchanged (no embedded type OIDs). */
  binarySafe: boolean;
  /** Collatable (text-like): compared as UTF-8 bytes when chunking by key. */
  collatable: boolean;
  /** pg_type OID; below 16384 it is a built-in type, the same OID on every server. */
  typeOid: number;
}

export interface TableInfo {
  schema: string;
  name: string;
  columns: ColumnInfo[];
  /** Primary key columns in key order; empty when the table has none. */
  primaryKey: string[];
  rowEstimate: number;
  totalBytes: number;
  rlsEnabled: boolean;
  rlsForced: boolean;
}

export function tableKey(t: { schema: string; name: string }): string {
  return `${t.schema}.${t.name}`;
}

export function tableSql(t: { schema: string; name: string }): string {
  return qualified(t.schema, t.name);
}

/** Tables (ordinary and partitions) in `schemas`, plus auth.users when `withAuthUsers`. */
export async function listTables(
  client: PgClient,
  schemas: string[],
  options: { withAuthUsers?: boolean } = {},
): Promise<TableInfo[]> {
  const { rows } = await client.query<{
    schema: string;
    name: string;
    row_estimate: string;
    total_bytes: string;
    rls: boolean;
    force: boolean;
    pk: string[] | null;
    columns: Array<{
      name: string;
      type: string;
      type_oid: number;
      generated: boolean;
      not_null: boolean;
      binary_safe: boolean;
      collatable: boolean;
    }>;
  }>(
    `
    SELECT n.nspname AS schema, c.relname AS name,
           CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint
                ELSE coalesce((SELECT s.n_live_tup FROM pg_catalog.pg_stat_all_tables s WHERE s.relid = c.oid), 0) END AS row_estimate,
           pg_catalog.pg_total_relation_size(c.oid) AS total_bytes,
           c.relrowsecurity AS rls, c.relforcerowsecurity AS force,
           (SELECT array_agg(a.attname::text ORDER BY k.ord)
              FROM pg_catalog.pg_constraint pk
              CROSS JOIN LATERAL unnest(pk.conkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
             WHERE pk.conrelid = c.oid AND pk.contype = 'p') AS pk,
           (SELECT json_agg(json_build_object(
                     'name', a.attname,
                     'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
                     'type_oid', a.atttypid,
                     'generated', a.attgenerated <> '',
                     'not_null', a.attnotnull,
                     'collatable', t.typcollation <> 0,
                     'binary_safe',
                       CASE
                         WHEN t.typtype = 'c' THEN false
                         WHEN t.typcategory = 'A' THEN et.oid < 16384 AND et.typtype <> 'c'
                         WHEN t.typtype = 'd' THEN bt.oid < 16384 OR bt.typtype IN ('e', 'b') AND bt.typsend <> 0
                         ELSE t.typsend <> 0
                       END)
                   ORDER BY a.attnum)
              FROM pg_catalog.pg_attribute a
              JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
              LEFT JOIN pg_catalog.pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
              LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype AND t.typtype = 'd'
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r'
       AND n.nspname <> '${SUPA2AWS_SCHEMA}'
       AND (n.nspname = ANY($1::text[]) OR ($2 AND n.nspname = 'auth' AND c.relname = 'users'))
     ORDER BY n.nspname, c.relname`,
    [schemas, options.withAuthUsers === true],
  );
  return rows.map((r) => ({
    schema: r.schema,
    name: r.name,
    rowEstimate: Number(r.row_estimate),
    totalBytes: Number(r.total_bytes),
    rlsEnabled: r.rls,
    rlsForced: r.force,
    primaryKey: r.pk ?? [],
    columns: (r.columns ?? []).map((c) => ({
      name: c.name,
      type: c.type,
      generated: c.generated,
      notNull: c.not_null,
      binarySafe: c.binary_safe,
      collatable: c.collatable,
      typeOid: Number(c.type_oid),
    })),
  }));
}

/** Columns copied and compared: stored on both sides, not generated, in the target's order. */
export function commonColumns(source: TableInfo, target: TableInfo): ColumnInfo[] {
  const onSource = new Map(source.columns.map((c) => [c.name, c]));
  return target.columns.filter(
    (c) => !c.generated && onSource.has(c.name) && !onSource.get(c.name)!.generated,
  );
}

/** Source columns (not generated) the target does not have: their data is not copied. */
export function columnsMissingOnTarget(source: TableInfo, target: TableInfo): string[] {
  const onTarget = new Set(target.columns.map((c) => c.name));
  return source.columns.filter((c) => !c.generated && !onTarget.has(c.name)).map((c) => c.name);
}
