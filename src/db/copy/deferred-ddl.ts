/**
 * Loading the way pg_restore does, without superuser settings: before the data goes in, the foreign keys
 * touching the tables to load, and their primary keys, unique constraints and indexes, are dropped; after,
 * they are re-created (an FK is then checked once per table, not row by row). Each definition is saved in
 * supa2aws.deferred_ddl in the same transaction that drops it, and deleted in the transaction that re-creates
 * it, so a run killed in between is finished by the next one. Objects something else depends on (a view
 * grouping by a primary key) are left in place.
 */
import { DbError } from '../../core/errors.ts';
import { inTransaction, pgErrorFields, type PgClient } from '../../core/pg.ts';
import { SUPA2AWS_SCHEMA } from '../supabase-facts.ts';
import { qualified, quoteIdent } from '../../core/sql-quote.ts';

export const COPY_BOOKKEEPING_SQL = [
  `CREATE SCHEMA IF NOT EXISTS ${SUPA2AWS_SCHEMA}`,
  `CREATE TABLE IF NOT EXISTS ${SUPA2AWS_SCHEMA}.copy_state (
  schema_name text NOT NULL,
  table_name text NOT NULL,
  rows bigint NOT NULL,
  bytes bigint NOT NULL,
  snapshot text NOT NULL,
  completed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schema_name, table_name)
)`,
  `CREATE TABLE IF NOT EXISTS ${SUPA2AWS_SCHEMA}.deferred_ddl (
  id bigserial PRIMARY KEY,
  schema_name text NOT NULL,
  table_name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('constraint', 'index', 'foreign_key')),
  name text NOT NULL,
  definition text NOT NULL,
  UNIQUE (schema_name, table_name, name)
)`,
];

export interface DeferredItem {
  schema: string;
  table: string;
  kind: 'constraint' | 'index' | 'foreign_key';
  name: string;
  definition: string;
}

interface CatalogItem {
  schema: string;
  table: string;
  name: string;
  def: string;
  /** The table's REPLICA IDENTITY is this index: re-created with the index, or the table's would be lost. */
  replident?: boolean;
}

/** `REPLICA IDENTITY USING INDEX` falls back to nothing when its index is dropped: said again after it. */
const identityAgain = (table: string, item: CatalogItem) =>
  item.replident ? `; ALTER TABLE ${table} REPLICA IDENTITY USING INDEX ${quoteIdent(item.name)}` : '';

async function save(client: PgClient, item: DeferredItem): Promise<void> {
  await client.query(
    `INSERT INTO ${SUPA2AWS_SCHEMA}.deferred_ddl (schema_name, table_name, kind, name, definition)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (schema_name, table_name, name) DO NOTHING`,
    [item.schema, item.table, item.kind, item.name, item.definition],
  );
}

/** Drops one object after saving its definition; keeps it (and says so) when something depends on it. */
async function deferOne(client: PgClient, item: DeferredItem, drop: string): Promise<boolean> {
  await client.query('SAVEPOINT supa2aws_defer');
  try {
    await save(client, item);
    await client.query(drop);
    await client.query('RELEASE SAVEPOINT supa2aws_defer');
    return true;
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT supa2aws_defer');
    if ((error as { code?: string }).code === '2BP01') return false;
    throw error;
  }
}

export interface DeferResult {
  deferred: DeferredItem[];
  /** Kept because another object depends on them (loaded with them in place). */
  kept: string[];
}

/**
 * Drops FKs touching `tables`, then their PK/unique/exclusion constraints and plain indexes, saving each.
 * One transaction. `tables` are `schema.name` keys.
 */
