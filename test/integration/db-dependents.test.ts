/**
 * The schema phase on the sandbox where the source is not the fixture's happy path: what depends on a
 * blocked function or a foreign-data wrapper (live route), the API roles' privileges on the migrations
 * route, and an extension created in an app schema (both routes). Source: the Supabase-shaped PostgreSQL 15;
 * target: the RDS stand-in, owner `postgres` who is not a superuser.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import pg from 'pg';
import type { DbError } from '../../src/core/errors.ts';
import { applySchema, buildSchema, planDb, setupPrivileged } from '../../src/db/index.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const TIMEOUT = 240_000;

async function run<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Runs `sql` as `authenticated` with Supabase's claims for user `sub`, as runtime/db's withUser() does. */
async function asAuthenticated<T extends pg.QueryResultRow>(
  url: string,
  sub: string,
  sql: string[],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL ROLE authenticated');
    await client.query(`select set_config('request.jwt.claims', $1, true)`, [
      JSON.stringify({ sub, role: 'authenticated' }),
    ]);
    let rows: T[] = [];
    for (const statement of sql) rows = (await client.query<T>(statement)).rows;
    await client.query('COMMIT');
    return rows;
  } finally {
    await client.end();
  }
}

function migrations(files: Record<string, string>): string {
  const dir = tempDir('supa2aws-deps-');
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
  return dir;
}

const EXTENSION_IN_APP_SCHEMA = `create schema app_ext;
create extension unaccent schema app_ext;
create function public.norm(t text) returns text language sql stable as $$ select app_ext.unaccent(t) $$;`;

