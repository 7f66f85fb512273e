/**
 * A few rows in every app table of a database whose schema we did not write: users in auth.users first,
 * then each table in foreign-key order, with values made from the catalog's column types and foreign-key
 * values taken from rows already there. A table whose rows cannot be made (a check constraint the values
 * miss, a type we cannot make) is skipped and reported, never guessed at.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { isManagedSchema } from '../../src/db/supabase-facts.ts';

export interface GeneratedRows {
  /** `schema.table` → rows inserted. */
  inserted: Record<string, number>;
  /** `schema.table` → why no row could be inserted. */
  skipped: Record<string, string>;
  /** The users inserted into auth.users. */
  userIds: string[];
  /** What had to be done differently, e.g. auth.users loaded with its triggers off. */
  notes: string[];
}

interface Column {
  name: string;
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  identity: boolean;
  category: string;
  baseType: string;
  labels: string[] | null;
  maxLength: number | null;
}

interface ForeignKey {
  columns: string[];
  refTable: string;
  refColumns: string[];
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
const qualified = (t: string) => {
  const dot = t.indexOf('.');
  return `${quote(t.slice(0, dot))}.${quote(t.slice(dot + 1))}`;
};

/** The app's tables: ordinary and partitioned tables in schemas Supabase does not manage, not owned by an extension. */
async function appTables(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1, 2`,
  );
  return rows.filter((r) => !isManagedSchema(r.schema)).map((r) => `${r.schema}.${r.name}`);
}

async function columnsOf(client: pg.Client, table: string): Promise<Column[]> {
  const { rows } = await client.query<Column>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull",
            a.atthasdef AS "hasDefault", a.attidentity <> '' AS identity,
            bt.typcategory AS category, bt.typname AS "baseType",
            (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = bt.oid) AS labels,
            CASE WHEN a.atttypmod > 4 AND bt.typname IN ('varchar', 'bpchar') THEN a.atttypmod - 4 END AS "maxLength"
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY a.attnum`,
    [qualified(table)],
  );
  return rows;
}

async function foreignKeysOf(client: pg.Client, table: string): Promise<ForeignKey[]> {
  const { rows } = await client.query<{ columns: string[]; ref_table: string; ref_columns: string[] }>(
    `SELECT (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS columns,
            rn.nspname || '.' || r.relname AS ref_table,
            (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS ref_columns
       FROM pg_constraint c JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
      WHERE c.contype = 'f' AND c.conrelid = $1::regclass`,
    [qualified(table)],
  );
  return rows.map((r) => ({ columns: r.columns, refTable: r.ref_table, refColumns: r.ref_columns }));
}

/** Tables ordered so that every table comes after the tables it references (cycles broken arbitrarily). */
function dependencyOrder(tables: string[], fks: Map<string, ForeignKey[]>): string[] {
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: string[] = [];
  const visit = (t: string) => {
    if (done.has(t) || visiting.has(t)) return;
    visiting.add(t);
    for (const fk of fks.get(t) ?? [])
      if (fk.refTable !== t && tables.includes(fk.refTable)) visit(fk.refTable);
    visiting.delete(t);
    done.add(t);
    out.push(t);
  };
  for (const t of tables) visit(t);
  return out;
}

/** A text value PostgreSQL casts to the column's type, or undefined when we cannot make one. */
function valueFor(column: Column, i: number): string | undefined {
  const word = `${column.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${i}-${randomUUID().slice(0, 8)}`;
  if (column.labels && column.labels.length > 0) return column.labels[i % column.labels.length];
  if (column.category === 'A') return '{}';
  switch (column.baseType) {
    case 'uuid':
      return randomUUID();
    case 'json':
    case 'jsonb':
      return '{}';
    case 'bytea':
      return '\\x00';
    case 'tsvector':
      return '';
    case 'time':
    case 'timetz':
      return '12:00:00';
    case 'interval':
      return '1 hour';
    case 'inet':
    case 'cidr':
      return '127.0.0.1';
    case 'bpchar':
    case 'varchar':
      return column.maxLength ? word.slice(0, column.maxLength) : word;
  }
  switch (column.category) {
    case 'S':
      return word;
    case 'N':
      return String(i + 1);
    case 'B':
      return i % 2 === 0 ? 'true' : 'false';
    case 'D':
      return new Date(Date.UTC(2026, 0, 1 + i, 12)).toISOString();
    default:
      return undefined;
  }
}

