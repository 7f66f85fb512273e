/**
 * Reads Supabase Auth users from the source database in id order, a batch at a time (memory stays flat
 * however many users there are), with the providers of their identities.
 */
import type pg from 'pg';
import type { SourceUser } from './classify.ts';

/** Columns some GoTrue versions lack, replaced by their default when missing. */
const OPTIONAL_COLUMNS: Record<string, string> = {
  banned_until: 'NULL::timestamptz',
  deleted_at: 'NULL::timestamptz',
  is_anonymous: 'false',
  is_sso_user: 'false',
  phone: 'NULL::text',
  phone_confirmed_at: 'NULL::timestamptz',
};

async function selectList(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'auth' AND table_name = 'users'`,
  );
  const have = new Set(rows.map((r) => r.column_name));
  const column = (name: string) => (have.has(name) ? `u.${name}` : `${OPTIONAL_COLUMNS[name]} AS ${name}`);
  return [
    'u.id',
    'u.email',
    column('phone'),
    'u.encrypted_password',
    'u.email_confirmed_at',
    column('phone_confirmed_at'),
    column('banned_until'),
    column('deleted_at'),
    column('is_anonymous'),
    column('is_sso_user'),
    'u.created_at',
  ].join(', ');
}

interface Row {
  id: string;
  email: string | null;
  phone: string | null;
  encrypted_password: string | null;
  email_confirmed_at: Date | null;
  phone_confirmed_at: Date | null;
  banned_until: Date | null;
  deleted_at: Date | null;
  is_anonymous: boolean | null;
  is_sso_user: boolean | null;
  created_at: Date | null;
  identities: { provider: string; provider_id: string }[] | null;
}

function toSourceUser(row: Row): SourceUser {
  const identities = row.identities ?? [];
  return {
    id: row.id,
    email: row.email,
    phone: row.phone,
    passwordHash: row.encrypted_password,
    emailConfirmedAt: row.email_confirmed_at,
    phoneConfirmedAt: row.phone_confirmed_at,
    bannedUntil: row.banned_until,
    deletedAt: row.deleted_at,
    isAnonymous: row.is_anonymous === true,
    isSsoUser: row.is_sso_user === true,
    createdAt: row.created_at,
    providers: [...new Set(identities.map((i) => i.provider))],
    oauthIdentities: identities
      .filter((i) => i.provider !== 'email' && i.provider !== 'phone' && !i.provider.startsWith('sso'))
      .map((i) => ({ provider: i.provider, providerId: i.provider_id })),
  };
}

/** Every user, `batchSize` at a time, ordered by id (keyset pagination: no OFFSET, no cursor held open). */
export async function* readSourceUsers(client: pg.ClientBase, batchSize = 500): AsyncGenerator<SourceUser[]> {
  const columns = await selectList(client);
  let after = '00000000-0000-0000-0000-000000000000';
  let first = true;
  for (;;) {
    const { rows } = await client.query<Row>(
      `SELECT ${columns},
              (SELECT json_agg(json_build_object('provider', i.provider, 'provider_id', i.provider_id))
                 FROM auth.identities i WHERE i.user_id = u.id) AS identities
         FROM auth.users u
        WHERE ${first ? 'u.id >= $1' : 'u.id > $1'}
        ORDER BY u.id
        LIMIT $2`,
      [after, batchSize],
    );
    if (rows.length === 0) return;
    yield rows.map(toSourceUser);
    after = rows[rows.length - 1]!.id;
    first = false;
    if (rows.length < batchSize) return;
  }
}

/** These users (ids that are not in auth.users are left out), without their identities. */
export async function readSourceUsersById(client: pg.ClientBase, ids: string[]): Promise<SourceUser[]> {
  if (ids.length === 0) return [];
  const columns = await selectList(client);
  const { rows } = await client.query<Row>(
    `SELECT ${columns}, NULL::json AS identities FROM auth.users u WHERE u.id = ANY($1::uuid[])`,
    [ids],
  );
  return rows.map(toSourceUser);
}

/**
 * Lower-cased emails shared by more than one user who could sign in with them (not SSO, not deleted,
 * not anonymous). Usually empty or tiny: held in memory.
 */
export async function readDuplicateEmails(client: pg.ClientBase): Promise<Set<string>> {
  const columns = await selectList(client);
  const has = (name: string) => !columns.includes(`AS ${name}`);
  const conditions = ['email IS NOT NULL', "btrim(email) <> ''"];
  if (has('is_sso_user')) conditions.push('NOT is_sso_user');
  if (has('deleted_at')) conditions.push('deleted_at IS NULL');
  if (has('is_anonymous')) conditions.push('NOT is_anonymous');
  const { rows } = await client.query<{ key: string }>(
    `SELECT lower(btrim(email)) AS key FROM auth.users WHERE ${conditions.join(' AND ')}
      GROUP BY 1 HAVING count(*) > 1`,
  );
  return new Set(rows.map((r) => r.key));
}

/** Groups of users whose emails are equal except for case, SSO users included (for `auth plan`). */
export async function readCaseDuplicateGroups(
  client: pg.ClientBase,
  limit = 50,
): Promise<{ email: string; users: { id: string; sso: boolean; deleted: boolean }[] }[]> {
  const columns = await selectList(client);
  const sso = columns.includes('AS is_sso_user') ? 'false' : 'is_sso_user';
  const deleted = columns.includes('AS deleted_at') ? 'false' : '(deleted_at IS NOT NULL)';
  const { rows } = await client.query<{
    key: string;
    users: { id: string; sso: boolean; deleted: boolean }[];
  }>(
    `SELECT lower(btrim(email)) AS key,
            json_agg(json_build_object('id', id, 'sso', ${sso}, 'deleted', ${deleted}) ORDER BY id) AS users
       FROM auth.users WHERE email IS NOT NULL AND btrim(email) <> ''
      GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ email: r.key, users: r.users }));
}
