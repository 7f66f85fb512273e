/**
 * Phase 3 against the sandbox: the Supabase fixture's users, a fresh target database with the compat
 * auth.users, a fresh pool on cognito-local whose migrate-user trigger is served by our handler (through
 * the sandbox's Lambda-Invoke stand-in, routed to this test's database as the least-privilege role).
 */
import {
  AdminGetUserCommand,
  InitiateAuthCommand,
  ListUsersCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  adminGetUserAttributes,
  createCognitoUserIdResolver,
  exportLegacyStore,
  exportReport,
  importRemaining,
  importReport,
  planAuth,
  planPoolError,
  planReport,
  targetPool,
  verifyAuth,
  verifyReport,
} from '../../src/auth/index.ts';
import type { Config } from '../../src/config/index.ts';
import { SIGN_IN_REFUSED } from '../../src/auth/migrate-user/handler.ts';
import { MemoryReporter } from '../../src/core/reporter.ts';
import { applySchema, buildSchema, copyData } from '../../src/db/index.ts';
import { fixtureDigest, readTestUsers } from '../../src/fixture/index.ts';
import { timedReport, writePhaseReport } from '../../src/report/phase-report.ts';
import { cognitoClient, createSandboxPool } from '../../src/sandbox/cognito-pool.ts';
import { lambdaDir, lambdaInvocations, registerLambdaRoute } from '../../src/sandbox/cognito-triggers.ts';
import { pgUrl, sandboxConfigFile, sandboxEnv } from '../../src/sandbox/sandbox-config.ts';
import { withPg } from '../helpers/pg-query.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';

