/**
 * One table, source → target, streamed: COPY ... TO STDOUT on the source (inside the shared snapshot) piped
 * into COPY ... FROM STDIN on the target, in one target transaction that also empties a partial table,
 * keeps user triggers from firing, and records completion. Nothing is held in memory.
 *
 * Format: binary COPY when every column's binary form is server-independent, else text. Chosen by
 * measurement against `pg_dump -Fc | pg_restore` and text COPY (figures: bench/db/README.md): binary rows
 * skip text formatting and parsing, and there is no compression step. Binary is unsafe only for arrays
 * of user-defined types and composite types (their binary form embeds type OIDs, which differ between
 * servers); such tables go as text.
 */
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { inTransaction, type PgClient } from '../../core/pg.ts';
import { SUPA2AWS_SCHEMA } from '../supabase-facts.ts';
import { tableSql, type ColumnInfo, type TableInfo } from '../catalog/tables.ts';
import { quoteIdent } from '../../core/sql-quote.ts';

export type CopyFormat = 'binary' | 'text';

export interface TableCopyJob {
  table: TableInfo;
  columns: ColumnInfo[];
  /** Empty the target table first (it holds rows that do not match the source). */
  truncate: boolean;
  /**
   * Merge instead of emptying: the target has data in columns the source lacks (e.g. auth.users.cognito_sub,
   * written by the auth phase). Rows go through a temporary table; rows gone from the source are deleted,
   * the others inserted or updated on the primary key, target-only columns untouched.
   */
  merge?: boolean;
  format: CopyFormat;
  /** User triggers enabled on the target table: disabled for the load, enabled again before commit. */
  enabledTriggers: EnabledTrigger[];
}

export function chooseFormat(columns: ColumnInfo[], wanted: 'auto' | CopyFormat): CopyFormat {
  if (wanted !== 'auto') return wanted;
  return columns.every((c) => c.binarySafe) ? 'binary' : 'text';
}

export interface TableCopyResult {
  rows: number;
  bytes: number;
}

export interface EnabledTrigger {
  name: string;
  /** pg_trigger.tgenabled: O (origin), A (always), R (replica). */
  mode: 'O' | 'A' | 'R';
}

/** User triggers of a table that are enabled on the target. */
export async function enabledUserTriggers(client: PgClient, table: TableInfo): Promise<EnabledTrigger[]> {
  const { rows } = await client.query<{ tgname: string; tgenabled: EnabledTrigger['mode'] }>(
    `SELECT tgname, tgenabled FROM pg_catalog.pg_trigger
      WHERE tgrelid = to_regclass($1) AND NOT tgisinternal AND tgenabled <> 'D' ORDER BY tgname`,
    [tableSql(table)],
  );
  return rows.map((r) => ({ name: r.tgname, mode: r.tgenabled }));
}

const ENABLE: Record<EnabledTrigger['mode'], string> = {
  O: 'ENABLE',
  A: 'ENABLE ALWAYS',
  R: 'ENABLE REPLICA',
};

/** Applies the rows loaded into the temporary table to the real one, keeping target-only columns. */
async function mergeRows(target: PgClient, job: TableCopyJob, table: string, columns: string): Promise<void> {
  const key = job.table.primaryKey.map(quoteIdent);
  const on = key.map((k) => `t.${k} = m.${k}`).join(' AND ');
  const update = job.columns
    .filter((c) => !job.table.primaryKey.includes(c.name))
    .map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`);
  await target.query(`DELETE FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM supa2aws_merge m WHERE ${on})`);
  await target.query(
    `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM supa2aws_merge
     ON CONFLICT (${key.join(', ')}) ${update.length > 0 ? `DO UPDATE SET ${update.join(', ')}` : 'DO NOTHING'}`,
  );
}

export async function copyTable(
  source: PgClient,
  target: PgClient,
  job: TableCopyJob,
  snapshot: string,
  onBytes: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<TableCopyResult> {
  const table = tableSql(job.table);
  const columns = job.columns.map((c) => quoteIdent(c.name)).join(', ');
  const options = job.format === 'binary' ? '(FORMAT binary)' : '';
  return inTransaction(target, async () => {
    if (job.truncate && !job.merge) await target.query(`TRUNCATE ${table}`);
    if (job.enabledTriggers.length > 0) await target.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    if (job.table.rlsForced) await target.query(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        onBytes(chunk.length);
        done(null, chunk);
      },
    });
    const into = job.merge ? 'supa2aws_merge' : table;
    if (job.merge) {
      await target.query(
        `CREATE TEMP TABLE supa2aws_merge ON COMMIT DROP AS SELECT ${columns} FROM ${table} WITH NO DATA`,
      );
    }
    const reader = source.query(copyTo(`COPY ${table} (${columns}) TO STDOUT ${options}`));
    const writer = target.query(copyFrom(`COPY ${into} (${columns}) FROM STDIN ${options}`));
    await pipeline(reader, counter, writer, ...(signal ? [{ signal }] : []));
    const rows = Number(writer.rowCount ?? 0);
    if (job.merge) await mergeRows(target, job, table, columns);
    for (const trigger of job.enabledTriggers)
      await target.query(`ALTER TABLE ${table} ${ENABLE[trigger.mode]} TRIGGER ${quoteIdent(trigger.name)}`);
    if (job.table.rlsForced) await target.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    await target.query(
      `INSERT INTO ${SUPA2AWS_SCHEMA}.copy_state (schema_name, table_name, rows, bytes, snapshot)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (schema_name, table_name) DO UPDATE
         SET rows = EXCLUDED.rows, bytes = EXCLUDED.bytes, snapshot = EXCLUDED.snapshot, completed_at = now()`,
      [job.table.schema, job.table.name, rows, bytes, snapshot],
    );
    return { rows, bytes };
  });
}
