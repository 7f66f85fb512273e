/**
 * The schema transform on dump texts written for these tests (test/fixtures/dumps): every rule of
 * DESIGN §5, checked on the decision each statement gets and on the SQL that goes to the target.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { transformSchema } from '../../src/db/transform/transform.ts';
import type { Decision, TransformResult } from '../../src/db/transform/types.ts';

const dump = (name: string) => readFileSync(new URL(`../fixtures/dumps/${name}`, import.meta.url), 'utf8');

/** The decision for the first statement whose original text contains `fragment`. */
function find(result: TransformResult, fragment: string): Decision {
  const d = result.decisions.find((x) => x.statement.text.includes(fragment));
  assert.ok(d, `no statement contains ${fragment}`);
  return d;
}

const kept = (r: TransformResult) =>
  r.decisions
    .filter((d) => d.action === 'keep' || d.action === 'rewrite')
    .map((d) => d.text ?? d.statement.text);

describe('db schema transform: a pg_dump 17 dump of a Supabase project', () => {
  let r: TransformResult;
  before(async () => {
    r = await transformSchema([{ source: 'pg17.sql', sql: dump('pg17-supabase-full.sql') }], {
      ownerRole: 'app_owner',
    });
  });

  it('removes pg_dump 17 artifacts: \\restrict / \\unrestrict lines and SET transaction_timeout', () => {
    assert.deepEqual(
      r.stripped.map((s) => [s.line, s.text.split(' ')[0]]),
      [
        [1, '\\restrict'],
        [r.stripped[1]!.line, '\\unrestrict'],
      ],
    );
    const timeout = find(r, 'transaction_timeout');
    assert.equal(timeout.action, 'drop');
    assert.equal(timeout.rule, 'pg_dump_artifact');
    assert.equal(find(r, 'SET statement_timeout').action, 'keep');
  });

  it('keeps a line starting with a backslash inside a function body (not a meta-command)', async () => {
    const body = find(r, 'notify_webhook() RETURNS trigger');
    assert.ok(body.statement.text.includes("E'\\\\renders'"));
  });

  it('drops the Supabase-managed schemas and every object in them', () => {
    for (const fragment of [
      'CREATE SCHEMA auth',
      'CREATE SCHEMA storage',
      'CREATE SCHEMA graphql',
      'CREATE SCHEMA vault',
      'CREATE SCHEMA realtime',
      'CREATE SCHEMA extensions',
      'ALTER SCHEMA auth OWNER',
      'CREATE TYPE auth.aal_level',
      'CREATE FUNCTION auth.uid()',
      'CREATE TABLE auth.users',
      'CREATE TABLE storage.objects',
      'ADD CONSTRAINT users_pkey',
      'GRANT USAGE ON SCHEMA storage TO anon',
      'GRANT ALL ON FUNCTION extensions.uuid_generate_v4() TO dashboard_user',
    ]) {
      const d = find(r, fragment);
      assert.equal(d.action, 'drop', fragment);
      assert.equal(d.rule, 'managed_schema', fragment);
    }
  });

  it('keeps app schemas and quoted identifiers exactly as written', () => {
    const billing = find(r, 'CREATE SCHEMA "Billing"');
    assert.equal(billing.action, 'keep');
    const projects = find(r, 'CREATE TABLE public."Projects"');
    assert.equal(projects.action, 'keep');
    assert.ok(projects.statement.text.includes('"ownerId" uuid NOT NULL'));
    assert.ok(
      kept(r).some((sql) => sql.includes('CREATE INDEX "Projects_ownerId_idx" ON public."Projects"')),
    );
    assert.ok(
      kept(r).some((sql) =>
        sql.startsWith('CREATE POLICY "Owners read their projects" ON public."Projects"'),
      ),
    );
  });

  it('drops event triggers (they need a superuser)', () => {
    for (const fragment of [
      'CREATE EVENT TRIGGER issue_pg_graphql_access',
      'ALTER EVENT TRIGGER issue_pg_graphql_access',
    ]) {
      const d = find(r, fragment);
      assert.equal(d.action, 'drop');
      assert.equal(d.rule, 'event_trigger');
    }
  });

  it('drops the supabase_realtime publication and its tables, keeps other publications', () => {
    for (const fragment of [
      'CREATE PUBLICATION supabase_realtime',
      'ALTER PUBLICATION supabase_realtime OWNER',
      'ALTER PUBLICATION supabase_realtime ADD TABLE',
    ]) {
      assert.equal(find(r, fragment).rule, 'realtime_publication');
    }
    assert.equal(find(r, 'CREATE PUBLICATION analytics_feed').action, 'keep');
    assert.ok(r.warnings.some((w) => w.code === 'DB_PUBLICATION_KEPT'));
  });

  it('drops policies and triggers on storage.objects and reports them', () => {
    const policy = find(r, 'CREATE POLICY "Users read their own files" ON storage.objects');
    assert.equal(policy.rule, 'storage_policy');
    const trigger = find(r, 'CREATE TRIGGER on_object_uploaded AFTER INSERT ON storage.objects');
    assert.equal(trigger.rule, 'storage_trigger');
    assert.ok(
      r.warnings.some(
        (w) =>
          w.code === 'DB_STORAGE_POLICIES_DROPPED' &&
          w.objects?.some((o) => o.includes('Users read their own files')),
      ),
    );
    assert.ok(r.warnings.some((w) => w.code === 'DB_STORAGE_TRIGGERS_DROPPED'));
  });

  it('keeps triggers on auth.users and FKs to auth.users (the compat auth schema has them)', () => {
    assert.equal(find(r, 'CREATE TRIGGER on_auth_user_created').action, 'keep');
    assert.equal(
      find(r, '"Projects_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES auth.users').action,
      'keep',
    );
    assert.ok(r.fixes.some((f) => f.code === 'DB_AUTH_TRIGGERS'));
  });

  it('drops foreign keys into other Supabase tables (storage.objects)', () => {
    const fk = find(r, 'Projects_coverObjectId_fkey');
    assert.equal(fk.action, 'drop');
    assert.equal(fk.rule, 'fk_to_managed');
  });

  it('blocks objects using pg_net, supabase_vault, pgsodium, pg_graphql and pgjwt, naming each', () => {
    const cases: Array<[string, string]> = [
      ['notify_webhook() RETURNS trigger', 'net.http_post()'],
      ['service_api_key() RETURNS text', 'vault.decrypted_secrets'],
      ['encrypt_note(note text) RETURNS bytea', 'pgsodium.crypto_aead_det_encrypt()'],
      ['graphql_proxy(query text) RETURNS jsonb', 'graphql.resolve()'],
      ['issue_token(p_user uuid) RETURNS text', 'extensions.sign()'],
      ['CREATE VIEW public.secret_projects', 'pgsodium.crypto_aead_det_decrypt()'],
    ];
    for (const [fragment, call] of cases) {
      const d = find(r, fragment);
      assert.equal(d.action, 'block', fragment);
      assert.equal(d.rule, 'unsupported_extension', fragment);
      assert.ok(d.reason?.includes(call), `${fragment}: ${d.reason}`);
    }
    assert.equal(r.blockers.length, cases.length);
    assert.ok(
      r.blockers.every((b) => b.code === 'DB_UNSUPPORTED_EXTENSION_USED' && (b.objects?.length ?? 0) > 0),
    );
  });

  it('drops what depends on a blocked object (its trigger, grants, owner change)', () => {
    for (const fragment of [
      'CREATE TRIGGER projects_notify',
      'GRANT ALL ON FUNCTION public.notify_webhook() TO anon',
      'ALTER FUNCTION public.notify_webhook() OWNER',
      'ALTER VIEW public.secret_projects OWNER',
    ]) {
      const d = find(r, fragment);
      assert.equal(d.action, 'drop', fragment);
      assert.equal(d.rule, 'depends_on_dropped', fragment);
    }
    assert.equal(find(r, 'CREATE TRIGGER projects_set_updated_at').action, 'keep');
  });

  it('decides each extension by its RDS 16 support', () => {
    const rule = (name: string) => find(r, `CREATE EXTENSION IF NOT EXISTS ${name}`).rule;
    assert.equal(rule('pg_net'), 'unsupported_extension');
    assert.equal(rule('pgsodium'), 'unsupported_extension');
    assert.equal(rule('pg_graphql'), 'unsupported_extension');
    assert.equal(rule('supabase_vault'), 'unsupported_extension');
    assert.equal(rule('pgjwt'), 'unsupported_extension');
    assert.equal(rule('pg_cron'), 'pg_cron');
    assert.equal(rule('pg_stat_statements'), 'extension');
    assert.deepEqual(r.extensions.map((e) => `${e.name}@${e.schema}`).sort(), [
      'citext@public',
      'pgcrypto@extensions',
      'uuid-ossp@extensions',
    ]);
  });

  it('keeps extensions.-qualified calls as written; the prelude installs their extension into `extensions`', () => {
    const projects = find(r, 'CREATE TABLE public."Projects"');
    assert.ok(projects.statement.text.includes('DEFAULT extensions.uuid_generate_v4()'));
    const profiles = find(r, 'CREATE TABLE public."UserProfiles"');
    assert.equal(profiles.action, 'keep');
    assert.ok(profiles.statement.text.includes('extensions.gen_random_bytes(16)'));
  });

  it('drops grants and default privileges to Supabase platform roles, trims mixed grantee lists', () => {
    const readOnly = find(r, 'TO supabase_read_only_user, dashboard_user');
    assert.equal(readOnly.action, 'drop');
    assert.equal(readOnly.rule, 'platform_role');
    assert.equal(
      find(r, 'GRANT ALL ON FUNCTION public.handle_new_user() TO supabase_auth_admin').action,
      'drop',
    );
    assert.equal(find(r, 'ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin').action, 'drop');
    assert.equal(find(r, 'GRANT ALL ON TABLE public."Projects" TO anon').action, 'keep');
    const mixed = find(r, 'CREATE POLICY "Owners and admins update"');
    assert.equal(mixed.action, 'rewrite');
    assert.match(mixed.text ?? '', /TO authenticated USING/);
    assert.doesNotMatch(mixed.text ?? '', /supabase_auth_admin/);
    assert.equal(find(r, 'CREATE POLICY "Dashboard sees everything"').action, 'drop');
  });

  it('reassigns owners (postgres and supabase_* roles) to the owner role', () => {
    const owner = find(r, 'ALTER TYPE public.plan_tier OWNER TO supabase_admin');
    assert.equal(owner.action, 'rewrite');
    assert.equal(owner.text, 'ALTER TYPE public.plan_tier OWNER TO app_owner');
    assert.equal(
      find(r, 'ALTER TABLE public."Projects" OWNER TO postgres').text,
      'ALTER TABLE public."Projects" OWNER TO app_owner',
    );
    const defaults = find(
      r,
      'ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON TABLES TO anon',
    );
    assert.match(defaults.text ?? '', /FOR ROLE app_owner/);
  });

  it('drops pg_cron schedules and lists them to run again once pg_cron is enabled', () => {
    const cron = find(r, "cron.schedule('purge-renders'");
    assert.equal(cron.rule, 'pg_cron');
    const warning = r.warnings.find((w) => w.code === 'DB_PG_CRON_JOBS');
    assert.ok(warning?.objects?.some((o) => o.includes("cron.schedule('purge-renders'")));
  });

  it('records what the target will not have, for verify', () => {
    const names = r.dropped.map((d) => `${d.kind}:${d.schema ?? ''}.${d.name}`);
    assert.ok(names.includes('trigger:public.projects_notify'));
    assert.ok(names.includes('function:public.notify_webhook'));
    assert.ok(names.includes('policy:storage.Users read their own files'));
    assert.equal(new Set(names).size, names.length);
  });
});

