/**
 * The phases run from a config a user would have: written by `supa2aws init`, then `config from-stack` with
 * an outputs.json that has every output key the CDK stacks write (OUTPUTS_BY_STACK), filled with the
 * sandbox's endpoints — instead of the sandbox's own config. The only edits after that are the ones a
 * stand-in needs and AWS does not (the S3 and Cognito endpoints of s3rver and cognito-local, s3rver's
 * checksum mode), plus a migrate role of this test's own so it can share the sandbox. TLS is verify-full on
 * both databases: the source URL names its CA, the target's comes from PGSSLROOTCERT, as libpq would.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { cognitoClient, createSandboxPool } from '../../src/sandbox/cognito-pool.ts';
import { S3RVER_KEY, SANDBOX_REGION } from '../../src/sandbox/sandbox-config.ts';
import { OUTPUT_KEYS, OUTPUTS_BY_STACK, type OutputKey } from '../../src/core/stack-outputs/output-keys.ts';
import { runCli, type CliRun } from '../helpers/cli-run.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let sb: TestSandbox;
before(async () => {
  sb = await getTestSandbox();
});

const ACCOUNT = '123456789012';

/** outputs.json for stacks named `<prefix>-<Phase>`, every key the stacks write, with the sandbox's values. */
function sandboxOutputs(
  prefix: string,
  values: Partial<Record<OutputKey, string>>,
): Record<string, Record<string, string>> {
  const stackName = (phase: string) => `${prefix}-${phase[0]!.toUpperCase()}${phase.slice(1)}`;
  return Object.fromEntries(
    Object.entries(OUTPUTS_BY_STACK).map(([phase, keys]) => [
      stackName(phase),
      Object.fromEntries(keys.map((key) => [key, values[key] ?? `${key.toLowerCase()}-of-${prefix}`])),
    ]),
  );
}

function assertOk(run: CliRun, what: string): void {
  assert.equal(
    run.status,
    0,
    `${what}: exit ${run.status}\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`,
  );
}

