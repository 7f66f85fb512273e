/**
 * The phases run from a config a user would have (test/helpers/init-config.ts): written by `supa2aws init`,
 * then `config from-stack` with an outputs.json that has every output key the CDK stacks write, filled with
 * the sandbox's endpoints — instead of the sandbox's own config, over verify-full TLS on both databases.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { cognitoClient, createSandboxPool } from '../../src/sandbox/cognito-pool.ts';
import { SANDBOX_REGION } from '../../src/sandbox/sandbox-config.ts';
import { runCli } from '../helpers/cli-run.ts';
import { assertOk, configFromInit, STACK_ACCOUNT } from '../helpers/init-config.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let sb: TestSandbox;
before(async () => {
  sb = await getTestSandbox();
});

describe('the phases from a config written by init + config from-stack', () => {
  it('GIVEN init, then from-stack with the stacks’ outputs WHEN storage, db and auth run from that file THEN each phase passes over verify-full TLS in the stacks’ region', async () => {
    const dir = tempDir('init-phases-');
    const source: TestDatabase = await sb.freshSourceDb();
    const target: TestDatabase = await sb.freshTargetDb();
    const prefix = sb.uniqueName('ini');
    const cognito = cognitoClient(`http://127.0.0.1:${sb.state.cognito!.port}`);
    const pool = await createSandboxPool(cognito, `${prefix}-users`);
    cognito.destroy();
    const { file, env, fromStack } = await configFromInit({ sb, dir, prefix, source, target, pool });
    assert.doesNotMatch(readFileSync(file, 'utf8'), new RegExp(sb.state.sourceDb!.appPassword));
    const merged = JSON.parse(fromStack.stdout) as {
      created: boolean;
      problems: unknown[];
      account: string;
      region: string;
      env: Array<{ name: string; command: string }>;
    };
    assert.equal(merged.created, false);
    assert.deepEqual(merged.problems, []);
    assert.equal(merged.account, STACK_ACCOUNT);
    assert.equal(merged.region, SANDBOX_REGION);
    assert.deepEqual(merged.env.map((r) => r.name).sort(), [
      'SUPA2AWS_APP_DB_PASSWORD',
      'SUPA2AWS_MIGRATE_USER_PASSWORD',
      'SUPA2AWS_TARGET_DB_PASSWORD',
    ]);
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { target: { region: string; db: { url: string } } };
    assert.equal(raw.target.region, SANDBOX_REGION);
    assert.match(raw.target.db.url, /\?sslmode=verify-full$/);

    const phase = (...args: string[]) =>
      runCli([...args, '--json', '--config', file, '--report-dir', path.join(dir, 'report')], { env });
    const setup = await phase('storage', 'setup');
    assertOk(setup, 'storage setup');
    const touches = setup.events.find((e) => e.type === 'log' && String(e.message).startsWith('target: AWS'));
    assert.match(
      String(touches?.message),
      new RegExp(`AWS ${SANDBOX_REGION} \\(from config target\\.region\\)`),
    );
    assertOk(await phase('storage', 'copy'), 'storage copy');
    assertOk(await phase('storage', 'verify'), 'storage verify');
    assertOk(await phase('db', 'schema', '--out', path.join(dir, 'schema.sql')), 'db schema');
    assertOk(await phase('db', 'copy'), 'db copy');
    assertOk(await phase('db', 'verify'), 'db verify');
    assertOk(await phase('auth', 'export'), 'auth export');
    const imported = await phase('auth', 'import', '--remaining', '--no-csv');
    const result = JSON.parse(imported.stdout) as { failed: { code: string }[] };
    // cognito-local refuses phone-only users (real Cognito takes them): exit 1 for those only.
    assert.ok(
      result.failed.every((f) => f.code === 'InvalidParameterException'),
      imported.stdout.slice(-2000),
    );
    assert.equal(imported.status, result.failed.length > 0 ? 1 : 0, imported.stderr.slice(-2000));
    assertOk(await phase('auth', 'verify'), 'auth verify');
  });
});