describe('db schema transform: a hand-written migration', () => {
  let r: TransformResult;
  before(async () => {
    r = await transformSchema([{ source: 'migration.sql', sql: dump('migration-style.sql') }]);
  });

  it('installs an extension created without a schema into `extensions`', () => {
    assert.equal(find(r, 'create extension if not exists "uuid-ossp"').action, 'drop');
    assert.deepEqual(r.extensions, [{ name: 'uuid-ossp', schema: 'extensions', from: 'declared' }]);
  });

  it('makes CREATE ROLE safe to run twice and drops platform role settings and memberships', () => {
    const role = find(r, 'create role app_reader');
    assert.equal(role.rule, 'idempotent_role');
    assert.match(
      role.text ?? '',
      /IF NOT EXISTS \(SELECT 1 FROM pg_catalog\.pg_roles WHERE rolname = 'app_reader'\)/,
    );
    assert.equal(find(r, 'alter role authenticated set').action, 'keep');
    assert.equal(find(r, 'alter role authenticator set').action, 'drop');
    assert.equal(find(r, 'grant anon to authenticator').action, 'drop');
    assert.equal(find(r, 'grant authenticated to app_reader').action, 'keep');
  });

  it('removes inline FKs into storage/auth tables other than auth.users, keeping the rest of CREATE TABLE', () => {
    const table = find(r, 'create table public.attachments');
    assert.equal(table.action, 'rewrite');
    assert.equal(table.rule, 'fk_to_managed');
    assert.match(table.text ?? '', /REFERENCES auth\.users \(id\) ON DELETE CASCADE/);
    assert.doesNotMatch(table.text ?? '', /storage\.objects|auth\.identities/);
    assert.match(table.text ?? '', /object_id uuid, identity_id uuid/);
  });

  it('drops bucket rows, storage policies, the realtime publication and cron jobs', () => {
    assert.equal(find(r, 'insert into storage.buckets').rule, 'storage_bucket');
    assert.equal(find(r, 'on storage.objects').rule, 'storage_policy');
    assert.equal(find(r, 'alter publication supabase_realtime').rule, 'realtime_publication');
    assert.equal(find(r, 'select cron.schedule').rule, 'pg_cron');
  });

  it('blocks a view on auth.identities and a DO block calling pg_net', () => {
    assert.equal(find(r, 'create view public.user_identities').rule, 'managed_reference');
    const doBlock = find(r, "perform net.http_get('https://example.com/warmup')");
    assert.equal(doBlock.action, 'block');
    assert.equal(doBlock.rule, 'unsupported_extension');
  });

  it('blocks a function whose body calls storage.* (it would fail when it reached the call)', () => {
    const d = find(r, 'function public.attachment_folder');
    assert.equal(d.action, 'block');
    assert.equal(d.rule, 'managed_reference');
    assert.match(d.reason ?? '', /storage\.foldername\(\)/);
  });

  it('drops RLS policies and RLS switches with --rls drop', async () => {
    const dropped = await transformSchema([{ source: 'migration.sql', sql: dump('migration-style.sql') }], {
      rls: 'drop',
    });
    assert.equal(find(dropped, 'create policy "own attachments"').rule, 'rls_drop');
    assert.equal(find(dropped, 'enable row level security').rule, 'rls_drop');
    assert.equal(find(dropped, 'force row level security').rule, 'rls_drop');
    assert.equal(find(dropped, 'comment on table public.attachments').action, 'keep');
  });
});

describe('db schema transform: extension calls without CREATE EXTENSION (migrations on a Supabase image)', () => {
  it('infers uuid-ossp and pgcrypto from extensions.uuid_generate_v4() and gen_random_bytes()', async () => {
    const r = await transformSchema([
      {
        source: '0001.sql',
        sql: `create table public.t (id uuid default extensions.uuid_generate_v4() primary key, token text default encode(gen_random_bytes(8), 'hex'));`,
      },
    ]);
    assert.deepEqual(r.extensions.map((e) => `${e.name}@${e.schema}:${e.from}`).sort(), [
      'pgcrypto@extensions:inferred',
      'uuid-ossp@extensions:inferred',
    ]);
  });
});
