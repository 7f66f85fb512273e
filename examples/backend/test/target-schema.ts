/**
 * Test support: gives an empty RDS-like database (the sandbox's freshTargetDb) the part of the migrated
 * schema the backend uses, the way `supa2aws db schema` leaves it: the db phase's prelude (API roles,
 * `extensions` with uuid-ossp, the compat `auth` schema with auth.uid()/jwt()), then the fixture's own
 * migration files for the tables the backend touches, unchanged, with their RLS policies.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { preludeSql } from '../../../src/db/transform/prelude.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The fixture migrations (in order) that create what the backend reads and writes. */
export const BACKEND_MIGRATIONS = [
  '20240105093000_create_profiles.sql',
  '20240105093500_create_set_updated_at.sql',
  '20240112101500_create_style_capsules.sql',
  '20240112103000_create_projects.sql',
  '20240112110000_create_scenes.sql',
  '20240119090000_create_assets.sql',
  '20240126143000_create_video_jobs.sql',
  '20240223153000_create_claim_video_job.sql',
  '20240209120000_add_projects_search_vector.sql',
];

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Roles are cluster-wide: another test creating or granting them at the same moment is not an error. */
async function tolerant(client: pg.Client, sql: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.query(sql);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      const racing = code === '42710' || code === '23505' || code === 'XX000' || code === '40001';
      if (!racing || attempt > 20) throw error;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
}

/**
 * The compat prelude only: roles, extensions, auth schema; plus the membership withUser needs
 * (SET ROLE authenticated), granted to the app's login role.
 */
export async function installCompat(url: string): Promise<void> {
  await withClient(url, async (client) => {
    for (const sql of preludeSql([{ name: 'uuid-ossp', schema: 'extensions', from: 'declared' }])) {
      await tolerant(client, sql);
    }
    await tolerant(client, 'GRANT authenticated TO CURRENT_USER');
  });
}

/** installCompat, then the backend's tables from the fixture migrations, and the API grants. */
export async function installBackendSchema(url: string): Promise<void> {
  await installCompat(url);
  await withClient(url, async (client) => {
    for (const file of BACKEND_MIGRATIONS) {
      await client.query(readFileSync(path.join(root, 'fixtures/migrations', file), 'utf8'));
    }
    await client.query(`GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO authenticated, service_role;`);
  });
}

/** Users in the compat auth.users (projects and jobs reference them). */
export async function insertUsers(url: string, users: Array<{ id: string; email: string }>): Promise<void> {
  await withClient(url, async (client) => {
    for (const user of users) {
      await client.query('INSERT INTO auth.users (id, email) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [
        user.id,
        user.email,
      ]);
    }
  });
}
