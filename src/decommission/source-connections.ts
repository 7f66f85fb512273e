import { defaultConnect, withClient, type PgClient } from '../core/pg.ts';
import { isPlatformRole } from '../db/supabase-facts.ts';

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
    // Supabase's own services connect as its platform roles; their sessions are not the app's.
    .filter((r) => !isPlatformRole(r.usename) && !r.application_name.startsWith('supa2aws'))
    .map((r) => ({
      user: r.usename,
      application: r.application_name,
      client: r.client_addr,
      state: r.state,
    }));
  return { app, platform: rows.filter((r) => isPlatformRole(r.usename)).length };
}

/** Client sessions on the source database other than this one and Supabase's own services. */
export function foreignConnections(
  sourceDbUrl: string,
): Promise<{ app: SourceConnection[]; platform: number }> {
  return withClient(defaultConnect, sourceDbUrl, 'source', readConnections, { applicationName: 'supa2aws' });
}
