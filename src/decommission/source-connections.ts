import { defaultConnect, withClient, type PgClient } from '../core/pg.ts';

/** Roles Supabase's own services connect as; their sessions are not the app's. */
const PLATFORM_ROLES = new Set([
  'supabase_admin',
  'supabase_auth_admin',
  'supabase_storage_admin',
  'supabase_realtime_admin',
  'supabase_replication_admin',
  'supabase_read_only_user',
  'authenticator',
  'pgbouncer',
  'dashboard_user',
]);

export interface SourceConnection {
  user: string;
  application: string;
  client: string | null;
  state: string | null;
}

async function readConnections(client: PgClient): Promise<{ app: SourceConnection[]; platform: number }> {
  const { rows } = await client.query<{
    usename: string;
    application_name: string;
    client_addr: string | null;
    state: string | null;
  }>(
    `SELECT usename, application_name, host(client_addr) AS client_addr, state
       FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND usename IS NOT NULL`,
  );
  const app = rows
    .filter((r) => !PLATFORM_ROLES.has(r.usename) && !r.application_name.startsWith('supa2aws'))
    .map((r) => ({
      user: r.usename,
      application: r.application_name,
      client: r.client_addr,
      state: r.state,
    }));
  return { app, platform: rows.filter((r) => PLATFORM_ROLES.has(r.usename)).length };
}

/** Client sessions on the source database other than this one and Supabase's own services. */
export function foreignConnections(
  sourceDbUrl: string,
): Promise<{ app: SourceConnection[]; platform: number }> {
  return withClient(defaultConnect, sourceDbUrl, 'source', readConnections, { applicationName: 'supa2aws' });
}
