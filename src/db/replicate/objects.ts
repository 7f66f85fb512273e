/**
 * The three replication objects and their life: the publication and the slot on the publisher, the
 * subscription on the subscriber. The slot is created over a replication connection with an exported
 * snapshot (CREATE_REPLICATION_SLOT … (SNAPSHOT 'export')): the snapshot shows the database exactly as of
 * the slot's consistent point, so a copy read from it followed by the slot's changes has no gap and no
 * duplicate (pgcopydb's method). The snapshot lives as long as that connection stays idle.
 */
import { DbError } from '../../core/errors.ts';
import { pgErrorFields, type ConnectFn, type PgClient } from '../../core/pg.ts';
import { withParam } from './names.ts';
import { quoteIdent, quoteLiteral } from '../../core/sql-quote.ts';

export interface CreatedSlot {
  slot: string;
  consistentPoint: string;
  snapshot: string;
  /** Ends the replication connection (and with it the exported snapshot); the slot stays. */
  close(): Promise<void>;
}

export async function createSlotWithSnapshot(
  connect: ConnectFn,
  publisherUrl: string,
  slot: string,
): Promise<CreatedSlot> {
  const client = await connect(withParam(publisherUrl, 'replication', 'database'), 'source');
  try {
    const { rows } = await client.query<{
      slot_name: string;
      consistent_point: string;
      snapshot_name: string;
    }>(`CREATE_REPLICATION_SLOT ${quoteIdent(slot)} LOGICAL pgoutput (SNAPSHOT 'export')`);
    const row = rows[0]!;
    return {
      slot: row.slot_name,
      consistentPoint: row.consistent_point,
      snapshot: row.snapshot_name,
      close: () => client.end().catch(() => undefined),
    };
  } catch (error) {
    await client.end().catch(() => undefined);
    const pg = pgErrorFields(error);
    if (pg.code === '53400')
      throw new DbError(
        'REPLICATE_SLOTS_EXHAUSTED',
        `cannot create the replication slot ${slot}: ${pg.message}`,
        {
          exit: 'environment',
          cause: error,
          hint: 'Drop a slot nobody reads (pg_replication_slots), or raise max_replication_slots / max_wal_senders.',
        },
      );
    throw new DbError('REPLICATE_SLOT_FAILED', `cannot create the replication slot ${slot}: ${pg.message}`, {
      exit: pg.code === '42501' ? 'permission' : 'environment',
      cause: error,
      hint: 'The role needs REPLICATION and the server wal_level = logical: `supa2aws doctor` checks both.',
    });
  }
}

export interface SlotRow {
  slot: string;
  active: boolean;
  activePid: number | null;
  confirmedFlushLsn: string | null;
  database: string | null;
}

export async function findSlot(client: PgClient, slot: string): Promise<SlotRow | undefined> {
  const { rows } = await client.query<{
    slot_name: string;
    active: boolean;
    active_pid: number | null;
    confirmed_flush_lsn: string | null;
    database: string | null;
  }>(
    `SELECT slot_name, active, active_pid, confirmed_flush_lsn::text, database
       FROM pg_catalog.pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const r = rows[0];
  return r
    ? {
        slot: r.slot_name,
        active: r.active,
        activePid: r.active_pid,
        confirmedFlushLsn: r.confirmed_flush_lsn,
        database: r.database,
      }
    : undefined;
}

/** Drops the slot once no WAL sender holds it (the subscriber lets go within a few seconds). */
export async function dropSlot(client: PgClient, slot: string, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await findSlot(client, slot);
    if (!found) return false;
    if (!found.active) {
      try {
        await client.query('SELECT pg_catalog.pg_drop_replication_slot($1)', [slot]);
        return true;
      } catch (error) {
        if (pgErrorFields(error).code !== '55006') throw error;
      }
    }
    if (Date.now() > deadline)
      throw new DbError(
        'REPLICATE_SLOT_BUSY',
        `the replication slot ${slot} is still in use by process ${found.activePid}`,
        {
          exit: 'environment',
          hint: 'Another subscriber or a running `supa2aws db replicate start` reads it: stop that first, then run the command again.',
        },
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function publicationExists(client: PgClient, name: string): Promise<boolean> {
  const { rows } = await client.query('SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1', [name]);
  return rows.length > 0;
}

export async function dropPublication(client: PgClient, name: string): Promise<boolean> {
  if (!(await publicationExists(client, name))) return false;
  await client.query(`DROP PUBLICATION ${quoteIdent(name)}`);
  return true;
}

export interface SubscriptionRow {
  name: string;
  enabled: boolean;
  slot: string | null;
  publications: string[];
}

export async function findSubscription(client: PgClient, name: string): Promise<SubscriptionRow | undefined> {
  const { rows } = await client.query<{
    subname: string;
    subenabled: boolean;
    subslotname: string | null;
    subpublications: string[];
  }>(
    `SELECT subname, subenabled, subslotname, subpublications FROM pg_catalog.pg_subscription
      WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())`,
    [name],
  );
  const r = rows[0];
  return r
    ? { name: r.subname, enabled: r.subenabled, slot: r.subslotname, publications: r.subpublications }
    : undefined;
}

export async function createSubscription(
  client: PgClient,
  options: { name: string; conninfo: string; publication: string; slot: string },
): Promise<void> {
  await client.query(
    `CREATE SUBSCRIPTION ${quoteIdent(options.name)} CONNECTION ${quoteLiteral(options.conninfo)}
       PUBLICATION ${quoteIdent(options.publication)}
       WITH (copy_data = false, create_slot = false, slot_name = ${quoteLiteral(options.slot)}, enabled = true)`,
  );
}

/**
 * Drops the subscription without touching the publisher's slot (slot_name = NONE first), so it works
 * while the publisher is unreachable; the slot is dropped on the publisher separately.
 */
export async function dropSubscription(client: PgClient, name: string): Promise<boolean> {
  const found = await findSubscription(client, name);
  if (!found) return false;
  const sub = quoteIdent(name);
  if (found.enabled) await client.query(`ALTER SUBSCRIPTION ${sub} DISABLE`);
  if (found.slot) await client.query(`ALTER SUBSCRIPTION ${sub} SET (slot_name = NONE)`);
  await client.query(`DROP SUBSCRIPTION ${sub}`);
  return true;
}
