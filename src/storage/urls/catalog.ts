/** What the URL commands need to know about a column: its type and its table's primary key. */
import { StorageError } from '../../core/errors.ts';
import type { UrlColumn } from '../config.ts';
import { type PgClient } from '../../core/pg.ts';
import { qualified, quoteIdent } from '../../core/sql-quote.ts';

export interface KeyColumn {
  name: string;
  /** format_type(), used to cast ledger key values back. */
  type: string;
}

export interface ColumnInfo {
  column: UrlColumn;
  /** "schema"."table" */
  table: string;
  /** "column" */
  ident: string;
  kind: 'text' | 'jsonb';
  key: KeyColumn[];
}

/** Looks the column up; throws a coded error when it does not exist or cannot be rewritten. */
export async function describeColumn(db: PgClient, column: UrlColumn): Promise<ColumnInfo> {
  const table = qualified(column.schema, column.table);
  const where = `${column.schema}.${column.table}.${column.column}`;
  const { rows } = await db.query<{ type: string; generated: string }>(
    `select format_type(a.atttypid, a.atttypmod) as type, a.attgenerated as generated
       from pg_attribute a
      where a.attrelid = to_regclass($1) and a.attname = $2 and a.attnum > 0 and not a.attisdropped`,
    [table, column.column],
  );
  const col = rows[0];
  if (!col) {
    throw new StorageError('STORAGE_URL_COLUMN_MISSING', `Column ${where} does not exist`, {
      exit: 'usage',
      hint: 'Fix storage.urlColumns in the config; `supa2aws storage rewrite-urls --discover` lists the columns that hold storage URLs.',
    });
  }
  if (col.generated) {
    throw new StorageError(
      'STORAGE_URL_COLUMN_GENERATED',
      `Column ${where} is generated and cannot be rewritten`,
      {
        exit: 'usage',
        hint: 'Remove it from storage.urlColumns; rewrite the columns it is computed from instead.',
      },
    );
  }
  const kind =
    col.type === 'jsonb'
      ? 'jsonb'
      : ['text', 'character varying'].some((t) => col.type.startsWith(t))
        ? 'text'
        : undefined;
  if (!kind || kind !== column.kind) {
    throw new StorageError(
      'STORAGE_URL_COLUMN_TYPE',
      `Column ${where} is ${col.type}, the config says ${column.kind}`,
      {
        exit: 'usage',
        hint: `Set "kind": "${kind ?? 'text'}" for it in storage.urlColumns (text, varchar and jsonb are supported).`,
      },
    );
  }
  const { rows: key } = await db.query<KeyColumn>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
       from pg_index i
       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = to_regclass($1) and i.indisprimary
      order by array_position(i.indkey::int2[], a.attnum)`,
    [table],
  );
  if (key.length === 0) {
    throw new StorageError(
      'STORAGE_URL_TABLE_NO_KEY',
      `Table ${column.schema}.${column.table} has no primary key`,
      {
        exit: 'usage',
        hint: 'Rows are rewritten and restored by primary key: add one (e.g. `alter table … add column id bigint generated always as identity primary key`) or rewrite that column yourself.',
      },
    );
  }
  return { column, table, ident: quoteIdent(column.column), kind, key };
}

/** `("a", "b")` */
export function keyTuple(info: ColumnInfo, alias?: string): string {
  const cols = info.key.map((k) => (alias ? `${alias}.${quoteIdent(k.name)}` : quoteIdent(k.name)));
  return `(${cols.join(', ')})`;
}

/** `($1::uuid, $2::int)` for parameters starting at `first`. */
export function keyParams(info: ColumnInfo, first: number): string {
  return `(${info.key.map((k, i) => `$${first + i}::${k.type}`).join(', ')})`;
}

/** `"a" = ($1)::uuid and "b" = ($2)::int` matching the ledger's jsonb key array `ref`. */
export function keyMatchesLedger(info: ColumnInfo, tableAlias: string, ref: string): string {
  return info.key
    .map((k, i) => `${tableAlias}.${quoteIdent(k.name)} = (${ref}->>${i})::${k.type}`)
    .join(' and ');
}
