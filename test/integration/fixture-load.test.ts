import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import S3rver from 's3rver';
import {
  applyMigrations,
  applyPlatform,
  FIXTURE_BUCKETS,
  FIXTURE_DIR,
  fixtureDigest,
  loadFixture,
} from '../../src/fixture/index.ts';
import { createS3Client } from '@supa2aws/runtime/storage';
import { adminUrl, S3RVER_KEY, SANDBOX_PROJECT_URL } from '../../src/sandbox/index.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';

const APP_TABLES = [
  'ShareLinks',
  'assets',
  'audit_events',
  'credit_purchases',
  'credit_transactions',
  'image_generation_jobs',
  'notifications',
  'profiles',
  'project_assets',
  'project_exports',
  'projects',
  'scenes',
  'style_capsules',
  'user_credits',
  'user_settings',
  'video_jobs',
];
const NO_RLS = new Set(['audit_events']);

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** `bucket/key` a Storage URL in a row points at, or null. */
function storageTarget(text: string): string | null {
  const m = /\/storage\/v1\/(?:object\/(?:public|sign)|render\/image\/public)\/([^?]+)/.exec(text);
  return m ? decodeURI(m[1] as string) : null;
}

function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) yield* strings(v);
}

describe('the fixture in the sandbox source database', () => {
  let sb: TestSandbox;
  let db: TestDatabase;
  let client: pg.Client;

  before(async () => {
    sb = await getTestSandbox();
    db = await sb.freshSourceDb();
    client = new pg.Client({ connectionString: db.adminUrl });
    await client.connect();
  });

  after(async () => {
    await client?.end();
    if (db) {
      await withClient(adminUrl(sb.state.sourceDb!, 'template1'), (c) =>
        c.query(`drop database if exists ${db.name} with (force)`),
      );
    }
  });

  it('recorded the 31 migrations in supabase_migrations.schema_migrations, statements included', async () => {
    const { rows } = await client.query<{ version: string; name: string; n: number }>(
      'select version, name, cardinality(statements) as n from supabase_migrations.schema_migrations order by version',
    );
    const files = readdirSync(path.join(FIXTURE_DIR, 'migrations')).sort();
    assert.equal(rows.length, 31);
    assert.deepEqual(
      rows.map((r) => `${r.version}_${r.name}.sql`),
      files,
    );
    assert.ok(rows.every((r) => r.n >= 1));
  });

  it('has every app table, RLS on the core ones, and the Supabase platform around them', async () => {
    const { rows: tables } = await client.query<{ name: string; rls: boolean; pk: boolean }>(
      `select c.relname as name, c.relrowsecurity as rls,
              exists (select 1 from pg_constraint k where k.conrelid = c.oid and k.contype = 'p') as pk
         from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' order by 1`,
    );
    assert.deepEqual(tables.map((t) => t.name).sort(), [...APP_TABLES].sort());
    for (const t of tables) {
      assert.equal(t.rls, !NO_RLS.has(t.name), `RLS on ${t.name}`);
      assert.equal(t.pk, t.name !== 'audit_events', `primary key on ${t.name}`);
    }
    const { rows: facts } = await client.query(`
      select
        (select rolsuper from pg_roles where rolname = 'postgres') as postgres_super,
        (select rolbypassrls and rolcreaterole and rolcreatedb and rolreplication from pg_roles where rolname = 'postgres') as postgres_attrs,
        (select count(*)::int from pg_roles where rolname in ('anon', 'authenticated', 'service_role') and not rolcanlogin) as api_roles,
        (select count(*)::int from pg_roles where rolname in ('authenticator', 'supabase_auth_admin', 'supabase_storage_admin', 'dashboard_user', 'pgbouncer')) as platform_roles,
        (select array_agg(extname::text order by extname) from pg_extension where extnamespace = 'extensions'::regnamespace) as extensions,
        (select count(*)::int from pg_publication_tables where pubname = 'supabase_realtime' and tablename = 'video_jobs') as realtime,
        (select count(*)::int from pg_policies where schemaname = 'storage' and tablename = 'objects') as storage_policies,
        (select count(*)::int from pg_trigger where tgname = 'on_auth_user_created' and tgrelid = 'auth.users'::regclass) as handle_new_user,
        (select array_agg(n.nspname || '.' || c.relname || '.' || a.attname order by 1)
           from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
          where a.attgenerated = 's') as generated`);
    const f = facts[0];
    assert.equal(f.postgres_super, false);
    assert.equal(f.postgres_attrs, true);
    assert.equal(f.api_roles, 3);
    assert.equal(f.platform_roles, 5);
    assert.deepEqual(f.extensions, ['pg_stat_statements', 'pgcrypto', 'uuid-ossp']);
    assert.equal(f.realtime, 1);
    assert.ok(f.storage_policies >= 1);
    assert.equal(f.handle_new_user, 1);
    for (const col of [
      'auth.users.confirmed_at',
      'auth.identities.email',
      'storage.objects.path_tokens',
      'public.projects.search_vector',
    ]) {
      assert.ok(f.generated.includes(col), `generated column ${col}`);
    }
  });

  it('runs auth.uid() and RLS as on Supabase: alice sees only her own rows', async () => {
    const alice = (await client.query(`select id from auth.users where email = 'alice@example.com'`)).rows[0]
      ?.id;
    const mine = (
      await client.query('select count(*)::int as n from public.projects where user_id = $1', [alice])
    ).rows[0]?.n;
    assert.ok(mine >= 3);
    const seen = await withClient(db.url, async (c) => {
      await c.query('begin');
      await c.query('set local role authenticated');
      await c.query(`select set_config('request.jwt.claims', $1, true)`, [
        JSON.stringify({ sub: alice, role: 'authenticated' }),
      ]);
      const r =
        await c.query(`select auth.uid() as uid, (select count(*)::int from public.projects) as projects,
        (select count(*)::int from public.video_jobs where user_id <> auth.uid()) as others`);
      await c.query('rollback');
      return r.rows[0];
    });
    assert.equal(seen.uid, alice);
    assert.equal(seen.projects, mine);
    assert.equal(seen.others, 0);
    const counts = (
      await client.query(`select (select count(*) from auth.users) = (select count(*) from public.profiles)
      and (select count(*) from auth.users) = (select count(*) from public.user_credits) as ok`)
    ).rows[0];
    assert.equal(counts.ok, true, 'handle_new_user made a profile and credits for every user');
  });

  it('has the bytes of every storage.objects row in the source S3, with equal size and ETag', async () => {
    const { rows } = await client.query<{
      bucket_id: string;
      name: string;
      metadata: { size: number; eTag: string };
    }>('select bucket_id, name, metadata from storage.objects');
    assert.ok(rows.length > 0);
    for (const row of rows) {
      const head = await sb.sourceS3.send(new HeadObjectCommand({ Bucket: row.bucket_id, Key: row.name }));
      assert.equal(head.ContentLength, row.metadata.size, `${row.bucket_id}/${row.name} size`);
      assert.equal(head.ETag, row.metadata.eTag, `${row.bucket_id}/${row.name} ETag`);
    }
  });

  it('points every Storage URL in the app tables at an object that exists', async () => {
    const objects = new Set(
      (
        await client.query<{ k: string }>(`select bucket_id || '/' || name as k from storage.objects`)
      ).rows.map((r) => r.k),
    );
    let urls = 0;
    for (const table of APP_TABLES) {
      const { rows } = await client.query(`select to_jsonb(t) as row from public."${table}" t`);
      for (const { row } of rows) {
        for (const s of strings(row)) {
          const target = storageTarget(s);
          if (target === null) continue;
          urls++;
          assert.ok(objects.has(target), `public.${table} points at a missing object: ${s}`);
        }
      }
    }
    assert.ok(urls > 50);
  });
});

