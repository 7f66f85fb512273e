/** Opening PostgreSQL connections with errors a user can act on, and identifier quoting. */
import pg from 'pg';
import { DbError } from './errors.ts';
import { redactUrl } from './redact.ts';

export type PgClient = pg.Client;

/** Which database a connection is for: it picks the hint when connecting fails. */
export type DbRole = 'source' | 'target' | 'admin' | 'database';

function unreachableHint(role: DbRole): string {
  if (role === 'source') {
    return 'Is the host reachable? Supabase direct hosts are IPv6-only: use the session pooler (aws-0-<region>.pooler.supabase.com:5432, user postgres.<ref>).';
  }
  if (role === 'target') {
    return 'Is the instance running and its security group open to this machine? `supa2aws doctor` checks reachability.';
  }
  return 'Is the database reachable from here? `supa2aws doctor` checks it.';
}

/** Connects, or throws DB_AUTH_FAILED / DB_UNREACHABLE with the URL redacted and a hint. */
export async function connectPostgres(
  url: string,
  role: DbRole,
  applicationName = `supa2aws-${role}`,
): Promise<PgClient> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const code = (error as { code?: string }).code;
    const auth = code === '28P01' || code === '28000';
    const which = role === 'database' ? '' : `the ${role} database `;
    throw new DbError(
      auth ? 'DB_AUTH_FAILED' : 'DB_UNREACHABLE',
      `cannot connect to ${which}${redactUrl(url)}: ${(error as Error).message}`,
      {
        exit: auth ? 'permission' : 'environment',
        retryable: !auth,
        cause: error,
        hint: auth
          ? `Check the user and password of ${role === 'source' ? 'source.db.url' : role === 'target' ? 'target.db.url' : 'the database URL'} in the config.`
          : unreachableHint(role),
      },
    );
  }
  // An idle connection dropped by the server must not crash the process; the next query reports it.
  client.on('error', () => undefined);
  return client;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}