describe('db schema: dependents, API-role privileges and extension schemas on the sandbox', () => {
  let sb: TestSandbox;

  before(async () => {
    sb = await getTestSandbox();
  });

  it(
    'live route: a blocked webhook function takes its caller and trigger with it; a foreign-data wrapper takes its server and foreign table; the rest applies',
    { timeout: TIMEOUT },
    async () => {
      const source = await sb.freshSourceDb();
      const target = await sb.freshTargetDb();
      // A foreign-data wrapper needs a superuser (on Supabase, the platform creates wrappers' ones).
      await run(
        source.adminUrl,
        `create foreign data wrapper dummy_fdw; grant usage on foreign data wrapper dummy_fdw to postgres`,
      );
      await run(
        source.url,
        `create table public.orders (id bigint primary key, total numeric);
         create function public.send_webhook(payload jsonb) returns void language plpgsql as $$
         begin perform net.http_post(url := 'https://hooks.example.com', body := payload); end $$;
         create function public.on_order_change() returns trigger language plpgsql as $$
         begin perform public.send_webhook(to_jsonb(new)); return new; end $$;
         create trigger orders_changed after insert on public.orders for each row execute function public.on_order_change();
         create server dummy_srv foreign data wrapper dummy_fdw;
         create foreign table public.remote_things (id int) server dummy_srv;
         create view public.remote_ids as select id from public.remote_things;`,
      );
      const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
      assert.deepEqual(build.blockers.map((b) => b.code).sort(), [
        'DB_FOREIGN_DATA_WRAPPER',
        'DB_UNSUPPORTED_EXTENSION_USED',
      ]);
      const dependents = build.warnings.find((w) => w.code === 'DB_DEPENDENTS_DROPPED')?.objects ?? [];
      for (const path of [
        'trigger orders_changed on public.orders → function public.on_order_change() → function public.send_webhook() → uses net.http_post() (pg_net): not on RDS 16',
        'view public.remote_ids → foreign table public.remote_things → server dummy_srv → foreign-data wrapper dummy_fdw',
      ])
        assert.ok(
          dependents.some((o) => o.startsWith(path)),
          `${path}\n${JSON.stringify(dependents, null, 2)}`,
        );
      await assert.rejects(
        applySchema(build.script, { targetUrl: target.url }),
        (e: DbError) => e.code === 'DB_SCHEMA_BLOCKED',
      );
      const applied = await applySchema(build.script, { targetUrl: target.url, allowBlocked: true });
      assert.equal(applied.status, 'applied');
      // Nothing left calls what is not there: the insert the trigger would have broken works.
      await run(target.url, `insert into public.orders values (1, 9.5)`);
      const [left] = await run<{ fns: string | null; trg: string | null; ft: string | null }>(
        target.url,
        `select to_regprocedure('public.on_order_change()')::text as fns,
                (select tgname from pg_trigger where tgname = 'orders_changed') as trg,
                to_regclass('public.remote_things')::text as ft`,
      );
      assert.deepEqual(left, { fns: null, trg: null, ft: null });
    },
  );

  it(
    'plan and schema agree: a function reading storage.objects is a blocker in both (it would fail when run)',
    { timeout: TIMEOUT },
    async () => {
      const source = await sb.freshSourceDb();
      await run(
        source.url,
        `create function public.my_files(bucket text) returns setof text language sql stable as $$
           select name from storage.objects where bucket_id = bucket $$`,
      );
      const plan = await planDb({ sourceUrl: source.url });
      assert.ok(
        plan.blockers.some(
          (b) => b.code === 'DB_USES_SUPABASE_ONLY_OBJECTS' && b.message.includes('public.my_files'),
        ),
        JSON.stringify(plan.blockers, null, 2),
      );
      const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
      assert.ok(
        build.blockers.some((b) => b.objects?.some((o) => o.startsWith('function public.my_files()'))),
        JSON.stringify(build.blockers, null, 2),
      );
    },
  );

  it(
    'migrations route: a webhook chain and a wrappers chain are left out with --skip-blocked, and the rest applies and runs',
    { timeout: TIMEOUT },
    async () => {
      const target = await sb.freshTargetDb();
      const dir = migrations({
        '20240101000000_orders.sql': `create table public.orders (id bigint primary key, total numeric);
create function public.send_webhook(payload jsonb) returns void language plpgsql as $$
begin perform net.http_post(url := 'https://hooks.example.com', body := payload); end $$;
create function public.on_order_change() returns trigger language plpgsql as $$
begin perform public.send_webhook(to_jsonb(new)); return new; end $$;
create trigger orders_changed after insert on public.orders for each row execute function public.on_order_change();`,
        '20240102000000_stripe.sql': `create extension if not exists wrappers with schema extensions;
create foreign data wrapper stripe_wrapper handler stripe_fdw_handler validator stripe_fdw_validator;
create server stripe_server foreign data wrapper stripe_wrapper options (api_key_id 'k');
create schema stripe;
create foreign table stripe.customers (id text, email text) server stripe_server options (object 'customers');`,
      });
      const build = await buildSchema({ source: { kind: 'migrations', dir } });
      assert.deepEqual(build.blockers.map((b) => b.code).sort(), [
        'DB_FOREIGN_DATA_WRAPPER',
        'DB_UNSUPPORTED_EXTENSION_USED',
      ]);
      const applied = await applySchema(build.script, { targetUrl: target.url, allowBlocked: true });
      assert.equal(applied.status, 'applied');
      await run(target.url, `insert into public.orders values (1, 9.5)`);
      const [left] = await run<{ trg: string | null; ft: string | null }>(
        target.url,
        `select (select tgname from pg_trigger where tgname = 'orders_changed') as trg,
                to_regclass('stripe.customers')::text as ft`,
      );
      assert.deepEqual(left, { trg: null, ft: null });
    },
  );

  it(
    'migrations route: as authenticated with a claims sub, select and insert on an RLS table work as on Supabase',
    { timeout: TIMEOUT },
    async () => {
      const target = await sb.freshTargetDb();
      const dir = migrations({
        '20240101000000_notes.sql': `create table public.notes (
  id bigserial primary key,
  owner uuid not null default auth.uid() references auth.users (id),
  body text not null
);
alter table public.notes enable row level security;
create policy "own notes" on public.notes for all to authenticated
  using (owner = auth.uid()) with check (owner = auth.uid());`,
      });
      const build = await buildSchema({ source: { kind: 'migrations', dir } });
      assert.deepEqual(build.blockers, []);
      assert.equal((await applySchema(build.script, { targetUrl: target.url })).status, 'applied');
      const alice = randomUUID();
      const bob = randomUUID();
      await run(target.url, `insert into auth.users (id, email) values ($1, 'a@x.test'), ($2, 'b@x.test')`, [
        alice,
        bob,
      ]);
      await asAuthenticated(target.url, bob, [`insert into public.notes (body) values ('bob''s')`]);
      const rows = await asAuthenticated<{ owner: string; body: string }>(target.url, alice, [
        `insert into public.notes (body) values ('first')`,
        `select owner::text, body from public.notes`,
      ]);
      assert.deepEqual(rows, [{ owner: alice, body: 'first' }]);
      assert.ok(build.fixes.some((f) => f.code === 'DB_API_DEFAULT_PRIVILEGES'));
    },
  );

  it(
    'migrations route: an extension in an app schema created just before it',
    { timeout: TIMEOUT },
    async () => {
      const target = await sb.freshTargetDb();
      const dir = migrations({ '20240101000000_search.sql': EXTENSION_IN_APP_SCHEMA });
      const build = await buildSchema({ source: { kind: 'migrations', dir } });
      assert.deepEqual(build.script.summary.extensions, [
        { name: 'unaccent', schema: 'app_ext', from: 'declared' },
      ]);
      await setupPrivileged({
        adminUrl: target.adminUrl,
        ownerRole: 'postgres',
        extensions: build.script.summary.extensions,
      });
      assert.equal((await applySchema(build.script, { targetUrl: target.url })).status, 'applied');
      const [row] = await run<{ n: string }>(target.url, `select public.norm('Élève') as n`);
      assert.equal(row?.n, 'Eleve');
    },
  );

  it('live route: an extension in an app schema', { timeout: TIMEOUT }, async () => {
    const source = await sb.freshSourceDb();
    const target = await sb.freshTargetDb();
    await run(source.url, 'create schema app_ext');
    await run(source.adminUrl, 'create extension unaccent schema app_ext');
    await run(
      source.url,
      `create function public.norm(t text) returns text language sql stable as $$ select app_ext.unaccent(t) $$`,
    );
    const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
    assert.deepEqual(build.blockers, []);
    assert.equal((await applySchema(build.script, { targetUrl: target.url })).status, 'applied');
    const [row] = await run<{ n: string }>(target.url, `select public.norm('Élève') as n`);
    assert.equal(row?.n, 'Eleve');
  });
});