describe('loading the fixture into new databases', () => {
  let sb: TestSandbox;
  let s3rver: S3rver;
  let s3: S3Client;
  let dir: string;
  const created: string[] = [];

  before(async () => {
    sb = await getTestSandbox();
    // A private s3rver, so these loads never touch the objects other tests read.
    dir = mkdtempSync(path.join(os.tmpdir(), 'fixture-s3-'));
    s3rver = new S3rver({ port: 0, address: '127.0.0.1', directory: dir, silent: true });
    const address = (await s3rver.run()) as { port: number };
    s3 = createS3Client({
      endpoint: `http://127.0.0.1:${address.port}`,
      accessKeyId: S3RVER_KEY,
      secretAccessKey: S3RVER_KEY,
      checksumsWhenRequired: true,
    });
  });

  after(async () => {
    s3?.destroy();
    await s3rver?.close();
    rmSync(dir, { recursive: true, force: true });
    await withClient(adminUrl(sb.state.sourceDb!, 'template1'), async (c) => {
      for (const name of created) await c.query(`drop database if exists ${name} with (force)`);
    });
  });

  async function load(seed: string) {
    const source = sb.state.sourceDb!;
    const name = sb.uniqueName('fx').replace('-', '_');
    await withClient(adminUrl(source, 'template1'), (c) =>
      c.query(`create database ${name} template template0`),
    );
    created.push(name);
    const summary = await loadFixture({
      adminUrl: adminUrl(source, name),
      postgresPassword: source.appPassword,
      s3,
      projectUrl: SANDBOX_PROJECT_URL,
      seed,
    });
    const digest = await withClient(adminUrl(source, name), fixtureDigest);
    return { name, summary, digest };
  }

  it('gives the same digests for the same seed and different ones for another seed', async () => {
    const a = await load('determinism');
    const b = await load('determinism');
    assert.equal(a.summary.platformApplied, true);
    assert.equal(a.summary.migrations.applied.length, 31);
    assert.deepEqual(b.digest, a.digest);
    assert.equal(a.digest.tables['public.projects']?.rows, 60);
    assert.equal(a.digest.tables['storage.objects']?.rows, 120);

    const c = await load('another seed');
    assert.notEqual(c.digest.digest, a.digest.digest);
    assert.notEqual(c.digest.tables['auth.users']?.md5, a.digest.tables['auth.users']?.md5);
  });

  it('leaves no orphan and no ghost: the private S3 holds exactly the storage.objects rows of the loads', async () => {
    const rows = new Set<string>();
    for (const name of created) {
      await withClient(adminUrl(sb.state.sourceDb!, name), async (c) => {
        const { rows: objects } = await c.query<{ k: string }>(
          `select bucket_id || '/' || name as k from storage.objects`,
        );
        for (const o of objects) rows.add(o.k);
      });
    }
    const listed = new Set<string>();
    for (const bucket of FIXTURE_BUCKETS) {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket.id, MaxKeys: 1000 }));
      assert.notEqual(out.IsTruncated, true);
      for (const o of out.Contents ?? []) listed.add(`${bucket.id}/${o.Key}`);
    }
    assert.deepEqual([...listed].sort(), [...rows].sort());
  });

  it('converges on a loaded database: platform and migrations are skipped, a second seed is refused', async () => {
    const source = sb.state.sourceDb!;
    const name = created[0] as string;
    const platform = await withClient(adminUrl(source, name), (c) => applyPlatform(c));
    assert.equal(platform.applied, false);
    const postgresUrl = adminUrl(source, name).replace(
      `${source.superuser}:${source.superPassword}`,
      `postgres:${source.appPassword}`,
    );
    const migrations = await withClient(postgresUrl, (c) => applyMigrations(c));
    assert.deepEqual([migrations.applied.length, migrations.skipped.length], [0, 31]);
    // postgres owns the project database, as on Supabase: it may create schemas in it.
    await withClient(postgresUrl, (c) => c.query('create schema if not exists fixture_probe'));
    await assert.rejects(
      loadFixture({
        adminUrl: adminUrl(source, name),
        postgresPassword: source.appPassword,
        s3,
        projectUrl: SANDBOX_PROJECT_URL,
        seed: 'determinism',
      }),
      (error: { code?: string }) => error.code === 'FIXTURE_ALREADY_SEEDED',
    );
  });
});
