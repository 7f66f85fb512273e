/**
 * `auth rollback` against the sandbox (issue 23): after `auth import`, a user created directly in Cognito
 * is the one user switching back to Supabase tokens leaves without an account; an email changed in Cognito
 * is listed and left alone; `--remove --dry-run` changes nothing, `--remove` deletes exactly that user, and a
 * second run lists nobody to remove.
 */
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  applyAuthRollback,
  exportLegacyStore,
  importRemaining,
  planAuthRollback,
  type AuthRollbackPlan,
  type AuthRollbackResult,
} from '../../src/auth/index.ts';
import type { Config } from '../../src/config/index.ts';
import { MemoryReporter } from '../../src/core/reporter.ts';
import { applySchema, buildSchema, copyData } from '../../src/db/index.ts';
import { cognitoClient, createSandboxPool } from '../../src/sandbox/cognito-pool.ts';
import { sandboxConfigFile, sandboxEnv } from '../../src/sandbox/sandbox-config.ts';
import { withPg } from '../helpers/pg-query.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';

interface CliRollback {
  plan: AuthRollbackPlan;
  removal: AuthRollbackResult | null;
}

describe('auth rollback: the users Supabase does not have, listed and removed when asked', () => {
  let sb: TestSandbox;
  let config: Config;
  let cognito: CognitoIdentityProviderClient;
  let userPoolId: string;
  let configFile: string;
  let newSub: string;
  let changedId: string;
  const newEmail = `signed-up-${randomBytes(3).toString('hex')}@example.com`;
  const reporter = new MemoryReporter();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-auth-rollback-'));

  const cli = (...args: string[]) => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'auth',
        'rollback',
        ...args,
        '--config',
        configFile,
        '--report-dir',
        dir,
      ],
      { env: { ...process.env, ...sandboxEnv(sb.state) }, encoding: 'utf8', timeout: 120_000 },
    );
    return { ...run, result: () => JSON.parse(run.stdout) as CliRollback };
  };
  const poolUserExists = (username: string) =>
    cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username })).then(
      () => true,
      (error: { name?: string }) => {
        if (error.name === 'UserNotFoundException') return false;
        throw error;
      },
    );

  before(async () => {
    sb = await getTestSandbox();
    const source = await sb.freshSourceDb();
    const target = await sb.freshTargetDb();
    const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
    await applySchema(build.script, { targetUrl: target.url });
    await copyData({ sourceUrl: source.url, targetUrl: target.url });
    cognito = cognitoClient(`http://127.0.0.1:${sb.state.cognito!.port}`);
    let clientId: string;
    ({ userPoolId, clientId } = await createSandboxPool(cognito, sb.uniqueName('rollback-users')));
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
      auth: { ...base.auth, maxRequestsPerSecond: 50 },
    };
    const raw = structuredClone(sandboxConfigFile(sb.state)) as {
      source: { db: { url: string } };
      target: { db: { url: string }; cognito?: unknown };
      auth?: unknown;
    };
    raw.source.db.url = source.url;
    raw.target.db.url = target.url;
    raw.target.cognito = cognitoConfig;
    raw.auth = { maxRequestsPerSecond: 50 };
    configFile = path.join(dir, 'supa2aws.config.json');
    writeFileSync(configFile, JSON.stringify(raw));
    await exportLegacyStore({ config, reporter });
    const imported = await importRemaining({ config, reporter });
    assert.ok(imported.created > 0);
    changedId = await withPg(
      target.url,
      async (c) =>
        (
          await c.query<{ id: string }>(
            `SELECT id::text AS id FROM ${config.auth.legacySchema}.users WHERE email_key IS NOT NULL ORDER BY id LIMIT 1`,
          )
        ).rows[0]!.id,
    );
  });

  after(() => {
    cognito?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN every pool user imported from Supabase WHEN planned THEN nobody is listed', async () => {
    const plan = await planAuthRollback({ config, reporter });
    assert.ok(plan.poolUsers > 0);
    assert.deepEqual(plan.remove, []);
    assert.deepEqual(plan.changed, []);
  });

  it('GIVEN a user created in Cognito after the switch and an email changed there WHEN `auth rollback` runs THEN it lists exactly the new user to remove and the changed one, and changes nothing', async () => {
    const created = await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: newEmail,
        UserAttributes: [{ Name: 'email', Value: newEmail }],
        MessageAction: 'SUPPRESS',
      }),
    );
    newSub = created.User!.Attributes!.find((a) => a.Name === 'sub')!.Value!;
    const changedUser = await withPg(
      config.source.db.url,
      async (c) =>
        (
          await c.query<{ email: string }>('SELECT lower(email) AS email FROM auth.users WHERE id = $1', [
            changedId,
          ])
        ).rows[0]!,
    );
    await cognito.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: userPoolId,
        Username: changedUser.email,
        UserAttributes: [{ Name: 'email', Value: `moved-${changedUser.email}` }],
      }),
    );

    const run = cli('--json');
    assert.equal(run.status, 0, run.stderr);
    const { plan, removal } = run.result();
    assert.equal(removal, null);
    assert.deepEqual(
      plan.remove.map((u) => [u.sub, u.reason, u.userId]),
      [[newSub, 'created-in-cognito', null]],
    );
    assert.deepEqual(
      plan.changed.map((u) => [u.userId, u.changes]),
      [[changedId, ['email-changed']]],
    );
    assert.ok(plan.undetectable.some((l) => /password changed in Cognito/.test(l)));
    assert.equal(await poolUserExists(newEmail), true);

    const text = cli();
    assert.equal(text.status, 0, text.stderr);
    assert.match(
      text.stdout,
      new RegExp(`sub ${newSub} \\(si\\*\\*\\*@example.com\\), app user none: created in Cognito`),
    );
    assert.match(text.stdout, /cannot sign in: Supabase has no account for them/);
    assert.doesNotMatch(text.stdout, new RegExp(newEmail), 'emails are masked');
    assert.match(text.stdout, /`supa2aws auth rollback --remove` deletes the 1 user above/);
  });

  it('GIVEN --remove --dry-run WHEN run THEN nothing is removed', async () => {
    const run = cli('--remove', '--dry-run', '--json');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.result().removal, null);
    assert.equal(await poolUserExists(newEmail), true);
  });

  it('GIVEN --remove WHEN run THEN exactly that user is deleted, the report names no email, and a second run lists nobody to remove', async () => {
    const poolBefore = (await planAuthRollback({ config, reporter })).poolUsers;
    const run = cli('--remove', '--json');
    assert.equal(run.status, 0, run.stderr);
    const { removal } = run.result();
    assert.deepEqual(
      removal && [removal.planned, removal.removed, removal.alreadyGone, removal.skipped, removal.failed],
      [1, 1, 0, [], []],
    );
    assert.equal(await poolUserExists(newEmail), false);
    const report = readFileSync(path.join(dir, 'auth-rollback.json'), 'utf8');
    assert.match(report, new RegExp(newSub));
    assert.doesNotMatch(report, /@example\.com/);

    const again = cli('--remove', '--json');
    assert.equal(again.status, 0, again.stderr);
    const second = again.result();
    assert.deepEqual(second.plan.remove, []);
    assert.equal(second.removal, null);
    assert.equal(second.plan.poolUsers, poolBefore - 1);
    assert.deepEqual(
      second.plan.changed.map((u) => u.userId),
      [changedId],
      'a changed user is listed, never removed',
    );
  });

  it('GIVEN a saved plan whose user was deleted and signed up again WHEN applied THEN the new user is left alone and the old one counts as gone', async () => {
    const email = `again-${randomBytes(3).toString('hex')}@example.com`;
    // The pool generates usernames (email is a username attribute, as in CDK signInAliases): a user who
    // signs up again gets a new username and sub, which a stale plan does not name.
    const signUp = async () =>
      (
        await cognito.send(
          new AdminCreateUserCommand({
            UserPoolId: userPoolId,
            Username: email,
            UserAttributes: [{ Name: 'email', Value: email }],
            MessageAction: 'SUPPRESS',
          }),
        )
      ).User!;
    const first = await signUp();
    const stale = await planAuthRollback({ config, reporter });
    assert.deepEqual(
      stale.remove.map((u) => u.username),
      [first.Username],
    );
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: first.Username! }));
    const second = await signUp();
    assert.notEqual(second.Username, first.Username);

    const applied = await applyAuthRollback({ config, plan: stale, reporter });
    assert.deepEqual([applied.removed, applied.alreadyGone, applied.skipped], [0, 1, []]);
    assert.equal(await poolUserExists(email), true, 'the user who signed up again is left alone');

    const fresh = await planAuthRollback({ config, reporter });
    assert.equal((await applyAuthRollback({ config, plan: fresh, reporter })).removed, 1);
    assert.equal(await poolUserExists(email), false);
  });
});
