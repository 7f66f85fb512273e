/**
 * The legacy credential store on the target: schema `auth.legacySchema`, one row per Supabase user, owned
 * by the target's owner role, REVOKEd from PUBLIC and the app's roles, and readable (SELECT only) by the
 * dedicated LOGIN role the migrate-user Lambda connects as.
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { AuthError } from '../core/errors.ts';
import type { Classified, SourceUser } from './classify.ts';
import { isVerifiable } from './classify.ts';
import { failuresTable, legacyTable, settingsTable } from './legacy-schema.ts';
import { quoteIdent } from '../core/sql-quote.ts';

export interface StoreSettings {
  schema: string;
  role: string;
  rolePassword?: string | undefined;
  appRoles: string[];
}

/** What ensureLegacyStore did to the Lambda's role. */
export interface RoleResult {
  name: string;
  created: boolean;
  /** Whether a password was (re)set: without one the role cannot log in. */
  passwordSet: boolean;
}

/**
 * Creates (or converges) the schema, table, indexes, role and grants. Runs inside the caller's
 * transaction. The unique keys are DEFERRABLE so one export can move an email from one user to another.
 */
export async function ensureLegacyStore(client: pg.ClientBase, settings: StoreSettings): Promise<RoleResult> {
  const schema = quoteIdent(settings.schema);
  const table = legacyTable(settings.schema);
  const role = quoteIdent(settings.role);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
    id uuid PRIMARY KEY,
    email text,
    email_key text,
    phone text,
    password_hash text,
    hash_kind text NOT NULL,
    kind text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('lazy', 'reset', 'import', 'skip')),
    reason text NOT NULL,
    email_confirmed boolean NOT NULL,
    phone_confirmed boolean NOT NULL,
    banned_until timestamptz,
    oauth_identities jsonb NOT NULL DEFAULT '[]',
    source_created_at timestamptz,
    login_email text GENERATED ALWAYS AS (CASE WHEN outcome <> 'skip' THEN email_key END) STORED,
    login_phone text GENERATED ALWAYS AS (CASE WHEN outcome <> 'skip' THEN phone END) STORED,
    digest text NOT NULL,
    export_run text NOT NULL,
    exported_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_login_email_key UNIQUE (login_email) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT users_login_phone_key UNIQUE (login_phone) DEFERRABLE INITIALLY DEFERRED
  )`);
  await client.query(`CREATE INDEX IF NOT EXISTS users_email_key_idx ON ${table} (email_key)`);
  await client.query(`CREATE INDEX IF NOT EXISTS users_phone_idx ON ${table} (phone)`);
  // The migrate-user Lambda's failure counter and the key of its log references (sign-in-guard.ts).
  await client.query(`CREATE TABLE IF NOT EXISTS ${failuresTable(settings.schema)} (
    user_ref text PRIMARY KEY,
    failures integer NOT NULL,
    first_failure_at timestamptz NOT NULL,
    last_failure_at timestamptz NOT NULL,
    locked_until timestamptz
  )`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${settingsTable(settings.schema)} (
    name text PRIMARY KEY,
    value text NOT NULL
  )`);
  await client.query(
    `INSERT INTO ${settingsTable(settings.schema)} (name, value) VALUES ('user_ref_key', $1)
     ON CONFLICT (name) DO NOTHING`,
    [randomBytes(32).toString('base64url')],
  );
  await client.query(
    `COMMENT ON TABLE ${table} IS 'supa2aws: Supabase Auth password hashes for the migrate-user Lambda. Secret: readable only by ${settings.role}.'`,
  );

  const existing = await client.query<{ rolcanlogin: boolean }>(
    'SELECT rolcanlogin FROM pg_roles WHERE rolname = $1',
    [settings.role],
  );
  const created = existing.rows.length === 0;
  const password = settings.rolePassword ? ` PASSWORD ${client.escapeLiteral(settings.rolePassword)}` : '';
  // The statement holds the password: it is never logged (errors below are rethrown without it).
  try {
    if (created) await client.query(`CREATE ROLE ${role} LOGIN NOINHERIT${password}`);
    else await client.query(`ALTER ROLE ${role} LOGIN NOINHERIT${password}`);
  } catch (error) {
    const e = error as { code?: string };
    const message = (error as Error).message;
    throw new AuthError(
      'AUTH_ROLE_FAILED',
      `could not ${created ? 'create' : 'alter'} role ${settings.role}: ${message}`,
      {
        exit: 'permission',
        hint: 'The target connection must be the owner role (RDS master user or a role with CREATEROLE).',
        details: { pgCode: e.code },
      },
    );
  }

  // Locked down: nobody but the owner and the Lambda's role, whatever default privileges say.
  const appRoles = await existingRoles(client, settings.appRoles);
  const everyone = ['PUBLIC', ...appRoles.map(quoteIdent)].join(', ');
  await client.query(`REVOKE ALL ON SCHEMA ${schema} FROM ${everyone}`);
  await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${everyone}`);
  await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schema} FROM ${everyone}`);
  await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} REVOKE ALL ON TABLES FROM ${everyone}`);
  await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
  await client.query(`REVOKE ALL ON ${table} FROM ${role}`);
  await client.query(`GRANT SELECT ON ${table} TO ${role}`);
  await client.query(`REVOKE ALL ON ${settingsTable(settings.schema)} FROM ${role}`);
  await client.query(`GRANT SELECT ON ${settingsTable(settings.schema)} TO ${role}`);
  await client.query(`REVOKE ALL ON ${failuresTable(settings.schema)} FROM ${role}`);
  await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${failuresTable(settings.schema)} TO ${role}`);
  return { name: settings.role, created, passwordSet: password !== '' };
}

