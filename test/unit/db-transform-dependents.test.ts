/**
 * What depends on a removed object goes with it, each with its path to that object, or stops the apply
 * where leaving it out is the user's decision (src/db/transform/dependents.ts); the foreign-data chain; an
 * extension in an app schema; the API roles' default privileges on the migrations route.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { renderSchema } from '../../src/db/transform/render.ts';
import { transformSchema } from '../../src/db/transform/transform.ts';
import type { Decision, TransformResult } from '../../src/db/transform/types.ts';

function find(result: TransformResult, fragment: string): Decision {
  const d = result.decisions.find((x) => x.statement.text.includes(fragment));
  assert.ok(d, `no statement contains ${fragment}`);
  return d;
}

const WEBHOOKS = `
create table public.orders (id bigint primary key, total numeric, status text);
create function public.send_webhook(payload jsonb) returns void language plpgsql as $$
begin
  perform net.http_post(url := 'https://hooks.example.com', body := payload);
end $$;
create function public.on_order_change() returns trigger language plpgsql as $$
begin
  perform public.send_webhook(to_jsonb(new));
  return new;
end $$;
create function public.notify_all() returns void language sql as $$ select public.send_webhook('{}'::jsonb) $$;
create trigger orders_changed after insert or update or delete on public.orders
  for each row execute function public.on_order_change();
grant execute on function public.on_order_change() to authenticated;
comment on function public.notify_all() is 'pings everyone';
create view public.order_pings as select o.id, public.notify_all() from public.orders o;
alter table public.orders enable row level security;
create policy "ping on read" on public.orders for select to authenticated using (public.notify_all() is null);
create policy "no ping" on public.orders as restrictive for update to authenticated using (public.notify_all() is null);
create table public.order_log (id bigint, pinged text default public.notify_all()::text);
create function public.secret() returns text language sql as $$ select decrypted_secret from vault.decrypted_secrets limit 1 $$;
create function public.signed(body text) returns text language plpgsql as $$
declare s text;
begin
  s := public.secret();
  return s || body;
end $$;
create function public.total(o public.orders) returns numeric language sql as $$ select o.total $$;
`;

describe('db schema transform: dependents of a blocked function', () => {
  let r: TransformResult;
  before(async () => {
    r = await transformSchema([{ source: '0001_webhooks.sql', sql: WEBHOOKS }]);
  });

  it('blocks the function that calls net.http_post, as before', () => {
    const d = find(r, 'function public.send_webhook');
    assert.equal(d.action, 'block');
    assert.equal(d.rule, 'unsupported_extension');
  });

  it('drops its callers (PL/pgSQL and SQL bodies), the trigger on the caller, its grant, comment and view, each with the path', () => {
    const expected: Array<[string, string[]]> = [
      [
        'function public.on_order_change()',
        [
          'function public.on_order_change()',
          'function public.send_webhook()',
          'uses net.http_post() (pg_net): not on RDS 16',
        ],
      ],
      [
        'create trigger orders_changed',
        [
          'trigger orders_changed on public.orders',
          'function public.on_order_change()',
          'function public.send_webhook()',
          'uses net.http_post() (pg_net): not on RDS 16',
        ],
      ],
      [
        'function public.notify_all()',
        [
          'function public.notify_all()',
          'function public.send_webhook()',
          'uses net.http_post() (pg_net): not on RDS 16',
        ],
      ],
      [
        'grant execute on function public.on_order_change',
        ['grant on function public.on_order_change()', 'function public.send_webhook()'],
      ],
      [
        'comment on function public.notify_all() is',
        ['comment on function public.notify_all()', 'function public.send_webhook()'],
      ],
      ['create view public.order_pings', ['view public.order_pings', 'function public.notify_all()']],
      [
        'create policy "ping on read"',
        ['policy "ping on read" on public.orders', 'function public.notify_all()'],
      ],
    ];
    for (const [fragment, path] of expected) {
      const d = find(r, fragment);
      assert.equal(d.action, 'drop', fragment);
      assert.equal(d.rule, 'depends_on_dropped', fragment);
      assert.deepEqual(d.path?.slice(0, path.length), path, fragment);
    }
    const warning = r.warnings.find((w) => w.code === 'DB_DEPENDENTS_DROPPED');
    assert.ok(
      warning?.objects?.includes(
        'trigger orders_changed on public.orders → function public.on_order_change() → function public.send_webhook() → uses net.http_post() (pg_net): not on RDS 16 (0001_webhooks.sql:13)',
      ),
      JSON.stringify(warning?.objects, null, 2),
    );
  });

  it('stops before applying where leaving it out is for the user to decide: a table whose default needs it, a restrictive policy', () => {
    for (const fragment of ['create table public.order_log', 'create policy "no ping"']) {
      const d = find(r, fragment);
      assert.equal(d.action, 'block', fragment);
      assert.equal(d.rule, 'depends_on_dropped', fragment);
    }
    const codes = r.blockers.map((b) => b.code);
    assert.equal(codes.filter((c) => c === 'DB_DEPENDENT_NEEDS_DECISION').length, 2);
    assert.ok(
      r.blockers.some((b) =>
        b.objects?.some((o) =>
          o.startsWith(
            'table public.order_log → function public.notify_all() → function public.send_webhook()',
          ),
        ),
      ),
    );
  });

  it('follows a vault read through a PL/pgSQL assignment', () => {
    assert.equal(find(r, 'function public.secret()').action, 'block');
    const signed = find(r, 'function public.signed(');
    assert.equal(signed.action, 'drop');
    assert.deepEqual(signed.path?.slice(0, 2), ['function public.signed()', 'function public.secret()']);
  });

  it('drops a removed object later only if it exists', async () => {
    const later = await transformSchema([
      { source: '0001_webhooks.sql', sql: WEBHOOKS },
      {
        source: '0002_cleanup.sql',
        sql: 'drop trigger orders_changed on public.orders; drop function public.notify_all(); drop table public.orders;',
      },
    ]);
    assert.equal(
      find(later, 'drop trigger orders_changed').text,
      'DROP TRIGGER IF EXISTS orders_changed ON public.orders',
    );
    assert.equal(
      find(later, 'drop function public.notify_all').text,
      'DROP FUNCTION IF EXISTS public.notify_all()',
    );
    assert.equal(find(later, 'drop table public.orders').action, 'keep');
  });

  it('keeps what needs only kept objects', () => {
    for (const fragment of [
      'create table public.orders',
      'enable row level security',
      'function public.total(',
    ])
      assert.equal(find(r, fragment).action, 'keep', fragment);
    assert.ok(
      !r.decisions.some(
        (d) => d.action === 'keep' && /send_webhook|notify_all|on_order_change/.test(d.statement.text),
      ),
    );
  });
});

const WRAPPERS = `
create extension if not exists wrappers with schema extensions;
create foreign data wrapper stripe_wrapper handler stripe_fdw_handler validator stripe_fdw_validator;
create server stripe_server foreign data wrapper stripe_wrapper options (api_key_id 'k1');
create user mapping for postgres server stripe_server;
create schema stripe;
create foreign table stripe.customers (id text, email text) server stripe_server options (object 'customers');
import foreign schema stripe_all from server stripe_server into stripe;
grant select on stripe.customers to authenticated;
create view public.customer_emails as select email from stripe.customers;
create function public.customer_count() returns bigint language sql as $$ select count(*) from stripe.customers $$;
create extension if not exists postgres_fdw with schema extensions;
create server reporting foreign data wrapper postgres_fdw options (host 'db.example.com', dbname 'reports');
create user mapping for postgres server reporting options (user 'r', password 'x');
`;

describe('db schema transform: foreign data wrappers', () => {
  let r: TransformResult;
  before(async () => {
    r = await transformSchema([{ source: '0002_stripe.sql', sql: WRAPPERS }]);
  });

  it('blocks CREATE FOREIGN DATA WRAPPER (superuser only) and names the wrappers extension it needs', () => {
    const fdw = find(r, 'create foreign data wrapper stripe_wrapper');
    assert.equal(fdw.action, 'block');
    assert.equal(fdw.rule, 'foreign_data_wrapper');
    const blocker = r.blockers.find((b) => b.code === 'DB_FOREIGN_DATA_WRAPPER');
    assert.match(blocker?.message ?? '', /only a superuser may create one/);
    assert.match(blocker?.message ?? '', /comes from wrappers/);
  });

  it('drops its server, user mapping, foreign tables, imports and everything using them, with the path', () => {
    for (const fragment of [
      'create server stripe_server',
      'create user mapping for postgres server stripe_server',
      'create foreign table stripe.customers',
      'import foreign schema stripe_all',
      'grant select on stripe.customers',
      'create view public.customer_emails',
      'function public.customer_count()',
    ]) {
      const d = find(r, fragment);
      assert.equal(d.action, 'drop', fragment);
      assert.equal(d.rule, 'depends_on_dropped', fragment);
    }
    assert.deepEqual(find(r, 'create view public.customer_emails').path, [
      'view public.customer_emails',
      'foreign table stripe.customers',
      'server stripe_server',
      'foreign-data wrapper stripe_wrapper',
      'a foreign-data wrapper needs a superuser to create (from wrappers, not on RDS 16)',
    ]);
  });

  it('keeps a server on postgres_fdw, whose wrapper comes with its extension', () => {
    assert.equal(find(r, 'create server reporting').action, 'keep');
    assert.equal(find(r, 'server reporting options').action, 'keep');
    assert.ok(r.extensions.some((e) => e.name === 'postgres_fdw'));
  });
});

describe('db schema transform: functions of an extension left out (live route, from the source catalog)', () => {
  it('drops what calls them, with the path to the extension', async () => {
    const r = await transformSchema(
      [
        {
          source: 'pg_dump',
          sql: `CREATE EXTENSION IF NOT EXISTS pg_shortids WITH SCHEMA public;
CREATE FUNCTION public.short_id(n bigint) RETURNS text LANGUAGE sql AS $$ SELECT encode_short(n) $$;
CREATE VIEW public.ids AS SELECT public.short_id(1) AS id;`,
        },
      ],
      { extensionFunctions: { 'public.encode_short': 'pg_shortids' } },
    );
    assert.equal(find(r, 'CREATE EXTENSION').rule, 'unsupported_extension');
    assert.deepEqual(find(r, 'CREATE VIEW public.ids').path, [
      'view public.ids',
      'function public.short_id()',
      'extension pg_shortids',
      'not on RDS 16',
    ]);
  });
});

describe('db schema transform: an extension in an app schema', () => {
  it('creates the schema IF NOT EXISTS after the prelude created it for the extension', async () => {
    const r = await transformSchema([
      {
        source: '0003_search.sql',
        sql: `create schema app_ext;
create extension unaccent schema app_ext;
create function public.norm(t text) returns text language sql as $$ select app_ext.unaccent(t) $$;`,
      },
    ]);
    assert.deepEqual(r.extensions, [{ name: 'unaccent', schema: 'app_ext', from: 'declared' }]);
    const schema = find(r, 'create schema app_ext');
    assert.equal(schema.action, 'rewrite');
    assert.equal(schema.text, 'CREATE SCHEMA IF NOT EXISTS app_ext');
    assert.equal(find(r, 'function public.norm').action, 'keep');
  });
});

describe('db schema transform: the API roles on the migrations route', () => {
  const sql = 'create table public.notes (id bigint primary key, body text);';

  it("reproduces Supabase's privileges on public before the app's statements when asked", async () => {
    const script = renderSchema(
      await transformSchema([{ source: 'm.sql', sql }], { apiDefaultPrivileges: true }),
      {
        source: 'test',
      },
    );
    const prelude = script.statements.filter((s) => s.origin === 'prelude').map((s) => s.sql);
    for (const expected of [
      'GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role',
    ])
      assert.ok(prelude.includes(expected), expected);
    assert.ok(!prelude.some((s) => /DEFAULT PRIVILEGES IN SCHEMA (?!public)/.test(s)));
  });

  it('adds nothing by default (a dump carries its own grants)', async () => {
    const script = renderSchema(await transformSchema([{ source: 'm.sql', sql }]), { source: 'test' });
    assert.ok(!script.statements.some((s) => s.sql.includes('DEFAULT PRIVILEGES')));
  });
});
