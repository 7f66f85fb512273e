/**
 * The migrations route stays one transaction whatever the files contain: a file's own `begin;` / `commit;`
 * is removed, so when the LAST statement fails nothing is left on the RDS stand-in (no table, no compat auth
 * schema, no record row), and the run after the fix applies.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import pg from 'pg';
import { applySchema, buildSchema, setupPrivileged } from '../../src/db/index.ts';
import { getTestSandbox, type TestDatabase } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

async function leftBehind(url: string): Promise<{ tables: string[]; auth: boolean; record: boolean }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ t: string }>(
      "select format('%I.%I', schemaname, tablename) as t from pg_tables where schemaname = 'public'",
    );
    const auth = await client.query("select 1 from pg_namespace where nspname = 'auth'");
    const record = await client.query<{ t: string | null }>(
      "select to_regclass('supa2aws.schema_migrations')::text as t",
    );
    return {
      tables: tables.rows.map((r) => r.t),
      auth: auth.rowCount === 1,
      record: record.rows[0]?.t != null,
    };
  } finally {
    await client.end();
  }
}

describe('db schema from migrations: one transaction whatever the files contain', () => {
  let target: TestDatabase;
  before(async () => {
    target = await (await getTestSandbox()).freshTargetDb();
  });

  it('a failing last statement leaves nothing behind despite begin/commit in a file; the re-run after the fix applies', async () => {
    const dir = tempDir('atomic-migrations');
    writeFileSync(
      path.join(dir, '20240101000000_first.sql'),
      'begin;\ncreate table public.first (id uuid primary key references auth.users (id));\ncommit;\n',
    );
    const last = path.join(dir, '20240102000000_last.sql');
    writeFileSync(last, 'create table public.second (id int);\nselect public.no_such_function();\n');
    const broken = await buildSchema({ source: { kind: 'migrations', dir } });
    assert.ok(broken.warnings.some((w) => w.code === 'DB_TRANSACTION_CONTROL_REMOVED'));
    await setupPrivileged({ adminUrl: target.adminUrl, ownerRole: 'postgres', extensions: [] });
    await assert.rejects(
      applySchema(broken.script, { targetUrl: target.url }),
      (e: { code?: string }) => e.code === 'DB_SCHEMA_STATEMENT_FAILED',
    );
    assert.deepEqual(await leftBehind(target.url), { tables: [], auth: false, record: false });

    writeFileSync(last, 'create table public.second (id int);\n');
    const fixed = await buildSchema({ source: { kind: 'migrations', dir } });
    assert.equal((await applySchema(fixed.script, { targetUrl: target.url })).status, 'applied');
    const after = await leftBehind(target.url);
    assert.deepEqual(after.tables.sort(), ['public.first', 'public.second']);
    assert.equal(after.auth, true);
    assert.equal(after.record, true);
  });
});
