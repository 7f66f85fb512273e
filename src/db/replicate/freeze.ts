/**
 * The write freeze at cutover. Chosen: the app's login roles get `default_transaction_read_only = on` in
 * the database (ALTER ROLE … IN DATABASE … SET) and their open sessions are ended, so every transaction
 * they start afterwards is read-only and fails on its first write with SQLSTATE 25006. Not REVOKE: writes
 * also go through SECURITY DEFINER functions and triggers owned by the owner role, which a REVOKE from
 * anon/authenticated leaves writable, and undoing a REVOKE means re-granting exactly what each role had
 * (column grants, grants by other grantors); a role setting is one row per role in pg_db_role_setting,
 * restored exactly. What it does not stop: a session that sets default_transaction_read_only = off itself
 * or says BEGIN READ WRITE (apps do not); the digests compared after the freeze would show such a write.
 *
 * The freeze is recorded in the frozen database itself (supa2aws.write_freeze, one row per role with its
 * setting before), in the same transaction as the ALTER ROLEs: a run killed at any point leaves either no
 * freeze or a freeze with its record, so a re-run can finish it or undo it exactly.
 */
import { logger, type Reporter } from '../../core/reporter.ts';
import { SUPA2AWS_SCHEMA } from '../supabase-facts.ts';
import { inTransaction, type ConnectFn, type PgClient } from '../../core/pg.ts';
import { quoteIdent } from '../../core/sql-quote.ts';

const FREEZE_TABLE = `${SUPA2AWS_SCHEMA}.write_freeze`;

export interface FrozenRole {
  role: string;
  /** default_transaction_read_only for this role in this database before the freeze (null: not set). */
  previous: string | null;
  frozenAt: string;
}

/**
 * Login roles (not superusers) that can write an app table, directly or through a role they belong to
 * (authenticator through authenticated). Supabase's own services (supabase_auth_admin,
 * supabase_storage_admin…) are left alone: they write their own schemas, and Auth keeps running on
 * Supabase until the auth phase.
 */
export async function writerRoles(client: PgClient, tables: string[]): Promise<string[]> {
  const { rows } = await client.query<{ rolname: string }>(
    `SELECT r.rolname FROM pg_catalog.pg_roles r
      WHERE r.rolcanlogin AND NOT r.rolsuper AND r.rolname NOT LIKE 'supabase\\_%'
        AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles m, unnest($1::regclass[]) AS t(rel)
                     WHERE pg_catalog.pg_has_role(r.oid, m.oid, 'MEMBER')
                       AND pg_catalog.has_table_privilege(m.oid, t.rel, 'INSERT, UPDATE, DELETE, TRUNCATE'))
      ORDER BY 1`,
    [tables],
  );
  return rows.map((r) => r.rolname);
}

/** The freeze recorded in this database, if any (empty when none). */
export async function recordedFreeze(client: PgClient): Promise<FrozenRole[]> {
  const { rows: exists } = await client.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [
    FREEZE_TABLE,
  ]);
  if (!exists[0]?.t) return [];
  const { rows } = await client.query<{ role_name: string; previous: string | null; frozen_at: Date }>(
    `SELECT role_name, previous, frozen_at FROM ${FREEZE_TABLE} ORDER BY role_name`,
  );
  return rows.map((r) => ({ role: r.role_name, previous: r.previous, frozenAt: r.frozen_at.toISOString() }));
}

/** Ends the sessions of `roles` in this database (not ours, not WAL senders); returns how many. */
async function endSessions(client: PgClient, roles: string[]): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) FILTER (WHERE pg_catalog.pg_terminate_backend(pid)) AS n
       FROM pg_catalog.pg_stat_activity
      WHERE datname = current_database() AND usename = ANY($1::text[]) AND pid <> pg_catalog.pg_backend_pid()
        AND backend_type = 'client backend' AND coalesce(application_name, '') NOT LIKE 'supa2aws%'`,
    [roles],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Makes `roles` read-only in this database and ends their sessions. Idempotent: a role already recorded
 * keeps the setting it had before the first freeze.
 */
export async function freezeWrites(
  client: PgClient,
  roles: string[],
  reporter: Reporter,
): Promise<{ roles: FrozenRole[]; sessionsEnded: number }> {
  await inTransaction(
    client,
    async () => {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${SUPA2AWS_SCHEMA}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${FREEZE_TABLE} (role_name text PRIMARY KEY, previous text, frozen_at timestamptz NOT NULL DEFAULT now())`,
      );
      for (const role of roles) {
        await client.query(
          `INSERT INTO ${FREEZE_TABLE} (role_name, previous)
         SELECT $1, (SELECT split_part(c, '=', 2) FROM pg_catalog.pg_db_role_setting s, unnest(s.setconfig) c
                      WHERE s.setrole = to_regrole($1)
                        AND s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
                        AND c LIKE 'default\\_transaction\\_read\\_only=%')
         ON CONFLICT (role_name) DO NOTHING`,
          [role],
        );
        await client.query(
          `ALTER ROLE ${quoteIdent(role)} IN DATABASE ${quoteIdent(await database(client))} SET default_transaction_read_only = on`,
        );
      }
    },
    'BEGIN READ WRITE',
  );
  // A session that was starting while the setting committed may have read the old value: end twice.
  let sessionsEnded = await endSessions(client, roles);
  await new Promise((r) => setTimeout(r, 200));
  sessionsEnded += await endSessions(client, roles);
  logger(reporter).info(`writes frozen for ${roles.join(', ')}: ${sessionsEnded} open session(s) ended`);
  return { roles: await recordedFreeze(client), sessionsEnded };
}

async function database(client: PgClient): Promise<string> {
  const { rows } = await client.query<{ d: string }>('SELECT current_database() AS d');
  return rows[0]!.d;
}

/**
 * Restores every recorded role's setting exactly, removes the record, and ends the roles' read-only
 * sessions so the app's pools reconnect writable. Returns the roles restored (none when nothing was frozen).
 */
export async function unfreezeWrites(client: PgClient, reporter: Reporter): Promise<string[]> {
  const frozen = await recordedFreeze(client);
  if (frozen.length === 0) return [];
  const db = quoteIdent(await database(client));
  await inTransaction(
    client,
    async () => {
      for (const role of frozen) {
        const alter = `ALTER ROLE ${quoteIdent(role.role)} IN DATABASE ${db}`;
        await client.query(
          role.previous === null
            ? `${alter} RESET default_transaction_read_only`
            : `${alter} SET default_transaction_read_only = ${['on', 'true', 'yes', '1'].includes(role.previous.toLowerCase()) ? 'on' : 'off'}`,
        );
      }
      await client.query(`DELETE FROM ${FREEZE_TABLE}`);
    },
    'BEGIN READ WRITE',
  );
  const roles = frozen.map((r) => r.role);
  const ended = await endSessions(client, roles);
  logger(reporter).info(`writes allowed again for ${roles.join(', ')}: ${ended} read-only session(s) ended`);
  return roles;
}

/**
 * Connections whose own transactions stay writable during a freeze (supa2aws's bookkeeping: dropping the
 * publication, writing the freeze record), whichever role they log in as.
 */
export function writableConnect(connect: ConnectFn): ConnectFn {
  return async (url, role, options) => {
    const client = await connect(url, role, options);
    await client.query('SET default_transaction_read_only = off');
    return client;
  };
}
