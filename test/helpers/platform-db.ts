/**
 * A Supabase-shaped source database without the Aiuteur app: the platform bootstrap only (roles, `auth`,
 * `storage`, `extensions`, the realtime publication, the default privileges), so that another project's
 * migrations can be applied to it the way `supabase db push` applies them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { applyPlatform } from '../../src/fixture/index.ts';
import { adminUrl, appUrl } from '../../src/sandbox/index.ts';
import type { TestDatabase, TestSandbox } from './sandbox.ts';

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new database on the sandbox's Supabase-side cluster holding the platform bootstrap and nothing else. */
export async function freshPlatformDb(sb: TestSandbox): Promise<TestDatabase> {
  const cluster = sb.state.sourceDb!;
  const name = sb.uniqueName('plat').replace('-', '_');
  await withClient(adminUrl(cluster, 'template1'), (client) =>
    client.query(`CREATE DATABASE ${name} TEMPLATE template0`),
  );
  await withClient(adminUrl(cluster, name), (client) => applyPlatform(client));
  return { name, url: appUrl(cluster, name), adminUrl: adminUrl(cluster, name) };
}

/** The files `supabase db push` applies from a migrations folder: `<digits>_<name>.sql`, by name. */
export function pushedMigrationFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /^[0-9]+_.*\.sql$/.test(name))
    .sort();
}

/**
 * Applies a migrations folder to a platform database as `postgres`, each file as one simple query (as the
 * SQL editor and `psql -f` run it; a file's own BEGIN/COMMIT keeps its meaning), in `supabase db push` order.
 * Stops at the first failing file and says which.
 */
export async function pushMigrations(url: string, dir: string): Promise<void> {
  await withClient(url, async (client) => {
    for (const file of pushedMigrationFiles(dir)) {
      try {
        await client.query(readFileSync(path.join(dir, file), 'utf8'));
      } catch (error) {
        throw new Error(`migration ${file} failed on the source: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  });
}

/**
 * The extensions the Supabase-side cluster can create in this database (pg_available_extensions); pg_cron
 * only in the database its launcher serves (cron.database_name), as CREATE EXTENSION refuses it elsewhere.
 */
export async function availableExtensions(url: string): Promise<Set<string>> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT name FROM pg_available_extensions
        WHERE name <> 'pg_cron' OR current_setting('cron.database_name', true) = current_database()`,
    );
    return new Set(rows.map((r) => r.name));
  });
}
