/**
 * `supa2aws db app-role` on the sandbox's RDS stand-in after a real schema + copy, with the migrate-user
 * Lambda's legacy store beside it: the app's login role owns nothing, reaches every app table, sees only a
 * user's own rows through withUser, serves every row to the worker, cannot read the password hashes or
 * create objects; the Lambda's role reads the hashes and nothing of the app; db verify still passes.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureLegacyStore } from '../../src/auth/legacy-store.ts';
import {
  applySchema,
  buildSchema,
  copyData,
  runAppRole,
  verifyDb,
  type AppRoleOptions,
  type AppRoleResult,
} from '../../src/db/index.ts';
import { closePool, createPool, withTransaction, withUser } from '@supa2aws/runtime/db';
import { pgUrl, sandboxConfigFile, sandboxEnv } from '../../src/sandbox/sandbox-config.ts';
import { runCli } from '../helpers/cli-run.ts';
import { withPg } from '../helpers/pg-query.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';

async function sqlState(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

const hex = randomBytes(3).toString('hex');
const appRole = `app_${hex}`;
const appPassword = randomBytes(18).toString('base64url');
const migrateRole = `migrate_${hex}`;
const migratePassword = randomBytes(18).toString('base64url');
const legacySchema = `legacy_${hex}`;

describe('db app-role', () => {
  let sb: TestSandbox;
  let source: TestDatabase;
  let target: TestDatabase;
  let dir: string;
  const settings = (): AppRoleOptions => ({
    name: appRole,
    memberOf: ['anon', 'authenticated', 'service_role'],
    legacySchema,
    migrateRole,
  });
  const asApp = () => pgUrl(sb.state.targetDb!, appRole, appPassword, target.name);
  const asMigrate = () => pgUrl(sb.state.targetDb!, migrateRole, migratePassword, target.name);

  before(async () => {
    sb = await getTestSandbox();
    dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-app-role-'));
    source = await sb.freshSourceDb();
    target = await sb.freshTargetDb();
    const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
    await applySchema(build.script, { targetUrl: target.url });
    await copyData({ sourceUrl: source.url, targetUrl: target.url });
    await withPg(target.url, async (c) => {
      await c.query('BEGIN');
      await ensureLegacyStore(c, {
        schema: legacySchema,
        role: migrateRole,
        rolePassword: migratePassword,
        appRoles: ['anon', 'authenticated', 'service_role'],
      });
      await c.query(
        `INSERT INTO ${legacySchema}.users (id, email, password_hash, hash_kind, kind, outcome, reason, email_confirmed, phone_confirmed, digest, export_run)
         VALUES ($1, 'x@example.com', '$2a$10$abcdefghijklmnopqrstuv', 'bcrypt', 'email', 'lazy', 'test', true, false, 'd', 'r')`,
        [randomUUID()],
      );
      await c.query('COMMIT');
    });
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('GIVEN no app role WHEN db app-role runs through the CLI with the password from ${ENV} THEN it creates the role and every check passes', async () => {
    const raw = structuredClone(sandboxConfigFile(sb.state)) as Record<string, Record<string, unknown>>;
    (raw.target!.db as { url: string }).url = target.url;
    (raw.source!.db as { url: string }).url = source.url;
    raw.db = { appRole: { name: appRole, password: '${SUPA2AWS_APP_DB_PASSWORD}' } };
    raw.auth = { legacySchema, migrateRole };
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(raw));
    const env = { ...sandboxEnv(sb.state), SUPA2AWS_APP_DB_PASSWORD: appPassword };

    const dry = await runCli(['db', 'app-role', '--dry-run', '--json', '--config', file], { env });
    assert.equal(dry.status, 0, dry.stderr);
    const planned = JSON.parse(dry.stdout) as AppRoleResult;
    assert.equal(planned.plan.inspection.exists, false);
    assert.equal(
      await sqlState(withPg(asApp(), (c) => c.query('SELECT 1'))),
      '28P01',
      'a dry run creates nothing',
    );

    const run = await runCli(['db', 'app-role', '--json', '--config', file], { env });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as AppRoleResult;
    assert.equal(result.applied?.created, true);
    assert.deepEqual(
      result.verify.checks.filter((c) => !c.ok),
      [],
    );
    assert.ok(result.plan.inspection.schemas.includes('public'));
    assert.ok(!result.plan.inspection.schemas.includes(legacySchema));
    assert.ok(
      !run.stdout.includes(appPassword) && !run.stderr.includes(appPassword),
      'password never printed',
    );
  });

  it('GIVEN the role exists WHEN db app-role runs again THEN nothing is left to change', async () => {
    await withPg(target.url, async (c) => {
      const again = await runAppRole(c, settings());
      assert.equal(again.plan.changes.length, 0);
      assert.equal(again.applied?.created, false);
      assert.ok(again.verify.ok);
    });
  });

  it('GIVEN the app role WHEN it logs in THEN it owns nothing, cannot create objects and cannot read the legacy store', async () => {
    await withPg(asApp(), async (c) => {
      const owned = await c.query(
        `SELECT count(*)::int AS n FROM pg_class WHERE relowner = current_user::regrole`,
      );
      assert.equal(owned.rows[0].n, 0);
      assert.equal(await sqlState(c.query('CREATE TABLE public.app_made (id int)')), '42501');
      assert.equal(
        await sqlState(c.query(`SELECT password_hash FROM ${legacySchema}.users`)),
        '42501',
        'the API cannot read a password hash',
      );
      assert.equal(await sqlState(c.query('ALTER TABLE public.projects ADD COLUMN x int')), '42501');
    });
  });

  it('GIVEN the Lambda role WHEN it logs in THEN it reads the legacy store and nothing of the app', async () => {
    await withPg(asMigrate(), async (c) => {
      const { rows } = await c.query(`SELECT count(*)::int AS n FROM ${legacySchema}.users`);
      assert.equal(rows[0].n, 1);
      assert.equal(await sqlState(c.query('SELECT * FROM public.projects LIMIT 1')), '42501');
      assert.equal(await sqlState(c.query('SELECT * FROM public.video_jobs LIMIT 1')), '42501');
    });
  });

  it('GIVEN rows of many users WHEN the app pool reads through withUser THEN RLS applies; WHEN the worker reads THEN it sees every job', async () => {
    const owners = await withPg(
      target.url,
      async (c) =>
        (
          await c.query<{ user_id: string; n: number }>(
            'SELECT user_id, count(*)::int AS n FROM public.projects GROUP BY user_id ORDER BY n DESC',
          )
        ).rows,
    );
    assert.ok(owners.length >= 2, 'the fixture has projects of several users');
    const totalJobs = await withPg(
      target.url,
      async (c) => (await c.query('SELECT count(*)::int AS n FROM public.video_jobs')).rows[0].n as number,
    );
    const pool = createPool({ connectionString: asApp(), max: 2 });
    try {
      const mine = await withUser(pool, owners[0]!.user_id, async (c) => {
        return (await c.query<{ user_id: string }>('SELECT user_id FROM public.projects')).rows;
      });
      assert.equal(mine.length, owners[0]!.n);
      assert.ok(mine.every((r) => r.user_id === owners[0]!.user_id));
      const jobs = await withTransaction(pool, async (c) => {
        return (await c.query('SELECT count(*)::int AS n FROM public.video_jobs')).rows[0].n as number;
      });
      assert.equal(jobs, totalJobs, 'the worker serves every user');
      const locked = await withTransaction(pool, async (c) =>
        c.query('SELECT id FROM public.video_jobs FOR UPDATE SKIP LOCKED'),
      );
      assert.equal(locked.rowCount, totalJobs, 'the worker may lock every job to claim it');
    } finally {
      await closePool(pool);
    }
  });

  it('GIVEN the app role and the legacy store made WHEN db verify compares the schemas THEN the app role grants and policies and the store are reported exclusions, not differences', async () => {
    const report = await verifyDb({
      sourceUrl: source.url,
      targetUrl: target.url,
      targetOnlySchemas: [legacySchema],
    });
    assert.deepEqual(report.coverage.targetOnly, [legacySchema], 'the legacy store is a reported exclusion');
    assert.deepEqual(report.schema.differences, []);
    assert.deepEqual(report.schema.appRoles.roles, [appRole]);
    assert.ok(report.schema.appRoles.excluded > 0);
    assert.ok(report.ok);
  });

  it('GIVEN a role that owns a schema WHEN db app-role runs THEN it refuses with the fix and changes nothing', async () => {
    const owner = `owner_${hex}`;
    await withPg(target.url, async (c) => {
      await c.query(`CREATE ROLE ${owner} LOGIN`);
      await c.query(`GRANT ${owner} TO CURRENT_USER`);
      await c.query(`CREATE SCHEMA owned_${hex} AUTHORIZATION ${owner}`);
      await assert.rejects(
        runAppRole(c, { ...settings(), name: owner, password: appPassword }),
        (e: Error) => {
          assert.equal((e as { code?: string }).code, 'DB_APP_ROLE_UNSAFE');
          assert.match(e.message, new RegExp(`schema owned_${hex}`));
          assert.match((e as { hint?: string }).hint ?? '', /REASSIGN OWNED BY/);
          return true;
        },
      );
      const { rows } = await c.query(`SELECT pg_has_role($1, 'authenticated', 'MEMBER') AS m`, [owner]);
      assert.equal(rows[0].m, false, 'nothing granted to a refused role');
      await c.query(`DROP SCHEMA owned_${hex}`);
    });
  });
});
