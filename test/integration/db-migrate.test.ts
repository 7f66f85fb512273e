/**
 * Phase 2 on the sandbox: the Aiuteur fixture (Supabase-shaped PostgreSQL 15) moved to the RDS stand-in
 * (PostgreSQL 16, owner role `postgres` who is not a superuser), plan → schema → copy → verify, then RLS
 * checked per user through the compat auth schema.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import pg from 'pg';
import type { DbError } from '../../src/core/errors.ts';
import { MemoryReporter } from '../../src/core/reporter.ts';
import {
  applySchema,
  buildSchema,
  copyData,
  planDb,
  setupPrivileged,
  verifyDb,
  type SchemaBuild,
} from '../../src/db/index.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

async function query<T extends pg.QueryResultRow>(
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

describe('db: the fixture from Supabase (PG15) to the RDS stand-in (PG16)', () => {
  let sb: TestSandbox;
  let source: TestDatabase;
  let target: TestDatabase;
  let build: SchemaBuild;

  before(async () => {
    sb = await getTestSandbox();
    source = await sb.freshSourceDb();
    target = await sb.freshTargetDb();
  });

  it('plans: versions, extensions, Supabase objects, no blockers', async () => {
    const plan = await planDb({ sourceUrl: source.url, targetUrl: target.url });
    assert.equal(plan.source.major, 15);
    assert.equal(plan.target?.major, 16);
    assert.equal(plan.target?.superuser, false);
    assert.deepEqual(plan.blockers, []);
    const ext = Object.fromEntries(plan.extensions.map((e) => [e.name, e]));
    assert.equal(ext['uuid-ossp']?.rds16, 'supported');
    assert.ok((ext['uuid-ossp']?.usedBy.length ?? 0) > 0);
    assert.ok(plan.supabase.policiesCallingAuth.length > 10);
    assert.ok(plan.supabase.triggersOnManagedTables.some((t) => t.name === 'on_auth_user_created'));
    assert.ok(plan.supabase.foreignKeysIntoSupabase.some((f) => f.references === 'auth.users'));
    assert.ok(plan.supabase.eventTriggers.length > 0);
    assert.ok(plan.supabase.publications.some((p) => p.name === 'supabase_realtime'));
    assert.ok(plan.supabase.storagePolicies.length > 0);
    assert.ok(plan.tablesWithoutPrimaryKey.includes('public.audit_events'));
    assert.ok(plan.generatedColumns.includes('public.projects.search_vector'));
    assert.ok(plan.sequences.length > 0);
  });

  it('takes the schema with pg_dump, rewrites it, checks it with a dry run that applies nothing, and applies it in one transaction as the non-superuser owner', async () => {
    build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url }, ownerRole: 'postgres' });
    assert.deepEqual(build.blockers, []);
    assert.equal(build.pgDump?.major, 15);
    assert.ok((build.rules.event_trigger?.dropped ?? 0) > 0);
    assert.ok((build.rules.realtime_publication?.dropped ?? 0) > 0);
    assert.ok((build.rules.storage_policy?.dropped ?? 0) > 0);
    assert.ok(build.script.text.includes('CREATE TRIGGER on_auth_user_created'));
    const dryRun = await applySchema(build.script, { targetUrl: target.url, dryRun: true });
    assert.equal(dryRun.status, 'would-apply');
    assert.equal(dryRun.statements, build.script.statements.length);
    const [untouched] = await query<{ record: string | null; projects: string | null }>(
      target.url,
      `SELECT to_regclass('supa2aws.schema_migrations')::text AS record, to_regclass('public.projects')::text AS projects`,
    );
    assert.deepEqual(untouched, { record: null, projects: null }, 'the dry run applied nothing');
    const applied = await applySchema(build.script, { targetUrl: target.url });
    assert.equal(applied.status, 'applied');
    const again = await applySchema(build.script, { targetUrl: target.url });
    assert.equal(again.status, 'already-applied');
    const dryAgain = await applySchema(build.script, { targetUrl: target.url, dryRun: true });
    assert.equal(dryAgain.status, 'already-applied');
  });

  it('copies every table from one snapshot with no trigger fired, then converges (second run copies nothing)', async () => {
    const reporter = new MemoryReporter();
    const result = await copyData({ sourceUrl: source.url, targetUrl: target.url, concurrency: 2, reporter });
    assert.deepEqual(result.missingOnTarget, []);
    assert.ok(result.tables.some((t) => t.table === 'auth.users' && (t.rows ?? 0) > 0));
    assert.ok(result.deferred.restored > 0);
    assert.ok(result.sequences.some((s) => s.sequence === 'public.credit_transactions_id_seq'));
    assert.ok(reporter.events.some((e) => e.type === 'progress' && e.task === 'db copy'));
    // The credit trigger did not fire during the load: balances equal the source's.
    const [src] = await query<{ s: string }>(
      source.url,
      'select sum(balance)::text as s from public.user_credits',
    );
    const [tgt] = await query<{ s: string }>(
      target.url,
      'select sum(balance)::text as s from public.user_credits',
    );
    assert.equal(tgt?.s, src?.s);
    // The generated column was computed by the target.
    const [gen] = await query<{ n: string }>(
      target.url,
      'select count(*) as n from public.projects where search_vector is not null',
    );
    assert.ok(Number(gen?.n) > 0);
    const second = await copyData({ sourceUrl: source.url, targetUrl: target.url });
    assert.ok(
      second.tables.every((t) => t.action === 'skip'),
      JSON.stringify(second.tables),
    );
  });

  it('verifies: every table equal by digest, schemas equal, zero errors', async () => {
    const report = await verifyDb({ sourceUrl: source.url, targetUrl: target.url, chunkRows: 7 });
    assert.equal(
      report.ok,
      true,
      JSON.stringify(
        { tables: report.tables.filter((t) => t.status !== 'match'), schema: report.schema },
        null,
        2,
      ),
    );
    assert.deepEqual(report.schema.differences, []);
    assert.ok(report.tables.length >= 15);
    assert.ok(report.tables.every((t) => t.sourceDigest === t.targetDigest));
    assert.ok(report.tables.find((t) => t.table === 'public.scenes')!.chunks > 1);
    assert.equal(report.tables.find((t) => t.table === 'public.audit_events')?.method, 'whole');
  });

  it('keeps RLS per user: with request.jwt.claims set, a non-owner role sees only its own projects', async () => {
    const owners = await query<{ user_id: string; n: string }>(
      source.url,
      'select user_id, count(*) as n from public.projects group by user_id order by count(*) desc, user_id limit 2',
    );
    const [alice, bob] = owners;
    assert.ok(alice && bob);
    const role = `app_user_${randomBytes(3).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    // Test setup as the cluster superuser: the app's login role, a member of authenticated.
    await query(target.adminUrl, `create role ${role} login password '${password}' in role authenticated`);
    const appUrl = new URL(target.url);
    appUrl.username = role;
    appUrl.password = password;
    const client = new pg.Client({ connectionString: appUrl.toString() });
    await client.connect();
    try {
      const asUser = async (sub: string, sql: string, params: unknown[] = []) => {
        await client.query('BEGIN');
        try {
          await client.query(`select set_config('request.jwt.claims', $1, true)`, [
            JSON.stringify({ sub, role: 'authenticated' }),
          ]);
          return (await client.query(sql, params)).rows;
        } finally {
          await client.query('ROLLBACK');
        }
      };
      const mine = await asUser(alice.user_id, 'select user_id from public.projects');
      assert.equal(mine.length, Number(alice.n));
      assert.ok(mine.every((r) => r.user_id === alice.user_id));
      assert.deepEqual(
        await asUser(alice.user_id, 'select id from public.projects where user_id = $1', [bob.user_id]),
        [],
      );
      const [uid] = await asUser(alice.user_id, 'select auth.uid()::text as uid');
      assert.equal(uid?.uid, alice.user_id);
      await assert.rejects(
        asUser(alice.user_id, `insert into public.projects (user_id, title) values ($1, 'not mine')`, [
          bob.user_id,
        ]),
        (e: { code?: string }) => e.code === '42501',
      );
      assert.deepEqual(
        await asUser('00000000-0000-0000-0000-000000000000', 'select id from public.projects'),
        [],
      );
    } finally {
      await client.end();
      await query(target.adminUrl, `drop owned by ${role}; drop role ${role}`).catch(() => undefined);
    }
  });

  it('copies auth.users again by merging on the key, keeping cognito_sub written on the target', async () => {
    const [first] = await query<{ id: string }>(
      target.url,
      'select id::text from auth.users order by id limit 1',
    );
    // What the auth phase does on the target: map the Supabase user to its Cognito user.
    await query(target.url, `update auth.users set cognito_sub = 'cognito-sub-1' where id = $1`, [first!.id]);
    // Meanwhile on Supabase: a new sign-up (its trigger adds a profile and credits) and a changed email.
    await query(
      source.adminUrl,
      `insert into auth.users (id, email, created_at, updated_at, raw_user_meta_data)
       values (gen_random_uuid(), 'late@example.com', now(), now(), '{"full_name":"Late"}')`,
    );
    await query(source.adminUrl, `update auth.users set email = 'changed@example.com' where id = $1`, [
      first!.id,
    ]);
    const result = await copyData({ sourceUrl: source.url, targetUrl: target.url });
    const users = result.tables.find((t) => t.table === 'auth.users');
    assert.equal(users?.action, 'recopy');
    assert.equal(users?.merge, true);
    const [row] = await query<{ email: string; cognito_sub: string }>(
      target.url,
      'select email, cognito_sub from auth.users where id = $1',
      [first!.id],
    );
    assert.deepEqual(row, { email: 'changed@example.com', cognito_sub: 'cognito-sub-1' });
    assert.ok(result.tables.some((t) => t.table === 'public.profiles' && t.action === 'recopy'));
    const report = await verifyDb({ sourceUrl: source.url, targetUrl: target.url });
    assert.equal(report.ok, true, JSON.stringify(report.tables.filter((t) => t.status !== 'match')));
  });

  it('reports a failing statement with its place in the file and a hint, and applies nothing', async () => {
    const broken = await sb.freshTargetDb();
    const dir = tempDir('supa2aws-broken-');
    const file = path.join(dir, 'dump.sql');
    writeFileSync(
      file,
      'CREATE TABLE public.ok_table (id int PRIMARY KEY);\n\nCREATE INDEX broken_idx ON public.ok_table (no_such_column);\n',
    );
    const built = await buildSchema({ source: { kind: 'dump-file', file } });
    await assert.rejects(applySchema(built.script, { targetUrl: broken.url }), (e: DbError) => {
      assert.equal(e.code, 'DB_SCHEMA_STATEMENT_FAILED');
      assert.equal(e.details.origin, 'dump.sql:3');
      assert.equal(e.details.sqlstate, '42703');
      const fileLine = e.details.fileLine as number;
      assert.equal(
        built.script.text.split('\n')[fileLine - 1],
        built.script.statements.at(-1)?.sql.concat(';'),
      );
      assert.ok(e.hint);
      return true;
    });
    const [exists] = await query<{ t: string | null }>(
      broken.url,
      `select to_regclass('public.ok_table')::text as t`,
    );
    assert.equal(exists?.t, null);
  });

  it('takes the schema from the 31 migrations in order (compat layer first), after the privileged step', async () => {
    const fromMigrations = await sb.freshTargetDb();
    const built = await buildSchema({ source: { kind: 'migrations', dir: 'fixtures/migrations' } });
    assert.match(built.sourceLabel, /^31 migration file\(s\)/);
    assert.deepEqual(built.blockers, []);
    const created = await setupPrivileged({
      adminUrl: fromMigrations.adminUrl,
      ownerRole: 'postgres',
      extensions: built.script.summary.extensions,
    });
    assert.deepEqual(created.sort(), ['pgcrypto', 'uuid-ossp']);
    assert.equal((await applySchema(built.script, { targetUrl: fromMigrations.url })).status, 'applied');
    await copyData({ sourceUrl: source.url, targetUrl: fromMigrations.url });
    const report = await verifyDb({ sourceUrl: source.url, targetUrl: fromMigrations.url });
    assert.equal(
      report.ok,
      true,
      JSON.stringify(
        { tables: report.tables.filter((t) => t.status !== 'match'), schema: report.schema },
        null,
        2,
      ),
    );
  });
});