async function existingRoles(client: pg.ClientBase, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const { rows } = await client.query<{ rolname: string }>(
    'SELECT rolname FROM pg_roles WHERE rolname = ANY($1)',
    [names],
  );
  return rows.map((r) => r.rolname);
}

export interface PrivilegeCheck {
  role: string;
  canRead: boolean;
  expected: boolean;
  ok: boolean;
}

/**
 * Who can read the store, checked with has_table_privilege: PUBLIC's stand-in (a fresh role would
 * inherit PUBLIC), each existing app role and the Lambda's role.
 */
export async function checkStorePrivileges(
  client: pg.ClientBase,
  settings: StoreSettings,
): Promise<PrivilegeCheck[]> {
  const table = legacyTable(settings.schema);
  const roles = await existingRoles(client, settings.appRoles);
  const out: PrivilegeCheck[] = [];
  const check = async (role: string, expected: boolean) => {
    const { rows } = await client.query<{ can: boolean }>(
      `SELECT has_schema_privilege($1, $2, 'USAGE') AND has_table_privilege($1, $3, 'SELECT') AS can`,
      [role, settings.schema, table],
    );
    const canRead = rows[0]?.can === true;
    out.push({ role, canRead, expected, ok: canRead === expected });
  };
  for (const role of roles) await check(role, false);
  await check(settings.role, true);
  const publicRead = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM information_schema.role_table_grants
      WHERE table_schema = $1 AND table_name = 'users' AND grantee = 'PUBLIC'`,
    [settings.schema],
  );
  const canRead = (publicRead.rows[0]?.n ?? 0) > 0;
  out.unshift({ role: 'PUBLIC', canRead, expected: false, ok: !canRead });
  return out;
}

/** The row written for one user. `password_hash` only for hashes the Lambda can verify. */
export interface StoreRow {
  id: string;
  email: string | null;
  email_key: string | null;
  phone: string | null;
  password_hash: string | null;
  hash_kind: string;
  kind: string;
  outcome: string;
  reason: string;
  email_confirmed: boolean;
  phone_confirmed: boolean;
  banned_until: string | null;
  oauth_identities: { provider: string; providerId: string }[];
  source_created_at: string | null;
  digest: string;
}

export function storeRow(user: SourceUser, c: Classified): StoreRow {
  const row: Omit<StoreRow, 'digest'> = {
    id: user.id,
    email: user.email?.trim() || null,
    email_key: c.emailKey ?? null,
    phone: c.phone ?? null,
    password_hash: isVerifiable(c.hashKind) && c.outcome !== 'skip' ? user.passwordHash : null,
    hash_kind: c.hashKind,
    kind: c.kind,
    outcome: c.outcome,
    reason: c.reason,
    email_confirmed: c.emailVerified,
    phone_confirmed: c.phoneVerified,
    banned_until: user.bannedUntil?.toISOString() ?? null,
    oauth_identities: user.oauthIdentities,
    source_created_at: user.createdAt?.toISOString() ?? null,
  };
  // The digest tells an unchanged row from a changed one on re-runs; it stays in the store.
  const digest = createHash('sha256').update(JSON.stringify(row)).digest('base64url');
  return { ...row, digest };
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** Writes a batch (one statement; the hashes travel as a bound parameter, never in SQL text). */
export async function upsertRows(
  client: pg.ClientBase,
  schema: string,
  rows: StoreRow[],
  run: string,
): Promise<UpsertCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const table = legacyTable(schema);
  const before = await client.query<{ id: string; digest: string }>(
    `SELECT id, digest FROM ${table} WHERE id = ANY($1::uuid[])`,
    [rows.map((r) => r.id)],
  );
  const old = new Map(before.rows.map((r) => [r.id, r.digest]));
  const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
  for (const row of rows) {
    const digest = old.get(row.id);
    if (digest === undefined) counts.inserted++;
    else if (digest === row.digest) counts.unchanged++;
    else counts.updated++;
  }
  const columns = [
    'id',
    'email',
    'email_key',
    'phone',
    'password_hash',
    'hash_kind',
    'kind',
    'outcome',
    'reason',
    'email_confirmed',
    'phone_confirmed',
    'banned_until',
    'oauth_identities',
    'source_created_at',
    'digest',
  ];
  const updates = [...columns.slice(1), 'export_run'].map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  await client.query(
    `INSERT INTO ${table} (${columns.join(', ')}, export_run, exported_at)
     SELECT ${columns.join(', ')}, $2, now()
       FROM jsonb_to_recordset($1::jsonb) AS r(
         id uuid, email text, email_key text, phone text, password_hash text, hash_kind text, kind text,
         outcome text, reason text, email_confirmed boolean, phone_confirmed boolean,
         banned_until timestamptz, oauth_identities jsonb, source_created_at timestamptz, digest text)
     ON CONFLICT (id) DO UPDATE SET ${updates},
       exported_at = CASE WHEN users.digest = EXCLUDED.digest THEN users.exported_at ELSE now() END`,
    [JSON.stringify(rows), run],
  );
  return counts;
}

/** Removes rows of users no longer in the source (not stamped by this run). */
export async function sweepRows(client: pg.ClientBase, schema: string, run: string): Promise<number> {
  const result = await client.query(`DELETE FROM ${legacyTable(schema)} WHERE export_run <> $1`, [run]);
  return result.rowCount ?? 0;
}