async function insertUsers(client: pg.Client, count: number, notes: string[]): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const insert = async () => {
    for (const [i, id] of ids.entries()) {
      await client.query(
        `INSERT INTO auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                                 raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
         VALUES ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, '', now(),
                 '{"provider":"email","providers":["email"]}', $3, now(), now())`,
        [
          id,
          `corpus-user-${i}-${id.slice(0, 8)}@example.com`,
          JSON.stringify({ full_name: `Corpus User ${i}`, name: `Corpus User ${i}`, username: `corpus${i}` }),
        ],
      );
    }
  };
  await client.query('BEGIN');
  try {
    await insert();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    notes.push(`auth.users loaded with triggers off: a trigger on it failed (${(error as Error).message})`);
    await client.query('BEGIN');
    await client.query("SET LOCAL session_replication_role = 'replica'");
    await insert();
    await client.query('COMMIT');
  }
  return ids;
}

async function pickRow(client: pg.Client, fk: ForeignKey): Promise<unknown[] | undefined> {
  const { rows } = await client.query<Record<string, unknown>>(
    `SELECT ${fk.refColumns.map((c, i) => `${quote(c)}::text AS c${i}`).join(', ')}
       FROM ${qualified(fk.refTable)} ORDER BY random() LIMIT 1`,
  );
  return rows[0] ? fk.refColumns.map((_, i) => rows[0]![`c${i}`]) : undefined;
}

async function insertRow(
  client: pg.Client,
  table: string,
  columns: Column[],
  fks: ForeignKey[],
  i: number,
  onlyRequired: boolean,
): Promise<void> {
  const values = new Map<string, unknown>();
  for (const fk of fks) {
    if (fk.refTable === table) continue;
    const row = await pickRow(client, fk);
    if (!row) continue;
    fk.columns.forEach((c, k) => values.set(c, row[k]));
  }
  for (const column of columns) {
    if (values.has(column.name) || column.identity) continue;
    // A default is kept unless it left a required column empty (e.g. `default auth.uid()` with no user).
    if (column.hasDefault && !(onlyRequired && column.notNull)) continue;
    if (onlyRequired && !column.notNull) continue;
    if (fks.some((fk) => fk.columns.includes(column.name)) && !column.notNull) continue;
    const value = valueFor(column, i);
    if (value === undefined) {
      if (column.notNull) throw new Error(`no value can be made for ${column.name} (${column.type})`);
      continue;
    }
    values.set(column.name, value);
  }
  const names = [...values.keys()];
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const sql =
    names.length === 0
      ? `INSERT INTO ${qualified(table)} DEFAULT VALUES`
      : `INSERT INTO ${qualified(table)} (${names.map(quote).join(', ')}) VALUES (${names
          .map((n, k) => `$${k + 1}::${types.get(n)}`)
          .join(', ')})`;
  await client.query(sql, [...values.values()]);
}

/**
 * Inserts `perTable` rows into every app table (as the cluster superuser, so RLS does not apply and
 * triggers fire as they would for the app), after `users` users in auth.users.
 */
export async function insertGeneratedRows(
  adminUrl: string,
  options: { users?: number; perTable?: number } = {},
): Promise<GeneratedRows> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const result: GeneratedRows = { inserted: {}, skipped: {}, userIds: [], notes: [] };
  try {
    result.userIds = await insertUsers(client, options.users ?? 3, result.notes);
    const tables = await appTables(client);
    const fks = new Map<string, ForeignKey[]>();
    for (const t of tables) fks.set(t, await foreignKeysOf(client, t));
    for (const table of dependencyOrder(tables, fks)) {
      const columns = await columnsOf(client, table);
      let inserted = 0;
      let lastError = '';
      for (let i = 0; i < (options.perTable ?? 3); i++) {
        for (const onlyRequired of [false, true]) {
          try {
            await insertRow(client, table, columns, fks.get(table) ?? [], i, onlyRequired);
            inserted++;
            break;
          } catch (error) {
            lastError = (error as Error).message;
          }
        }
      }
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(table)}`);
      if (inserted > 0) result.inserted[table] = inserted;
      else if (Number(rows[0]?.n) === 0) result.skipped[table] = lastError;
    }
  } finally {
    await client.end();
  }
  return result;
}
