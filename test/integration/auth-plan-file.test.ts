/**
 * `auth import --dry-run` then `auth plan --out` then `auth import --plan` on the sandbox, through the CLI (in
 * this process): the dry run creates nobody and writes nothing, and names whom the import would create and
 * skip — the same users the import then creates; the import creates exactly the users the plan imports — a user who signed up at the source since is reported as not in
 * the plan and not created, one deleted since is reported as no longer to import — a re-run creates nobody
 * twice, the plan file holds ids and no secret, and a config that no longer matches it is refused with
 * PLAN_CONFIG_CHANGED and exit 2.
 */
import {
  ListUsersCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  exportLegacyStore,
  plannedImports,
  type AuthPlanFile,
  type ImportPreview,
  type ImportResult,
} from '../../src/auth/index.ts';
import type { Config } from '../../src/config/index.ts';
import { cognitoClient, createSandboxPool } from '../../src/sandbox/cognito-pool.ts';
import { sandboxConfigFile, sandboxEnv } from '../../src/sandbox/sandbox-config.ts';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { withPg } from '../helpers/pg-query.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';

describe('auth plan --out, then auth import --plan', () => {
  let sb: TestSandbox;
  let source: TestDatabase;
  let config: Config;
  let cognito: CognitoIdentityProviderClient;
  let userPoolId: string;
  let raw: Record<string, unknown> & { target: { cognito?: { userPoolId: string } } };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-auth-plan-file-'));
  const planFile = path.join(dir, 'saved-auth-plan.json');
  const role = `supa2aws_migrate_${randomBytes(3).toString('hex')}`;
  const rolePassword = randomBytes(18).toString('base64url');

  const writeConfig = (name: string, file: unknown) => {
    const out = path.join(dir, name);
    writeFileSync(out, JSON.stringify(file));
    return out;
  };
  const cli = (configFile: string, ...args: string[]) =>
    runCliInProcess(['--config', configFile, 'auth', ...args, '--report-dir', dir], {
      cwd: dir,
      env: { ...process.env, ...sandboxEnv(sb.state), MIGRATE_PW: rolePassword },
    });
  const poolIds = async () =>
    ((await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId }))).Users ?? []).map(
      (u) => u.Attributes?.find((a) => a.Name === 'custom:supabase_id')?.Value,
    );

  before(async () => {
    sb = await getTestSandbox();
    source = await sb.freshSourceDb();
    const target = await sb.freshTargetDb();
    cognito = cognitoClient(`http://127.0.0.1:${sb.state.cognito!.port}`);
    let clientId: string;
    ({ userPoolId, clientId } = await createSandboxPool(cognito, sb.uniqueName('plan-users')));
    const cognitoConfig = {
      endpoint: `http://127.0.0.1:${sb.state.cognito!.port}`,
      region: 'us-east-1',
      userPoolId,
      clientId,
    };
    const base = sb.config({ sourceDb: source, targetDb: target });
    config = {
      ...base,
      target: { ...base.target, cognito: cognitoConfig },
      auth: { ...base.auth, migrateRole: role, migrateRolePassword: rolePassword, maxRequestsPerSecond: 50 },
    };
    raw = structuredClone(sandboxConfigFile(sb.state)) as typeof raw;
    const dbs = raw as unknown as { source: { db: { url: string } }; target: { db: { url: string } } };
    dbs.source.db.url = source.url;
    dbs.target.db.url = target.url;
    raw.target.cognito = cognitoConfig;
    raw.auth = { migrateRole: role, migrateRolePassword: '${MIGRATE_PW}', maxRequestsPerSecond: 50 };
  });

  after(() => {
    cognito?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN the legacy store exported and an empty pool WHEN auth import --remaining --dry-run runs, in --json and in text THEN nobody is created, no CSV or report is written, and it says whom it would create, skip and write', async () => {
    const configFile = writeConfig('supa2aws.config.json', raw);
    await exportLegacyStore({ config });
    const files = readdirSync(dir).sort();

    const json = await cli(configFile, 'import', '--remaining', '--dry-run', '--json');
    assert.equal(json.status, 0, json.stderr);
    const { plan, import: dry } = JSON.parse(json.stdout) as ImportPreview;
    const skipped = plan.kinds.filter((k) => k.outcome === 'skip');
    assert.ok(skipped.length > 0, 'the fixture has users nobody imports');
    assert.equal(
      plan.byOutcome.skip,
      skipped.reduce((n, k) => n + k.count, 0),
    );
    // Everyone the plan does not skip is in the store and not in the pool: all of them would be created.
    assert.equal(dry.candidates, plan.users.total - plan.byOutcome.skip!);
    assert.ok(dry.candidates > 10, `${dry.candidates} users to create`);
    assert.equal(dry.created + dry.existing + dry.finished + dry.linked + dry.failed.length, 0);
    assert.equal(dry.cognitoSub.recorded, 0);
    assert.equal(dry.dryRun?.inPool, 0);
    assert.deepEqual(dry.dryRun?.finish, []);
    assert.equal(dry.dryRun?.csv?.file, 'supa2aws-auth-import.csv');
    assert.equal(dry.dryRun.csv.rows + dry.dryRun.csv.skippedUnverified, dry.candidates);
    assert.ok(dry.dryRun.csv.rows > 0);
    assert.equal(dry.csv, undefined);
    assert.deepEqual(await poolIds(), [], 'nobody created');
    assert.deepEqual(readdirSync(dir).sort(), files, 'no CSV, no report, no temporary file');

    const text = await cli(configFile, 'import', '--remaining', '--dry-run');
    assert.equal(text.status, 0, text.stderr);
    assert.ok(text.stdout.startsWith(`${plan.users.total} Supabase users`), text.stdout);
    for (const k of plan.kinds) assert.match(text.stdout, new RegExp(`^${k.kind}\\s+${k.count}\\s`, 'm'));
    assert.match(text.stdout, /dry run: nobody created, no password set, no CSV written/);
    assert.ok(text.stdout.includes(`would create ${dry.candidates} users`), text.stdout);
    assert.ok(
      text.stdout.includes(
        `not created: ${plan.byOutcome.skip} users skipped (${skipped.map((k) => `${k.kind} ${k.count}`).join(', ')}`,
      ),
      text.stdout,
    );
    assert.ok(
      text.stdout.includes(
        `would write supa2aws-auth-import.csv: the EXPERIMENTAL bcrypt import-job CSV of ${dry.dryRun.csv.rows} users`,
      ),
      text.stdout,
    );
    assert.ok(!/\$2[aby]\$/.test(`${text.stdout}${text.stderr}${json.stdout}`), 'no hash printed');
    assert.deepEqual(await poolIds(), []);
    assert.deepEqual(readdirSync(dir).sort(), files);
  });

  it('GIVEN a saved plan WHEN a user signs up and one is deleted at the source THEN import --plan creates exactly the planned users and reports both', async () => {
    const configFile = writeConfig('supa2aws.config.json', raw);
    const planned = await cli(configFile, 'plan', '--out', planFile, '--json');
    assert.equal(planned.status, 0, planned.stderr);
    const saved = JSON.parse(readFileSync(planFile, 'utf8')) as AuthPlanFile;
    const imports = plannedImports(saved.plan);
    assert.ok(imports.size > 10, `${imports.size} users to import`);
    assert.equal(
      saved.plan.kinds.reduce((n, k) => n + k.ids.length, 0),
      saved.plan.total,
    );
    const text = readFileSync(planFile, 'utf8');
    for (const secret of [rolePassword, sandboxEnv(sb.state).SUPA2AWS_SOURCE_DB_PASSWORD!, '$2a$', '@'])
      assert.ok(!text.includes(secret), `${secret} is in the plan file`);

    // Since the plan: a new sign-up (confirmed, magic link) and a planned user soft-deleted.
    const newcomer = randomUUID();
    const [deleted] = await withPg(source.adminUrl, async (c) => {
      await c.query(
        `insert into auth.users (id, email, email_confirmed_at, created_at, updated_at)
         values ($1, $2, now(), now(), now())`,
        [newcomer, `late-${newcomer.slice(0, 8)}@example.com`],
      );
      const { rows } = await c.query<{ id: string }>(
        `select id::text from auth.users where id = any($1::uuid[]) and email is not null order by id limit 1`,
        [[...imports]],
      );
      await c.query(`update auth.users set deleted_at = now() where id = $1`, [rows[0]!.id]);
      return rows.map((r) => r.id);
    });
    await exportLegacyStore({ config });

    const dryRun = await cli(configFile, 'import', '--plan', planFile, '--no-csv', '--dry-run', '--json');
    assert.equal(dryRun.status, 0, dryRun.stderr);
    const preview = (JSON.parse(dryRun.stdout) as ImportPreview).import;
    assert.deepEqual(await poolIds(), [], 'the dry run created nobody');
    assert.equal(preview.dryRun?.csv, undefined, 'no CSV with --no-csv');

    const run = await cli(configFile, 'import', '--plan', planFile, '--no-csv', '--json');
    // cognito-local refuses users with a phone and no email (real Cognito takes them): exit 1 for those only.
    const result = JSON.parse(run.stdout) as ImportResult;
    assert.equal(run.status, result.failed.length > 0 ? 1 : 0, run.stderr);
    assert.ok(result.created > 0, 'planned users were created');
    assert.equal(result.sincePlan?.planned, imports.size);
    assert.deepEqual(result.sincePlan?.notInPlan, { count: 1, sample: [newcomer] });
    assert.deepEqual(result.sincePlan?.gone, { count: 1, sample: [deleted] });
    for (const f of result.failed) assert.equal(f.code, 'InvalidParameterException', f.message);
    assert.equal(result.created + result.failed.length, result.candidates);
    assert.equal(result.candidates, imports.size - 1);
    const inPool = await poolIds();
    assert.equal(inPool.length, result.created);
    assert.ok(
      inPool.every((id) => id && imports.has(id) && id !== deleted),
      'only planned users are created',
    );
    assert.ok(!inPool.includes(newcomer));
    assert.match(run.stderr, /not in the plan/);
    assert.equal(preview.candidates, result.candidates, 'the dry run named as many as the import then took');
    assert.deepEqual(preview.sincePlan, result.sincePlan);

    const again = await cli(configFile, 'import', '--plan', planFile, '--no-csv', '--json');
    assert.equal(again.status, run.status, again.stderr);
    const second = JSON.parse(again.stdout) as ImportResult;
    assert.equal(second.created, 0, 'nobody created twice');
    assert.equal(second.sincePlan?.notInPlan.count, 1);
    assert.equal((await poolIds()).length, result.created);
  });

  it('GIVEN a saved plan WHEN the config names another pool THEN import --plan is refused with PLAN_CONFIG_CHANGED, exit 2', async () => {
    const otherPool = { ...raw.target.cognito!, userPoolId: 'us-east-1_other' };
    const moved = writeConfig('moved.config.json', { ...raw, target: { ...raw.target, cognito: otherPool } });
    const refused = await cli(moved, 'import', '--plan', planFile, '--no-csv');
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /PLAN_CONFIG_CHANGED/);
    assert.ok(
      refused.stderr.includes(`userPool (planned "${userPoolId}", now "us-east-1_other")`),
      refused.stderr,
    );
  });
});