export async function deferForLoad(
  client: PgClient,
  tables: Array<{ schema: string; name: string }>,
  options: {
    /** Tables merged by key: their keys and indexes stay (ON CONFLICT needs them); FKs still go. */
    keepKeysOf?: Array<{ schema: string; name: string }>;
  } = {},
): Promise<DeferResult> {
  const result: DeferResult = { deferred: [], kept: [] };
  if (tables.length === 0) return result;
  const names = tables.map((t) => qualified(t.schema, t.name));
  const keep = new Set((options.keepKeysOf ?? []).map((t) => qualified(t.schema, t.name)));
  const keyed = names.filter((n) => !keep.has(n));
  return inTransaction(client, async () => {
    await client.query(`SELECT pg_catalog.set_config('search_path', '', true)`);
    const oids = `ARRAY(SELECT to_regclass(x)::oid FROM unnest($1::text[]) x)`;
    const fks = await client.query<CatalogItem>(
      `SELECT n.nspname AS schema, c.relname AS "table", con.conname AS name, pg_catalog.pg_get_constraintdef(con.oid) AS def
         FROM pg_catalog.pg_constraint con
         JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE con.contype = 'f' AND (con.conrelid = ANY(${oids}) OR con.confrelid = ANY(${oids}))
        ORDER BY 1, 2, 3`,
      [names],
    );
    for (const fk of fks.rows) {
      const table = qualified(fk.schema, fk.table);
      const item: DeferredItem = {
        schema: fk.schema,
        table: fk.table,
        kind: 'foreign_key',
        name: fk.name,
        definition: `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(fk.name)} ${fk.def}`,
      };
      if (await deferOne(client, item, `ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdent(fk.name)}`))
        result.deferred.push(item);
      else result.kept.push(`${fk.schema}.${fk.table}.${fk.name}`);
    }
    const constraints = await client.query<CatalogItem>(
      `SELECT n.nspname AS schema, c.relname AS "table", con.conname AS name, pg_catalog.pg_get_constraintdef(con.oid) AS def,
              coalesce((SELECT i.indisreplident FROM pg_catalog.pg_index i WHERE i.indexrelid = con.conindid), false) AS replident
         FROM pg_catalog.pg_constraint con
         JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE con.contype IN ('p', 'u', 'x') AND con.conrelid = ANY(${oids})
        ORDER BY 1, 2, con.contype, 3`,
      [keyed],
    );
    for (const con of constraints.rows) {
      const table = qualified(con.schema, con.table);
      const item: DeferredItem = {
        schema: con.schema,
        table: con.table,
        kind: 'constraint',
        name: con.name,
        definition: `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(con.name)} ${con.def}${identityAgain(table, con)}`,
      };
      if (await deferOne(client, item, `ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdent(con.name)}`))
        result.deferred.push(item);
      else result.kept.push(`${con.schema}.${con.table}.${con.name}`);
    }
    const indexes = await client.query<CatalogItem>(
      `SELECT n.nspname AS schema, c.relname AS "table", ic.relname AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS def,
              i.indisreplident AS replident
         FROM pg_catalog.pg_index i
         JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
         JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE i.indrelid = ANY(${oids})
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = i.indexrelid)
        ORDER BY 1, 2, 3`,
      [keyed],
    );
    for (const index of indexes.rows) {
      const item: DeferredItem = {
        schema: index.schema,
        table: index.table,
        kind: 'index',
        name: index.name,
        definition: `${index.def}${identityAgain(qualified(index.schema, index.table), index)}`,
      };
      if (await deferOne(client, item, `DROP INDEX ${qualified(index.schema, index.name)}`))
        result.deferred.push(item);
      else result.kept.push(`${index.schema}.${index.name}`);
    }
    return result;
  });
}

export async function pendingDeferred(client: PgClient): Promise<Array<DeferredItem & { id: string }>> {
  const { rows } = await client.query<{
    id: string;
    schema_name: string;
    table_name: string;
    kind: DeferredItem['kind'];
    name: string;
    definition: string;
  }>(
    `SELECT id, schema_name, table_name, kind, name, definition FROM ${SUPA2AWS_SCHEMA}.deferred_ddl
      ORDER BY CASE kind WHEN 'constraint' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, id`,
  );
  return rows.map((r) => ({
    id: r.id,
    schema: r.schema_name,
    table: r.table_name,
    kind: r.kind,
    name: r.name,
    definition: r.definition,
  }));
}

/** Re-creates one saved object and deletes its row, in one transaction. An object already there counts as done. */
export async function restoreOne(client: PgClient, item: DeferredItem & { id: string }): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SAVEPOINT supa2aws_restore');
    try {
      await client.query(item.definition);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== '42P07' && code !== '42710' && code !== '42P16') throw error;
      await client.query('ROLLBACK TO SAVEPOINT supa2aws_restore');
    }
    await client.query(`DELETE FROM ${SUPA2AWS_SCHEMA}.deferred_ddl WHERE id = $1`, [item.id]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const pg = pgErrorFields(error);
    throw new DbError(
      'DB_COPY_RESTORE_FAILED',
      `re-creating ${item.kind.replace('_', ' ')} ${item.name} on ${item.schema}.${item.table} after the load failed: ${pg.message}`,
      {
        cause: error,
        details: { definition: item.definition, sqlstate: pg.code, detail: pg.detail },
        hint:
          pg.code === '23503' || pg.code === '23505'
            ? 'The copied data breaks this constraint (it did on the source too?). Fix the rows on the target, then run `supa2aws db copy` again to finish.'
            : 'Fix the cause, then run `supa2aws db copy` again: it re-creates what is still pending.',
      },
    );
  }
}
