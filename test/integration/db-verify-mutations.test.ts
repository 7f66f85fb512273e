/**
 * A verify that cannot lie (issue 15). The fixture gets a schema of its own (`billing`, with RLS, a policy
 * calling auth.uid(), grants to the API roles, a trigger, and a foreign key from `public` into it), is moved
 * with the default config (no db.schemas), and verifies clean. Then one difference at a time is planted on
 * the target, and `supa2aws db verify` must exit 1 naming exactly that difference, nothing else.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import pg from 'pg';
import type { DbError } from '../../src/core/errors.ts';
import { applySchema, buildSchema, copyData, verifyDb, type VerifyReport } from '../../src/db/index.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

async function exec(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const BILLING = `
create schema billing;
grant usage on schema billing to authenticated, service_role;
create table billing.accounts (
  id bigint generated always as identity primary key,
  owner_id uuid not null references auth.users (id) on delete cascade,
  plan text not null default 'free',
  created_at timestamptz not null default now()
);
alter table billing.accounts enable row level security;
create policy "own account" on billing.accounts for select to authenticated using (owner_id = auth.uid());
grant select, insert on billing.accounts to authenticated;
grant all on billing.accounts to service_role;
create function billing.normalise_plan() returns trigger language plpgsql as $$
begin
  new.plan := lower(new.plan);
  return new;
end $$;
create trigger accounts_normalise_plan before insert or update on billing.accounts
  for each row execute function billing.normalise_plan();
create table billing.invoices (
  id bigint generated always as identity primary key,
  account_id bigint not null references billing.accounts (id),
  cents integer not null
);
grant select on billing.invoices to authenticated;
alter table public.projects add column billing_account_id bigint references billing.accounts (id);
insert into billing.accounts (owner_id, plan) select id, 'PRO' from auth.users order by id limit 4;
insert into billing.invoices (account_id, cents) select a.id, g * 100 from billing.accounts a, generate_series(1, 5) g;
update public.projects p set billing_account_id = a.id from billing.accounts a where a.owner_id = p.user_id;
`;

describe('db verify: every app schema, privileges and policies; each planted difference is named', () => {
  let sb: TestSandbox;
  let source: TestDatabase;
  let target: TestDatabase;
  let configFile: string;

  const cliVerify = () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'db', 'verify', '--config', configFile, '--json'],
      {
        encoding: 'utf8',
        cwd: path.resolve(import.meta.dirname, '../..'),
      },
    );
    assert.ok(run.stdout.trim().startsWith('{'), `db verify printed no report: ${run.stderr}`);
    return { status: run.status, report: JSON.parse(run.stdout) as VerifyReport };
  };

  /** Plants a difference, runs the CLI's verify, undoes it. */
  const planted = async (plant: string, undo: string) => {
    await exec(target.url, plant);
    try {
      return cliVerify();
    } finally {
      await exec(target.url, undo);
    }
  };

  before(async () => {
    sb = await getTestSandbox();
    source = await sb.freshSourceDb();
    target = await sb.freshTargetDb();
    await exec(source.url, BILLING);
    const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
    assert.deepEqual(build.blockers, []);
    assert.equal((await applySchema(build.script, { targetUrl: target.url })).status, 'applied');
    configFile = path.join(tempDir('db-verify-mutations'), 'supa2aws.config.json');
    writeFileSync(configFile, JSON.stringify(sb.config({ sourceDb: source, targetDb: target })), {
      mode: 0o600,
    });
  });

  it('copies and verifies every app schema by default, public and billing alike', async () => {
    const copied = await copyData({ sourceUrl: source.url, targetUrl: target.url });
    assert.ok(copied.tables.some((t) => t.table === 'billing.invoices' && t.rows === 20));
    const report = await verifyDb({ sourceUrl: source.url, targetUrl: target.url });
    assert.deepEqual(report.coverage.schemas, ['billing', 'public']);
    assert.deepEqual(report.coverage.excluded, []);
    assert.ok(report.tables.some((t) => t.table === 'billing.accounts' && t.status === 'match'));
    assert.equal(report.ok, true, JSON.stringify({ tables: report.tables, schema: report.schema }));
  });

  it('says which source tables a narrowed db.schemas leaves out, and refuses a schema the source lacks', async () => {
    const report = await verifyDb({ sourceUrl: source.url, targetUrl: target.url, schemas: ['public'] });
    assert.deepEqual(
      report.coverage.excluded.map((e) => e.table),
      ['billing.accounts', 'billing.invoices'],
    );
    await assert.rejects(
      verifyDb({ sourceUrl: source.url, targetUrl: target.url, schemas: ['public', 'bililng'] }),
      (e: DbError) => e.code === 'DB_SCHEMA_NOT_FOUND' && e.exitCode === 2 && /billing/.test(e.hint ?? ''),
    );
  });

  it("GIVEN auth export's legacy credential store on the target WHEN verify runs THEN the CLI leaves it out and says so; unnamed it is a difference", async () => {
    const store =
      'create schema supa2aws_legacy_auth; create table supa2aws_legacy_auth.users (id uuid primary key, password_hash text)';
    const { status, report } = await planted(store, 'drop schema supa2aws_legacy_auth cascade');
    assert.equal(status, 0, JSON.stringify({ tables: report.tables, schema: report.schema.differences }));
    assert.deepEqual(report.coverage.schemas, ['billing', 'public']);
    assert.deepEqual(
      report.coverage.excluded.map((e) => [e.table, /supa2aws's own/.test(e.reason)]),
      [['supa2aws_legacy_auth.users', true]],
    );
    await exec(target.url, store);
    try {
      const unnamed = await verifyDb({ sourceUrl: source.url, targetUrl: target.url });
      assert.equal(unnamed.ok, false);
      assert.deepEqual(
        unnamed.tables.filter((t) => t.status !== 'match').map((t) => [t.table, t.status]),
        [['supa2aws_legacy_auth.users', 'missing on source']],
      );
    } finally {
      await exec(target.url, 'drop schema supa2aws_legacy_auth cascade');
    }
  });

  it('(a) a table emptied in a non-public schema: exit 1 naming that table; copy repairs it', async () => {
    await exec(target.url, 'delete from billing.invoices');
    const { status, report } = cliVerify();
    assert.equal(status, 1);
    assert.deepEqual(
      report.tables.filter((t) => t.status !== 'match').map((t) => [t.table, t.sourceRows, t.targetRows]),
      [['billing.invoices', 20, 0]],
    );
    assert.deepEqual(report.schema.differences, []);
    await copyData({ sourceUrl: source.url, targetUrl: target.url });
    assert.equal(cliVerify().status, 0);
  });

  it('(b) one grant revoked: exit 1 naming that grant', async () => {
    const { status, report } = await planted(
      'revoke insert on billing.accounts from authenticated',
      'grant insert on billing.accounts to authenticated',
    );
    assert.equal(status, 1);
    assert.deepEqual(report.schema.differences, [
      {
        kind: 'grant',
        object: 'table billing.accounts to authenticated',
        problem: 'differs',
        source: 'INSERT,SELECT',
        target: 'SELECT',
      },
    ]);
    assert.ok(report.tables.every((t) => t.status === 'match'));
  });

  it('(c) one policy dropped: exit 1 naming that policy', async () => {
    const { status, report } = await planted(
      'drop policy "own account" on billing.accounts',
      'create policy "own account" on billing.accounts for select to authenticated using (owner_id = auth.uid())',
    );
    assert.equal(status, 1);
    assert.deepEqual(
      report.schema.differences.map((d) => [d.kind, d.object, d.problem]),
      [['policy', 'billing.accounts.own account', 'missing on target']],
    );
  });

  it("(d) one policy's expression changed: exit 1 naming that policy", async () => {
    const { status, report } = await planted(
      `alter policy "own account" on billing.accounts using (owner_id = auth.uid() or plan = 'free')`,
      'alter policy "own account" on billing.accounts using (owner_id = auth.uid())',
    );
    assert.equal(status, 1);
    assert.deepEqual(
      report.schema.differences.map((d) => [d.kind, d.object, d.problem]),
      [['policy', 'billing.accounts.own account', 'differs']],
    );
  });

  it('(e) a trigger dropped: exit 1 naming that trigger', async () => {
    const { status, report } = await planted(
      'drop trigger accounts_normalise_plan on billing.accounts',
      'create trigger accounts_normalise_plan before insert or update on billing.accounts for each row execute function billing.normalise_plan()',
    );
    assert.equal(status, 1);
    assert.deepEqual(
      report.schema.differences.map((d) => [d.kind, d.object, d.problem]),
      [['trigger', 'billing.accounts.accounts_normalise_plan', 'missing on target']],
    );
  });

  it('also names a function switched to security definer with a changed body', async () => {
    const { report } = await planted(
      `create or replace function billing.normalise_plan() returns trigger language plpgsql as $$
       begin new.plan := upper(new.plan); return new; end $$;
       alter function billing.normalise_plan() security definer;`,
      `alter function billing.normalise_plan() security invoker;
       create or replace function billing.normalise_plan() returns trigger language plpgsql as $$
begin
  new.plan := lower(new.plan);
  return new;
end $$;`,
    );
    assert.deepEqual(
      report.schema.differences.map((d) => [d.kind, d.object, d.problem]),
      [['function', 'billing.normalise_plan()', 'differs']],
    );
    assert.match(report.schema.differences[0]?.target ?? '', /security definer/);
    assert.equal(cliVerify().status, 0);
  });
});
