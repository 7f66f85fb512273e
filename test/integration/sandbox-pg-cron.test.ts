/**
 * pg_cron on the sandbox's Supabase side (issue 15): with Debian's postgresql-15-cron installed the sandbox
 * preloads it, so a source can hold cron jobs as on Supabase and `db plan` / `db schema` are proven on them.
 * Without the package this file skips, saying so: what needs pg_cron is then not proven here.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { applyPlatform } from '../../src/fixture/index.ts';
import { debianPackageDirs, packagedFiles, PG_CRON } from '../../src/sandbox/packaged-extensions.ts';
import {
  adminUrl,
  appUrl,
  sandboxEnv,
  sandboxStatus,
  startSandbox,
  type Sandbox,
} from '../../src/sandbox/index.ts';
import { runCli } from '../helpers/cli-run.ts';
import { availableExtensions } from '../helpers/platform-db.ts';

const skip = packagedFiles(PG_CRON, debianPackageDirs(15))
  ? false
  : 'not proven here: postgresql-15-cron is not installed (apt-get install postgresql-15-cron)';

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

interface PlanJson {
  blockers: { code: string }[];
  warnings: { code: string; message: string; objects?: string[] }[];
  extensions: { name: string; schema: string; rds16: string }[];
}

describe(
  'the Supabase side offers pg_cron when postgresql-15-cron is installed',
  { skip, timeout: 300_000 },
  () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-pg-cron-'));
    let sandbox: Sandbox;

    before(async () => {
      sandbox = await startSandbox({ stateDir: path.join(dir, 'state'), fixture: false });
    });
    after(async () => {
      await sandbox?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('GIVEN the package WHEN the sandbox starts THEN pg_cron is preloaded and `postgres` schedules a job as on Supabase', async () => {
      const db = sandbox.state.sourceDb!;
      assert.deepEqual(db.packagedExtensions, [{ name: 'pg_cron', loaded: true }]);
      const status = await sandboxStatus(sandbox.state.stateDir);
      assert.deepEqual(status.packagedExtensions, [{ name: 'pg_cron', loaded: true }]);
      await withClient(adminUrl(db), async (client) => {
        await applyPlatform(client);
        // What the dashboard runs to enable Supabase Cron (supabase.com/docs/guides/cron/install).
        await client.query(`create extension pg_cron with schema pg_catalog;
        grant usage on schema cron to postgres;
        grant all privileges on all tables in schema cron to postgres;`);
      });
      const jobId = await withClient(appUrl(db), async (client) => {
        await client.query(`create table public.sessions (id bigint primary key, expires_at timestamptz not null);
        create function public.purge_sessions() returns void language sql
          as $$ delete from public.sessions where expires_at < now() $$;
        create function public.reschedule_purge(spec text) returns void language plpgsql
          as $$ begin perform cron.schedule('purge-sessions', spec, 'select public.purge_sessions()'); end $$;`);
        const { rows } = await client.query<{ id: string }>(
          `select cron.schedule('purge-sessions', '0 3 * * *', 'select public.purge_sessions()') as id`,
        );
        return rows[0]?.id;
      });
      assert.equal(jobId, '1');
    });

    it('GIVEN a source with a cron job WHEN db plan runs THEN pg_cron needs the RDS parameter group, the job is listed as not migrated, nothing blocks', async () => {
      const run = await runCli(['db', 'plan', '--json', '--config', sandbox.state.configFile!], {
        env: sandboxEnv(sandbox.state),
      });
      assert.equal(run.status, 0, run.stderr.slice(-1500));
      const plan = JSON.parse(run.stdout) as PlanJson;
      assert.deepEqual(plan.blockers, []);
      const cron = plan.extensions.find((e) => e.name === 'pg_cron');
      assert.deepEqual(cron && { schema: cron.schema, rds16: cron.rds16 }, {
        schema: 'pg_catalog',
        rds16: 'parameter-group',
      });
      const codes = plan.warnings.map((w) => w.code);
      assert.ok(codes.includes('DB_EXTENSION_NEEDS_PARAMETER_GROUP'), codes.join(', '));
      const jobs = plan.warnings.find((w) => w.code === 'DB_CRON_JOBS');
      assert.equal(jobs?.message, '1 pg_cron job(s) are not migrated.');
      // A function calling pg_cron is kept by `db schema` (RDS has pg_cron once loaded), so it blocks nothing.
      const callers = plan.warnings.find((w) => w.code === 'DB_USES_PG_CRON');
      assert.deepEqual(callers?.objects, [
        'function public.reschedule_purge(spec text) → cron.schedule(): kept',
      ]);
    });

    it('GIVEN a source with a cron job WHEN db schema applies THEN pg_cron is left out for the parameter group and the job’s function and its caller are on RDS', async () => {
      const out = path.join(dir, 'schema.sql');
      const run = await runCli(
        ['db', 'schema', '--json', '--config', sandbox.state.configFile!, '--out', out, '--report-dir', dir],
        { env: sandboxEnv(sandbox.state) },
      );
      assert.equal(run.status, 0, run.stderr.slice(-1500));
      const schema = readFileSync(out, 'utf8');
      assert.doesNotMatch(schema, /^CREATE EXTENSION[^\n]*pg_cron/m);
      assert.match(schema, /pg_cron/);
      const target = sandbox.state.targetDb!;
      const found = await withClient(appUrl(target), async (client) => {
        const { rows } = await client.query<{
          fn: string | null;
          caller: string | null;
          cron: string | null;
        }>(
          `select to_regprocedure('public.purge_sessions()')::text as fn,
            to_regprocedure('public.reschedule_purge(text)')::text as caller, to_regnamespace('cron')::text as cron`,
        );
        return rows[0];
      });
      assert.deepEqual(found, { fn: 'purge_sessions()', caller: 'reschedule_purge(text)', cron: null });
    });
  },
);

describe('the Supabase side without a pg_cron it can load', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-pg-cron-broken-'));
  let sandbox: Sandbox;

  before(async () => {
    chmodSync(dir, 0o755);
    const lib = path.join(dir, 'lib');
    const extension = path.join(dir, 'extension');
    mkdirSync(lib);
    mkdirSync(extension);
    writeFileSync(path.join(lib, 'pg_cron.so'), 'not a shared library');
    writeFileSync(
      path.join(extension, 'pg_cron.control'),
      "default_version = '1.4-1'\nschema = pg_catalog\n",
    );
    writeFileSync(path.join(extension, 'pg_cron--1.4-1.sql'), 'select 1;\n');
    sandbox = await startSandbox({
      stateDir: path.join(dir, 'state'),
      fixture: false,
      packageDirs: { lib, extension },
    });
  });
  after(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN a pg_cron package that does not load WHEN the sandbox starts THEN it runs without it, lists it nowhere and says why', async () => {
    const db = sandbox.state.sourceDb!;
    const [cron] = db.packagedExtensions ?? [];
    assert.equal(cron?.name, 'pg_cron');
    assert.equal(cron?.loaded, false);
    assert.match(cron?.reason ?? '', /did not start with it preloaded: could not load library .*pg_cron\.so/);
    const offered = await withClient(adminUrl(db), async (client) => {
      const { rows } = await client.query<{ n: string }>(
        `select count(*) as n from pg_available_extensions where name = 'pg_cron'`,
      );
      return rows[0]?.n;
    });
    assert.equal(offered, '0');
    const status = await sandboxStatus(sandbox.state.stateDir);
    assert.equal(status.running, true);
    assert.equal(status.packagedExtensions?.[0]?.loaded, false);
  });
});

describe('pg_cron in a database of its own, as the test sandbox runs it', { skip, timeout: 300_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-pg-cron-db-'));
  let sandbox: Sandbox;

  before(async () => {
    sandbox = await startSandbox({ stateDir: path.join(dir, 'state'), fixture: false, cronDatabase: 'cron' });
  });
  after(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN cronDatabase `cron` WHEN the sandbox starts THEN `postgres` can be a template and pg_cron is offered in `cron` only', async () => {
    const db = sandbox.state.sourceDb!;
    await withClient(adminUrl(db, 'template1'), (client) =>
      client.query('CREATE DATABASE cron_clone TEMPLATE postgres'),
    );
    assert.equal((await availableExtensions(adminUrl(db))).has('pg_cron'), false);
    assert.equal((await availableExtensions(adminUrl(db, 'cron'))).has('pg_cron'), true);
    await withClient(adminUrl(db, 'cron'), (client) =>
      client.query('create extension pg_cron with schema pg_catalog'),
    );
  });
});
