/**
 * A config as a user would have it: written by `supa2aws init`, then `config from-stack` with an outputs.json
 * that has every output key the CDK stacks write (OUTPUTS_BY_STACK), filled with the sandbox's endpoints. The
 * only edits after that are the ones a stand-in needs and AWS does not (the S3 and Cognito endpoints of
 * s3rver and cognito-local, s3rver's checksum mode), plus a migrate role of the test's own so it can share
 * the sandbox. TLS is verify-full on both databases: the source URL names its CA, the target's comes from
 * PGSSLROOTCERT, as libpq would.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { OUTPUT_KEYS, OUTPUTS_BY_STACK, type OutputKey } from '../../src/core/stack-outputs/output-keys.ts';
import { S3RVER_KEY, SANDBOX_REGION } from '../../src/sandbox/sandbox-config.ts';
import { runCli, type CliRun } from './cli-run.ts';
import type { TestDatabase, TestSandbox } from './sandbox.ts';

/** The account the synthesized secret ARNs name. */
export const STACK_ACCOUNT = '123456789012';

/** outputs.json for stacks named `<prefix>-<Phase>`, every key the stacks write, with the given values. */
export function sandboxOutputs(
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

export function assertOk(run: CliRun, what: string): void {
  assert.equal(
    run.status,
    0,
    `${what}: exit ${run.status}\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`,
  );
}

export interface InitConfigInput {
  sb: TestSandbox;
  dir: string;
  /** Names the stacks and the target buckets. */
  prefix: string;
  source: TestDatabase;
  target: TestDatabase;
  /** The user pool the auth stack made. */
  pool: { userPoolId: string; clientId: string };
}

export interface InitConfig {
  file: string;
  /** What init and from-stack list, filled as their instructions say, on a clean AWS environment. */
  env: NodeJS.ProcessEnv;
  init: CliRun;
  fromStack: CliRun;
  /** The config's auth.migrateRole and its password (SUPA2AWS_MIGRATE_USER_PASSWORD). */
  migrateRole: { name: string; password: string };
}

/** Runs `init` (the user has the Supabase project and no stacks yet), then `config from-stack`. */
export async function configFromInit(input: InitConfigInput): Promise<InitConfig> {
  const { sb, dir, prefix, source, target, pool } = input;
  const targetDb = sb.state.targetDb!;
  const bucket = (id: string) => `${prefix}-${id}`;
  const outputs = sandboxOutputs(prefix, {
    [OUTPUT_KEYS.region]: SANDBOX_REGION,
    [OUTPUT_KEYS.dbEndpoint]: '127.0.0.1',
    [OUTPUT_KEYS.dbPort]: String(targetDb.port),
    [OUTPUT_KEYS.dbName]: target.name,
    [OUTPUT_KEYS.dbUsername]: targetDb.appUser,
    [OUTPUT_KEYS.dbSecretArn]: `arn:aws:secretsmanager:${SANDBOX_REGION}:${STACK_ACCOUNT}:secret:${prefix}-master`,
    [OUTPUT_KEYS.dbMigrateUserSecretArn]: `arn:aws:secretsmanager:${SANDBOX_REGION}:${STACK_ACCOUNT}:secret:${prefix}-migrate`,
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
  const migrateRole = {
    name: `supa2aws_migrate_${randomBytes(3).toString('hex')}`,
    password: randomBytes(18).toString('base64url'),
  };
  const env: NodeJS.ProcessEnv = {
    HOME: dir,
    AWS_CONFIG_FILE: path.join(dir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'aws-credentials'),
    AWS_REGION: '',
    AWS_DEFAULT_REGION: '',
    AWS_PROFILE: '',
    SUPA2AWS_CONFIG: '',
    SUPABASE_DB_PASSWORD: sb.state.sourceDb!.appPassword,
    SUPABASE_S3_ACCESS_KEY_ID: S3RVER_KEY,
    SUPABASE_S3_SECRET_ACCESS_KEY: S3RVER_KEY,
    SUPA2AWS_TARGET_DB_PASSWORD: targetDb.appPassword,
    SUPA2AWS_MIGRATE_USER_PASSWORD: migrateRole.password,
    // The target S3 takes the default credential chain, as on AWS.
    AWS_ACCESS_KEY_ID: S3RVER_KEY,
    AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
    // The RDS stand-in's CA, as the shipped RDS bundle would be for *.rds.amazonaws.com.
    PGSSLROOTCERT: targetDb.caFile,
  };

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
  const fromStack = await runCli(['config', 'from-stack', outputsFile, '--file', file, '--json'], { env });
  assertOk(fromStack, 'config from-stack');

  // What only the stand-ins need.
  const raw = JSON.parse(readFileSync(file, 'utf8')) as {
    source: { storage: Record<string, unknown> };
    target: { s3: Record<string, unknown>; cognito: Record<string, unknown> };
    auth: Record<string, unknown>;
  };
  Object.assign(raw.source.storage, {
    endpoint: `http://127.0.0.1:${sb.state.sourceS3!.port}`,
    s3rver: true,
  });
  Object.assign(raw.target.s3, { endpoint: `http://127.0.0.1:${sb.state.targetS3!.port}`, s3rver: true });
  Object.assign(raw.target.cognito, { endpoint: `http://127.0.0.1:${sb.state.cognito!.port}` });
  Object.assign(raw.auth, { migrateRole: migrateRole.name });
  writeFileSync(file, JSON.stringify(raw, null, 2));
  return { file, env, init, fromStack, migrateRole };
}