describe('the phases from a config written by init + config from-stack', () => {
  it('GIVEN init, then from-stack with the stacks’ outputs WHEN storage, db and auth run from that file THEN each phase passes over verify-full TLS in the stacks’ region', async () => {
    const dir = tempDir('init-phases-');
    const source: TestDatabase = await sb.freshSourceDb();
    const target: TestDatabase = await sb.freshTargetDb();
    const prefix = sb.uniqueName('ini');
    const cognito = cognitoClient(`http://127.0.0.1:${sb.state.cognito!.port}`);
    const pool = await createSandboxPool(cognito, `${prefix}-users`);
    cognito.destroy();
    const targetDb = sb.state.targetDb!;
    const bucket = (id: string) => `${prefix}-${id}`;
    const outputs = sandboxOutputs(prefix, {
      [OUTPUT_KEYS.region]: SANDBOX_REGION,
      [OUTPUT_KEYS.dbEndpoint]: '127.0.0.1',
      [OUTPUT_KEYS.dbPort]: String(targetDb.port),
      [OUTPUT_KEYS.dbName]: target.name,
      [OUTPUT_KEYS.dbUsername]: targetDb.appUser,
      [OUTPUT_KEYS.dbSecretArn]: `arn:aws:secretsmanager:${SANDBOX_REGION}:${ACCOUNT}:secret:${prefix}-master`,
      [OUTPUT_KEYS.dbMigrateUserSecretArn]: `arn:aws:secretsmanager:${SANDBOX_REGION}:${ACCOUNT}:secret:${prefix}-migrate`,
      [OUTPUT_KEYS.videosBucket]: bucket('videos'),
      [OUTPUT_KEYS.imagesBucket]: bucket('images'),
      [OUTPUT_KEYS.assetImagesBucket]: bucket('asset-images'),
      [OUTPUT_KEYS.imagesPublicBaseUrl]: `http://127.0.0.1:${sb.state.targetS3!.port}/${bucket('images')}`,
      [OUTPUT_KEYS.assetImagesPublicBaseUrl]: `http://127.0.0.1:${sb.state.targetS3!.port}/${bucket('asset-images')}`,
      [OUTPUT_KEYS.userPoolId]: pool.userPoolId,
      [OUTPUT_KEYS.userPoolClientId]: pool.clientId,
    });
    const outputsFile = path.join(dir, 'outputs.json');
    writeFileSync(outputsFile, JSON.stringify(outputs, null, 2));
    const file = path.join(dir, 'supa2aws.config.json');
    const migratePassword = randomBytes(18).toString('base64url');
    const env: NodeJS.ProcessEnv = {
      HOME: dir,
      AWS_CONFIG_FILE: path.join(dir, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'aws-credentials'),
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      AWS_PROFILE: '',
      SUPA2AWS_CONFIG: '',
      // What init and from-stack list, filled as their instructions say.
      SUPABASE_DB_PASSWORD: sb.state.sourceDb!.appPassword,
      SUPABASE_S3_ACCESS_KEY_ID: S3RVER_KEY,
      SUPABASE_S3_SECRET_ACCESS_KEY: S3RVER_KEY,
      SUPA2AWS_TARGET_DB_PASSWORD: targetDb.appPassword,
      SUPA2AWS_MIGRATE_USER_PASSWORD: migratePassword,
      // The target S3 takes the default credential chain, as on AWS.
      AWS_ACCESS_KEY_ID: S3RVER_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
      // The RDS stand-in's CA, as the shipped RDS bundle would be for *.rds.amazonaws.com.
      PGSSLROOTCERT: targetDb.caFile,
    };

    // The user has the Supabase project (its pooler-style URL) and no stacks yet.
    const init = await runCli(
      [
        'init',
        '--project-url',
        sb.state.projectUrl,
        '--source-db-url',
        source.url,
        '--supabase-region',
        'us-east-1',
        '--region',
        'eu-central-1',
        '--file',
        file,
        '--no-interactive',
        '--json',
      ],
      { env },
    );
    assertOk(init, 'init');
    assert.doesNotMatch(readFileSync(file, 'utf8'), new RegExp(sb.state.sourceDb!.appPassword));

    // The stacks are deployed (in the sandbox's region): from-stack completes the file.
    const fromStack = await runCli(['config', 'from-stack', outputsFile, '--file', file, '--json'], { env });
    assertOk(fromStack, 'config from-stack');
    const merged = JSON.parse(fromStack.stdout) as {
      created: boolean;
      problems: unknown[];
      account: string;
      region: string;
      env: Array<{ name: string; command: string }>;
    };
    assert.equal(merged.created, false);
    assert.deepEqual(merged.problems, []);
    assert.equal(merged.account, ACCOUNT);
    assert.equal(merged.region, SANDBOX_REGION);
    assert.deepEqual(merged.env.map((r) => r.name).sort(), [
      'SUPA2AWS_APP_DB_PASSWORD',
      'SUPA2AWS_MIGRATE_USER_PASSWORD',
      'SUPA2AWS_TARGET_DB_PASSWORD',
    ]);

    // What only the stand-ins need.
    const raw = JSON.parse(readFileSync(file, 'utf8')) as {
      source: { storage: Record<string, unknown> };
      target: {
        region: string;
        db: { url: string };
        s3: Record<string, unknown>;
        cognito: Record<string, unknown>;
      };
      auth: Record<string, unknown>;
    };
    assert.equal(raw.target.region, SANDBOX_REGION);
    assert.match(raw.target.db.url, /\?sslmode=verify-full$/);
    Object.assign(raw.source.storage, {
      endpoint: `http://127.0.0.1:${sb.state.sourceS3!.port}`,
      s3rver: true,
    });
    Object.assign(raw.target.s3, { endpoint: `http://127.0.0.1:${sb.state.targetS3!.port}`, s3rver: true });
    Object.assign(raw.target.cognito, { endpoint: `http://127.0.0.1:${sb.state.cognito!.port}` });
    Object.assign(raw.auth, { migrateRole: `supa2aws_migrate_${randomBytes(3).toString('hex')}` });
    writeFileSync(file, JSON.stringify(raw, null, 2));

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