/** The target's app tables and auth.users (but cognito_sub, which the auth phase fills), as digests. */
async function targetDigest(target: TestDatabase): Promise<string> {
  return withPg(target.adminUrl, async (c) => {
    const { rows: tables } = await c.query<{ name: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`,
    );
    const out: Record<string, string> = {};
    for (const { name } of tables) {
      const { rows } = await c.query(
        `SELECT count(*) AS n, md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) AS h FROM ${name} t`,
      );
      out[name] = `${rows[0].n}:${rows[0].h}`;
    }
    const users = await c.query(
      `SELECT md5(string_agg(md5((id, email, phone, created_at, updated_at, raw_user_meta_data)::text), '' ORDER BY id)) AS h FROM auth.users`,
    );
    out['auth.users'] = users.rows[0].h;
    return JSON.stringify(out);
  });
}

describe('auth migration on the sandbox', () => {
  let sb: TestSandbox;
  let source: TestDatabase;
  let target: TestDatabase;
  let config: Config;
  let cognito: CognitoIdentityProviderClient;
  let userPoolId: string;
  let clientId: string;
  let named: Record<string, string>;
  let sourceBefore: string;
  let targetBefore: string;
  const reporter = new MemoryReporter();
  const tokens: string[] = [];
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-auth-report-'));
  const csvFile = path.join(reportDir, 'import.csv');
  const role = `supa2aws_migrate_${randomBytes(3).toString('hex')}`;
  const rolePassword = randomBytes(18).toString('base64url');
  const appRole = `app_api_${randomBytes(3).toString('hex')}`;
  const appRolePassword = randomBytes(12).toString('hex');

  const signIn = (username: string, password: string) =>
    cognito.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
  const invocations = () => lambdaInvocations(sb.state, userPoolId);
  const pick = (entry: { result: string; reason?: string } | undefined) => ({
    result: entry?.result,
    reason: entry?.reason,
  });

  before(async () => {
    sb = await getTestSandbox();
    named = (sb.state.fixture as { namedUsers: Record<string, string> }).namedUsers;
    source = await sb.freshSourceDb();
    target = await sb.freshTargetDb();
    // Phase 2 first, as in a real migration: schema (with the compat auth.users) and data on the target.
    const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
    await applySchema(build.script, { targetUrl: target.url });
    await copyData({ sourceUrl: source.url, targetUrl: target.url });
    // An app role that must never read the store, with a default privilege that would have let it.
    await withPg(target.url, async (c) => {
      await c.query(`CREATE ROLE ${appRole} LOGIN PASSWORD '${appRolePassword}'`);
      await c.query(`ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO ${appRole}`);
      await c.query(`GRANT USAGE ON SCHEMA auth, public TO ${appRole}`);
    });
    cognito = cognitoClient(`http://127.0.0.1:${sb.state.cognito!.port}`);
    ({ userPoolId, clientId } = await createSandboxPool(cognito, sb.uniqueName('aiuteur-users')));
    const base = sb.config({ sourceDb: source, targetDb: target });
    config = {
      ...base,
      target: {
        ...base.target,
        cognito: {
          endpoint: `http://127.0.0.1:${sb.state.cognito!.port}`,
          region: 'us-east-1',
          userPoolId,
          clientId,
        },
      },
      auth: {
        ...base.auth,
        migrateRole: role,
        migrateRolePassword: rolePassword,
        appRoles: ['anon', 'authenticated', 'service_role', appRole],
        maxRequestsPerSecond: 50,
      },
    };
    registerLambdaRoute(sb.state, userPoolId, {
      databaseUrl: pgUrl(sb.state.targetDb!, role, rolePassword, target.name),
      schema: config.auth.legacySchema,
    });
    sourceBefore = (await withPg(source.adminUrl, (c) => fixtureDigest(c))).digest;
    targetBefore = await targetDigest(target);
  });

  after(async () => {
    cognito?.destroy();
    rmSync(reportDir, { recursive: true, force: true });
  });

  it('plans: every kind of user, and the pool checks with what cognito-local cannot tell as unknown', async () => {
    const plan = await planAuth({ config, reporter });
    writePhaseReport(reportDir, await timedReport('auth', 'plan', async () => planReport(plan)));
    const kinds = Object.fromEntries(plan.kinds.map((k) => [k.kind, k]));
    for (const kind of [
      'bcrypt',
      'oauth',
      'magic-link',
      'anonymous',
      'unconfirmed',
      'banned',
      'deleted',
      'sso',
    ]) {
      assert.ok(kinds[kind]?.count, `no ${kind} users in the plan`);
    }
    assert.equal(
      plan.users.total,
      Object.values(kinds).reduce((n, k) => n + k.count, 0),
    );
    assert.ok(plan.users.phoneOnly >= 1);
    assert.ok(
      plan.caseDuplicates.some((g) => g.users.some((u) => u.sso)),
      'the case-duplicate SSO pair',
    );
    const checks = Object.fromEntries(plan.pool.checks.map((c) => [c.name, c.status]));
    assert.equal(checks['ALLOW_USER_PASSWORD_AUTH on the app client'], 'pass');
    assert.equal(checks['Supabase UUID attribute'], 'pass');
    assert.equal(checks['case-insensitive usernames'], 'unknown');
    assert.equal(checks['migrate-user trigger attached'], 'unknown');
    assert.equal(plan.users.bcryptCostOutOfRange, 0);
  });

  it('plans: a missing pool is a usage error (2), an unreachable Cognito an environment error (3)', async () => {
    const withPool = (cognito: Partial<NonNullable<Config['target']['cognito']>>) => ({
      ...config,
      target: { ...config.target, cognito: { ...config.target.cognito!, ...cognito } },
    });
    const missing = await planAuth({ config: withPool({ userPoolId: 'local_missing0' }), reporter });
    assert.deepEqual(
      [planPoolError(missing)?.code, planPoolError(missing)?.exitCode],
      ['AUTH_POOL_NOT_FOUND', 2],
    );
    const unreachable = await planAuth({ config: withPool({ endpoint: 'http://127.0.0.1:1' }), reporter });
    assert.deepEqual(
      [planPoolError(unreachable)?.code, planPoolError(unreachable)?.exitCode],
      ['AUTH_POOL_UNREACHABLE', 3],
    );
    assert.equal(planPoolError(await planAuth({ config, reporter })), undefined);
  });

  it('plans: counts the bcrypt hashes whose cost the Lambda refuses', async () => {
    const costly = await sb.freshSourceDb();
    await withPg(costly.adminUrl, (c) =>
      c.query(`UPDATE auth.users SET encrypted_password = $2 WHERE id = $1`, [
        named.bob,
        `$2a$31$${'a'.repeat(53)}`,
      ]),
    );
    const plan = await planAuth({
      config: { ...config, source: { ...config.source, db: { ...config.source.db, url: costly.url } } },
      reporter,
    });
    assert.equal(plan.users.bcryptCostOutOfRange, 1);
  });

  it('exports a locked-down legacy store that converges', async () => {
    const first = await exportLegacyStore({ config, reporter });
    writePhaseReport(reportDir, await timedReport('auth', 'export', async () => exportReport(first)));
    assert.equal(first.users.inserted, first.users.total);
    assert.ok(first.role.created && first.role.passwordSet);
    assert.ok(
      first.privileges.every((p) => p.ok),
      JSON.stringify(first.privileges),
    );
    const again = await exportLegacyStore({ config, reporter });
    assert.deepEqual(
      { ...again.users },
      { total: first.users.total, inserted: 0, updated: 0, unchanged: first.users.total, removed: 0 },
    );
    // The app's role is refused, the Lambda's role may only read.
    const asApp = pgUrl(sb.state.targetDb!, appRole, appRolePassword, target.name);
    await assert.rejects(
      withPg(asApp, (c) => c.query(`SELECT count(*) FROM ${config.auth.legacySchema}.users`)),
      { code: '42501' },
    );
    const asLambda = pgUrl(sb.state.targetDb!, role, rolePassword, target.name);
    await withPg(asLambda, async (c) => {
      const { rows } = await c.query(`SELECT count(*)::int AS n FROM ${config.auth.legacySchema}.users`);
      assert.equal(rows[0].n, first.users.total);
      await assert.rejects(c.query(`DELETE FROM ${config.auth.legacySchema}.users`), { code: '42501' });
    });
  });

  it('signs a seeded user in with their old Supabase password, and the tokens resolve to their UUID', async (t) => {
    const alice = readTestUsers().users.find((u) => u.key === 'alice')!;
    const before = invocations().length;
    const out = await signIn(alice.email!, alice.password!);
    const result = out.AuthenticationResult!;
    assert.ok(result.IdToken && result.AccessToken);
    tokens.push(result.IdToken, result.AccessToken, result.RefreshToken ?? '');
    assert.equal(invocations().length, before + 1);
    assert.equal(invocations().at(-1)?.result, 'migrated');

    const issuer = `http://127.0.0.1:${sb.state.cognito!.port}/${userPoolId}`;
    const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
    const verified = async (token: string): Promise<JWTPayload> =>
      (await jwtVerify(token, jwks, { issuer })).payload;
    const id = await verified(result.IdToken);
    const access = await verified(result.AccessToken);
    assert.equal(id['custom:supabase_id'], named.alice);
    assert.equal(id.email, 'alice@example.com');

    const appDb = new pg.Pool({ connectionString: target.url, max: 1 });
    t.after(() => appDb.end());
    const resolve = createCognitoUserIdResolver({
      pool: appDb,
      lookupAttributes: adminGetUserAttributes(cognito, userPoolId),
    });
    assert.equal(
      await resolve({ sub: id.sub, username: id['cognito:username'] as string, claims: id }),
      named.alice,
    );
    // The access token has no custom attribute (and, from cognito-local, no sub): resolved via AdminGetUser.
    assert.equal(
      await resolve({ sub: access.sub, username: access.username as string, claims: access }),
      named.alice,
    );
  });

  it('refuses a wrong password and leaves the user out of the pool', async () => {
    const bob = readTestUsers().users.find((u) => u.key === 'bob')!;
    await assert.rejects(signIn(bob.email!, 'not-bobs-password'), { name: 'NotAuthorizedException' });
    assert.deepEqual(pick(invocations().at(-1)), { result: 'refused', reason: 'bad-password' });
    await assert.rejects(signIn('nobody@example.com', 'whatever-1'), { name: 'NotAuthorizedException' });
    assert.deepEqual(pick(invocations().at(-1)), { result: 'refused', reason: 'unknown-user' });
    await assert.rejects(
      cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: bob.email! })),
      { name: 'UserNotFoundException' },
    );
  });

  it('does not call the trigger on the second sign-in', async () => {
    const alice = readTestUsers().users.find((u) => u.key === 'alice')!;
    const count = invocations().length;
    const out = await signIn(alice.email!, alice.password!);
    assert.ok(out.AuthenticationResult?.IdToken);
    tokens.push(out.AuthenticationResult!.IdToken!, out.AuthenticationResult!.AccessToken!);
    assert.equal(invocations().length, count);
  });

  it('migrates a phone-only user by +E.164 phone (documented path: sign in with the phone)', async () => {
    const phil = readTestUsers().users.find((u) => u.key === 'phil')!;
    const out = await signIn(`+${phil.phone}`, phil.password!);
    const claims = JSON.parse(
      Buffer.from(out.AuthenticationResult!.IdToken!.split('.')[1]!, 'base64url').toString(),
    );
    tokens.push(out.AuthenticationResult!.IdToken!);
    assert.equal(claims['custom:supabase_id'], named.phil);
    const user = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: userPoolId, Username: `+${phil.phone}` }),
    );
    const attributes = Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name, a.Value]));
    assert.equal(attributes.phone_number, `+${phil.phone}`);
    assert.equal(attributes.phone_number_verified, 'true');
    assert.equal(attributes.email, undefined);
  });

  it('does not migrate an OAuth-only user by password (documented path: created by import)', async () => {
    const erin = readTestUsers().users.find((u) => u.key === 'erin')!;
    await assert.rejects(signIn(erin.email!, 'any-password-1'), { name: 'NotAuthorizedException' });
    assert.deepEqual(pick(invocations().at(-1)), { result: 'refused', reason: 'unknown-user' });
  });

  it('accounts for every user, probes a sign-in, and flags a user changed since the export', async () => {
    const bob = readTestUsers().users.find((u) => u.key === 'bob')!;
    const result = await verifyAuth({
      config,
      reporter,
      probe: { username: bob.email!, password: bob.password! },
    });
    writePhaseReport(reportDir, await timedReport('auth', 'verify', async () => verifyReport(result)));
    assert.equal(result.counts.unaccounted, 0, JSON.stringify(result.unaccounted));
    assert.equal(result.counts.migrated, 2); // alice and phil (bob is migrated by the probe, after the listing)
    assert.ok(result.counts.pending > 0 && result.counts['not-migratable'] > 0);
    assert.equal(
      result.total,
      result.counts.migrated + result.counts.pending + result.counts['not-migratable'],
    );
    assert.deepEqual(
      { ok: result.probe?.ok, id: result.probe?.resolvedUserId, wasInPool: result.probe?.wasInPool },
      { ok: true, id: named.bob, wasInPool: false },
    );
    assert.ok(result.ok);

    // Heidi (magic link, pending import) sets a password on Supabase after the export: unaccounted
    // until the store is refreshed.
    const heidiHash = await withPg(source.adminUrl, async (c) => {
      const { rows } = await c.query(`SELECT encrypted_password FROM auth.users WHERE id = $1`, [
        named.heidi,
      ]);
      await c.query(`UPDATE auth.users SET encrypted_password = $2 WHERE id = $1`, [
        named.heidi,
        '$2a$10$Tpy3GlhwPQ6.ke/Ii7Gb9uPe2Nc.2TVWWNb86PMgW3QaDzHv4EpUO',
      ]);
      return rows[0].encrypted_password as string;
    });
    const stale = await verifyAuth({ config, reporter });
    assert.equal(stale.ok, false);
    assert.deepEqual(
      stale.unaccounted.map((u) => u.id),
      [named.heidi],
    );
    await withPg(source.adminUrl, (c) =>
      c.query(`UPDATE auth.users SET encrypted_password = $2 WHERE id = $1`, [named.heidi, heidiHash]),
    );
    assert.equal((await verifyAuth({ config, reporter })).ok, true);
  });

  it('runs as the Lambda does: handler(event) configured from its environment', async () => {
    process.env.DATABASE_URL = pgUrl(sb.state.targetDb!, role, rolePassword, target.name);
    process.env.LEGACY_SCHEMA = config.auth.legacySchema;
    const { handler } = await import('../../src/auth/migrate-user/handler.ts');
    const bob = readTestUsers().users.find((u) => u.key === 'bob')!;
    const out = await handler({
      version: '1',
      triggerSource: 'UserMigration_Authentication',
      userPoolId,
      userName: 'BOB@Example.com',
      request: { password: bob.password! },
      response: {},
    });
    assert.equal(out.response.userAttributes?.['custom:supabase_id'], named.bob);
    assert.equal(out.response.finalUserStatus, 'CONFIRMED');
    await assert.rejects(
      handler({
        triggerSource: 'UserMigration_Authentication',
        userPoolId,
        userName: 'bob@example.com',
        request: { password: 'x' },
        response: {},
      }),
      { message: SIGN_IN_REFUSED },
    );
    // The failure counter lives in the store, written by the Lambda's own (least-privilege) role.
    const guess = (password: string) =>
      handler({
        triggerSource: 'UserMigration_Authentication',
        userPoolId,
        userName: 'Carol.Locked@example.com',
        request: { password },
        response: {},
      });
    for (let i = 0; i < 5; i++) await assert.rejects(guess(`guess-${i}`), { message: SIGN_IN_REFUSED });
    const counted = await withPg(target.adminUrl, (c) =>
      c.query<{ failures: number; locked: boolean }>(
        `SELECT failures, locked_until > now() AS locked FROM ${config.auth.legacySchema}.sign_in_failures
          WHERE failures >= 5`,
      ),
    );
    assert.deepEqual(counted.rows, [{ failures: 5, locked: true }]);
  });

  it('an interrupted import (Ctrl-C) stops cleanly and the next run finishes it', async () => {
    const controller = new AbortController();
    const real = targetPool(config);
    let creates = 0;
    const client = {
      send: async (command: { constructor: { name: string } }) => {
        const out = await real.client.send(command as never);
        if (command.constructor.name === 'AdminCreateUserCommand' && ++creates === 3) controller.abort();
        return out;
      },
      destroy: () => real.client.destroy(),
    } as unknown as CognitoIdentityProviderClient;
    try {
      await assert.rejects(
        importRemaining({
          config,
          reporter,
          pool: { ...real, client },
          signal: controller.signal,
          concurrency: 1,
        }),
        { code: 'INTERRUPTED' },
      );
    } finally {
      real.client.destroy();
    }
    const users = (await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId }))).Users ?? [];
    assert.equal(
      users.filter((u) => u.UserStatus === 'FORCE_CHANGE_PASSWORD').length,
      1,
      'created, password not set yet',
    );
  });

  it('imports the remaining users once, however often it runs, and records their cognito_sub', async () => {
    const first = await importRemaining({ config, reporter, csvFile });
    assert.equal(first.finished, 1, 'the user the interrupted run left half-done');
    writePhaseReport(reportDir, await timedReport('auth', 'import', async () => importReport(first)));
    // cognito-local's AdminCreateUser insists on an email username when email is a username attribute:
    // the only failures allowed are users with a phone and no email (real Cognito takes the phone).
    const emailless = await withPg(target.url, async (c) =>
      (
        await c.query(
          `SELECT id::text FROM ${config.auth.legacySchema}.users WHERE email_key IS NULL AND outcome <> 'skip'`,
        )
      ).rows.map((r) => r.id as string),
    );
    for (const failure of first.failed) {
      assert.equal(failure.code, 'InvalidParameterException');
      assert.ok(emailless.includes(failure.id), `${failure.id} failed: ${failure.message}`);
    }
    assert.ok(first.created > 10);
    assert.equal(first.created + first.failed.length, first.candidates);
    assert.ok(first.cognitoSub.recorded >= first.created, 'cognito_sub from AdminCreateUser');

    const second = await importRemaining({ config, reporter, csvFile: false });
    assert.equal(second.created, 0);
    assert.equal(second.candidates, first.failed.length);

    const users = (await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId }))).Users ?? [];
    const ids = users.map((u) => u.Attributes?.find((a) => a.Name === 'custom:supabase_id')?.Value);
    assert.equal(new Set(ids).size, ids.length, 'each user once');
    assert.equal(users.length, first.poolUsersBefore + first.created);
    const erin = users.find((u) => ids[users.indexOf(u)] === named.erin);
    assert.equal(erin?.UserStatus, 'CONFIRMED', 'OAuth user created, with a password nobody knows');
    const subs = await withPg(
      target.url,
      async (c) =>
        (await c.query(`SELECT count(*)::int AS n FROM auth.users WHERE cognito_sub IS NOT NULL`)).rows[0]
          .n as number,
    );
    assert.ok(subs >= first.created);

    // The EXPERIMENTAL import-job CSV: the header (cognito-local has no GetCSVHeader) and the bcrypt hashes.
    assert.equal(statSync(csvFile).mode & 0o777, 0o600);
    const lines = readFileSync(csvFile, 'utf8').trim().split('\n');
    assert.ok(lines[0]!.startsWith('cognito:username,'));
    assert.ok(lines[0]!.includes('custom:supabase_id') && lines[0]!.endsWith(',password_hash'));
    assert.ok(lines.some((l) => /,\$2a\$10\$[./A-Za-z0-9]{53}$/.test(l)));
    assert.equal(first.csv?.rows, lines.length - 1);

    const after = await verifyAuth({ config, reporter });
    assert.equal(after.ok, true);
    assert.equal(after.counts.pending, first.failed.length);
  });

  it('leaves the app’s tables untouched on both sides', async () => {
    assert.equal((await withPg(source.adminUrl, (c) => fixtureDigest(c))).digest, sourceBefore);
    assert.equal(await targetDigest(target), targetBefore);
  });

  it('runs from the CLI: verify and a probe exit 0, bad flags exit 2, nothing secret printed', () => {
    const raw = structuredClone(sandboxConfigFile(sb.state)) as {
      source: { db: { url: string } };
      target: { db: { url: string }; cognito?: unknown };
      auth?: unknown;
    };
    raw.source.db.url = source.url;
    raw.target.db.url = target.url;
    raw.target.cognito = config.target.cognito;
    raw.auth = { migrateRole: role, migrateRolePassword: '${MIGRATE_PW}', appRoles: config.auth.appRoles };
    const file = path.join(reportDir, 'supa2aws.config.json');
    writeFileSync(file, JSON.stringify(raw));
    const alice = readTestUsers().users.find((u) => u.key === 'alice')!;
    const env = {
      ...process.env,
      ...sandboxEnv(sb.state),
      MIGRATE_PW: rolePassword,
      PROBE_PW: alice.password!,
    };
    const cli = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ['bin/supa2aws.js', 'auth', ...args, '--config', file, '--report-dir', reportDir],
        {
          env,
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
    const verify = cli('verify', '--json', '--probe-user', alice.email!, '--probe-password-env', 'PROBE_PW');
    assert.equal(verify.status, 0, verify.stderr);
    const result = JSON.parse(verify.stdout) as { ok: boolean; probe: { ok: boolean; wasInPool: boolean } };
    assert.deepEqual([result.ok, result.probe.ok, result.probe.wasInPool], [true, true, true]);
    const human = cli('plan');
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /case-insensitive usernames\s+\?/);
    assert.equal(cli('import').status, 2);
    assert.equal(cli('verify', '--probe-user', alice.email!).status, 2);
    for (const out of [verify, human]) {
      for (const secret of [alice.password!, rolePassword, '$2a$10$']) {
        assert.ok(!out.stdout.includes(secret) && !out.stderr.includes(secret));
      }
    }
  });

  it('lets nothing secret out: events, reports and the Lambda stand-in’s logs', () => {
    const secrets = [
      ...readTestUsers().users.flatMap((u) => (u.password ? [u.password] : [])),
      ...readTestUsers().passwordPool,
      ...Object.values(
        (
          JSON.parse(readFileSync('fixtures/data/bcrypt-hashes.json', 'utf8')) as {
            hashes: Record<string, string>;
          }
        ).hashes,
      ),
      ...tokens.filter(Boolean),
      rolePassword,
      '$2a$10$',
    ];
    const reportFiles = readdirSync(reportDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => path.join(reportDir, f));
    assert.ok(reportFiles.length >= 4, reportFiles.join(', '));
    const lambdaFiles = ['service.log', 'invocations.jsonl']
      .map((f) => path.join(lambdaDir(sb.state.dataDir), f))
      .filter((f) => existsSync(f));
    const texts: [string, string][] = [
      ['reporter events', JSON.stringify(reporter.events)],
      ...[...reportFiles, ...lambdaFiles].map((f): [string, string] => [f, readFileSync(f, 'utf8')]),
    ];
    for (const [where, text] of texts) {
      for (const secret of secrets)
        assert.ok(!text.includes(secret), `${where} holds a secret (${secret.slice(0, 6)}…)`);
    }
  });
});
