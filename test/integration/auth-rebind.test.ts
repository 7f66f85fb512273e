/**
 * What auth verify reports, auth import and auth relink repair (issue 24, issue 19's re-binding): a user
 * deleted from Cognito after the import, a user half-created by an interrupted import, a user bound to a
 * Cognito sub the pool no longer has. Each: the CLI's `auth verify` exits 1 naming the user, the repair
 * says what it did, verify exits 0, and the runtime resolver answers for the user with their new sub.
 */
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  createCognitoUserIdResolver,
  exportLegacyStore,
  importRemaining,
  verifyAuth,
} from '../../src/auth/index.ts';
import type { Config } from '../../src/config/index.ts';
import { MemoryReporter } from '../../src/core/reporter.ts';
import { applySchema, buildSchema, copyData } from '../../src/db/index.ts';
import { cognitoClient, createSandboxPool } from '../../src/sandbox/cognito-pool.ts';
import { sandboxConfigFile, sandboxEnv } from '../../src/sandbox/sandbox-config.ts';
import { withPg } from '../helpers/pg-query.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';

describe('auth verify names what locks a user out; import and relink repair it', () => {
  let sb: TestSandbox;
  let target: TestDatabase;
  let config: Config;
  let cognito: CognitoIdentityProviderClient;
  let userPoolId: string;
  let configFile: string;
  let appDb: pg.Pool;
  const reporter = new MemoryReporter();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-auth-rebind-'));
  const role = `supa2aws_migrate_${randomBytes(3).toString('hex')}`;
  const rolePassword = randomBytes(18).toString('base64url');

  const cli = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'auth', ...args, '--config', configFile, '--report-dir', dir],
      {
        env: { ...process.env, ...sandboxEnv(sb.state), MIGRATE_PW: rolePassword },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
  /** A user the import created (email, in the pool), with their Cognito username and recorded sub. */
  const importedUsers = () =>
    withPg(target.url, async (c) => {
      const { rows } = await c.query<{ id: string; email_key: string; cognito_sub: string }>(
        `SELECT l.id::text, l.email_key, u.cognito_sub FROM ${config.auth.legacySchema}.users l
           JOIN auth.users u ON u.id = l.id
          WHERE l.email_key IS NOT NULL AND u.cognito_sub IS NOT NULL ORDER BY l.id`,
      );
      return rows;
    });
  const poolSub = async (username: string) =>
    (
      await cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }))
    ).UserAttributes?.find((a) => a.Name === 'sub')?.Value;
  const recordedSub = (id: string) =>
    withPg(
      target.url,
      async (c) =>
        (await c.query(`SELECT cognito_sub FROM auth.users WHERE id = $1`, [id])).rows[0]
          ?.cognito_sub as string,
    );
  const resolveWithSub = (id: string, sub: string, username: string) =>
    createCognitoUserIdResolver({ pool: appDb })({
      sub,
      username,
      claims: { 'custom:supabase_id': id },
    });

  before(async () => {
    sb = await getTestSandbox();
    const source = await sb.freshSourceDb();
    target = await sb.freshTargetDb();
    const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
    await applySchema(build.script, { targetUrl: target.url });
    await copyData({ sourceUrl: source.url, targetUrl: target.url });
    cognito = cognitoClient(`http://127.0.0.1:${sb.state.cognito!.port}`);
    let clientId: string;
    ({ userPoolId, clientId } = await createSandboxPool(cognito, sb.uniqueName('rebind-users')));
    const base = sb.config({ sourceDb: source, targetDb: target });
    const cognitoConfig = {
      endpoint: `http://127.0.0.1:${sb.state.cognito!.port}`,
      region: 'us-east-1',
      userPoolId,
      clientId,
    };
    config = {
      ...base,
      target: { ...base.target, cognito: cognitoConfig },
      auth: { ...base.auth, migrateRole: role, migrateRolePassword: rolePassword, maxRequestsPerSecond: 50 },
    };
    const raw = structuredClone(sandboxConfigFile(sb.state)) as {
      source: { db: { url: string } };
      target: { db: { url: string }; cognito?: unknown };
      auth?: unknown;
    };
    raw.source.db.url = source.url;
    raw.target.db.url = target.url;
    raw.target.cognito = cognitoConfig;
    raw.auth = { migrateRole: role, migrateRolePassword: '${MIGRATE_PW}', maxRequestsPerSecond: 50 };
    configFile = path.join(dir, 'supa2aws.config.json');
    writeFileSync(configFile, JSON.stringify(raw));
    appDb = new pg.Pool({ connectionString: target.url, max: 2 });
    await exportLegacyStore({ config, reporter });
    await importRemaining({ config, reporter });
    assert.equal((await verifyAuth({ config, reporter })).ok, true, 'green after the first import');
  });

  after(async () => {
    cognito?.destroy();
    await appDb?.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a user deleted from Cognito after the import: verify 1, import re-creates and re-binds, verify 0, resolved', async () => {
    const [user] = await importedUsers();
    assert.ok(user);
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: user.email_key }));

    const stale = cli('verify');
    assert.equal(stale.status, 1, stale.stdout + stale.stderr);
    assert.match(stale.stdout, new RegExp(`mismatch ${user.id}: deleted from the pool after migration`));

    const repaired = cli('import', '--remaining', '--no-csv', '--json');
    const result = JSON.parse(repaired.stdout) as {
      failed: { code: string }[];
      cognitoSub: { rebound: { id: string; from: string; to: string }[] };
    };
    // cognito-local refuses users with a phone and no email (real Cognito takes them): exit 1 for those only.
    assert.equal(repaired.status, result.failed.length > 0 ? 1 : 0, repaired.stderr);
    assert.ok(result.failed.every((f) => f.code === 'InvalidParameterException'));
    const newSub = await poolSub(user.email_key);
    assert.ok(newSub && newSub !== user.cognito_sub);
    assert.deepEqual(result.cognitoSub.rebound, [{ id: user.id, from: user.cognito_sub, to: newSub }]);
    assert.match(repaired.stderr, new RegExp(`re-bound user ${user.id}: auth.users.cognito_sub`));

    const green = cli('verify');
    assert.equal(green.status, 0, green.stdout + green.stderr);
    assert.equal(await resolveWithSub(user.id, newSub, user.email_key), user.id);
  });

  it('a user half-created by an interrupted import: verify names them, import finishes them', async () => {
    const [, user] = await importedUsers();
    assert.ok(user);
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: user.email_key }));
    // What an import stopped between AdminCreateUser and AdminSetUserPassword leaves behind.
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: user.email_key,
        UserAttributes: [
          { Name: 'email', Value: user.email_key },
          { Name: 'custom:supabase_id', Value: user.id },
        ],
        MessageAction: 'SUPPRESS',
      }),
    );
    const half = await verifyAuth({ config, reporter });
    assert.equal(half.ok, false);
    assert.deepEqual(
      half.mismatched.map((m) => [m.id, m.detail.split(' (')[0]]),
      [[user.id, 'half-created in the pool']],
    );

    const repaired = await importRemaining({ config, reporter });
    assert.deepEqual(repaired.finishedIds, [user.id]);
    assert.deepEqual(
      repaired.cognitoSub.rebound.map((r) => r.id),
      [user.id],
    );
    assert.equal((await verifyAuth({ config, reporter })).ok, true);
    const sub = await poolSub(user.email_key);
    assert.equal(await resolveWithSub(user.id, sub!, user.email_key), user.id);
  });

  it('a user bound to a sub the pool does not have: the resolver refuses, verify names it, `auth relink --dry-run` shows the re-binding, `auth relink` makes it', async () => {
    const [, , user] = await importedUsers();
    assert.ok(user);
    const sub = await poolSub(user.email_key);
    await withPg(target.url, (c) =>
      c.query(`UPDATE auth.users SET cognito_sub = $2 WHERE id = $1`, [user.id, randomUUID()]),
    );
    assert.equal(await resolveWithSub(user.id, sub!, user.email_key), null, 'locked out');

    const stale = cli('verify');
    assert.equal(stale.status, 1);
    assert.match(
      stale.stdout,
      new RegExp(`mismatch ${user.id}: bound to another Cognito user .*auth relink`),
    );

    assert.equal(cli('relink', 'not-a-uuid').status, 2);
    const stuck = await recordedSub(user.id);
    const preview = cli('relink', user.id, '--dry-run');
    assert.equal(preview.status, 0, preview.stderr);
    assert.match(
      preview.stdout,
      new RegExp(`dry run: would re-bind user ${user.id} to pool user .*${stuck} → ${sub}; nothing changed`),
    );
    assert.equal(await recordedSub(user.id), stuck, 'the dry run changed nothing');
    const relink = cli('relink', user.id);
    assert.equal(relink.status, 0, relink.stderr);
    assert.match(relink.stdout, new RegExp(`re-bound user ${user.id} to pool user`));
    assert.match(relink.stderr, /re-bound user/, 'logged');
    assert.equal(await recordedSub(user.id), sub);
    assert.equal(cli('relink', user.id).stdout.includes('already bound'), true);

    assert.equal(cli('verify').status, 0);
    assert.equal(await resolveWithSub(user.id, sub!, user.email_key), user.id);
  });
});
