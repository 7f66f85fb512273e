/**
 * The contract between the Backend stack and the reference backend: each container's environment and
 * secret names read from the synthesized task definitions (plus the image's own ENV), every value that
 * CloudFormation or ECS fills at deploy time played by the sandbox, and the container's command run from
 * source with exactly that environment. A name the sandbox does not know how to fill fails the test, so a
 * new name in the stack must be given a stand-in value here on purpose.
 */
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { logicalId, synth, type Synthesized } from '../../infra/test/helpers.ts';
import type { InfraSettingsInput } from '../../infra/lib/settings.ts';
import { installBackendSchema, insertUsers } from '../../examples/backend/test/target-schema.ts';
import { runAppRoleFromConfig } from '../../src/db/app-role/index.ts';
import { cognitoClient, createSandboxPool } from '../../src/sandbox/cognito-pool.ts';
import { SANDBOX_REGION } from '../../src/sandbox/sandbox-config.ts';
import { S3RVER_KEY } from '../../src/sandbox/index.ts';
import { startBackendProcess, type BackendProcess } from './backend-process.ts';
import type { TestDatabase, TestSandbox } from './sandbox.ts';
import { startSecretsManagerStandIn, type SecretsManagerStandIn } from './secrets-manager-stand-in.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BACKEND_DIR = path.join(REPO_ROOT, 'examples', 'backend');

export interface ContainerContract {
  name: string;
  /** The repository source file the container's command runs (the image's CMD when the task sets none). */
  entry: string;
  ports: number[];
  /** The task definition's plain environment: the literal, or null for a value resolved at deploy time. */
  environment: Record<string, string | null>;
  /** Environment names whose value is a secret's ARN, which the app reads at run time. */
  secretIds: Record<string, SecretName>;
  /** Names ECS fills from Secrets Manager: which secret and key. */
  secrets: Record<string, { secret: SecretName; key: string }>;
}

/** `database`: the database stack's secret of the app role (AppUserSecret); `app`: the backend's app secret. */
export type SecretName = 'database' | 'app';

/** The JSON the database stack's app-role secret holds once deployed: what the stand-in must serve. */
export interface DatabaseSecretShape {
  /** SecretStringTemplate: the username and database name. */
  template: Record<string, string>;
  /** The key of the generated password (GenerateStringKey). */
  passwordKey: string;
  /** Attached to the instance: RDS adds engine, host, port and dbInstanceIdentifier. */
  attached: boolean;
}

export interface ImageContract {
  /** ENV of the image's last stage. */
  environment: Record<string, string>;
  cmd: string[];
}

export interface BackendContract {
  synthesized: Synthesized;
  image: ImageContract;
  api: ContainerContract;
  worker: ContainerContract;
  databaseSecret: DatabaseSecretShape;
}

/** ENV and CMD of the Dockerfile's last stage (the image ECS runs). */
export function readImage(dockerfile = path.join(BACKEND_DIR, 'Dockerfile')): ImageContract {
  const text = readFileSync(dockerfile, 'utf8').replace(/\\\n/g, ' ');
  const stages = text.split(/^FROM /m);
  const last = stages[stages.length - 1] ?? '';
  const environment: Record<string, string> = {};
  let cmd: string[] = [];
  for (const line of last.split('\n')) {
    const env = /^ENV\s+(.*)$/.exec(line.trim());
    if (env?.[1]) {
      for (const pair of env[1].trim().split(/\s+/)) {
        const [name, ...value] = pair.split('=');
        if (name) environment[name] = value.join('=');
      }
    }
    const run = /^CMD\s+(\[.*\])\s*$/.exec(line.trim());
    if (run?.[1]) cmd = JSON.parse(run[1]) as string[];
  }
  return { environment, cmd };
}

/** `node dist/examples/backend/src/worker.js` (run from /app/examples/backend) → examples/backend/src/worker.ts. */
export function sourceOfCommand(command: string[]): string {
  const script = command[1] ?? '';
  const m = /^dist\/(.+)\.js$/.exec(script);
  if (command[0] !== 'node' || !m?.[1])
    throw new Error(`not a node dist/ command: ${JSON.stringify(command)}`);
  const source = path.join(REPO_ROOT, `${m[1]}.ts`);
  if (!existsSync(source)) throw new Error(`${script} is built from ${source}, which does not exist`);
  return source;
}

type Json = Record<string, unknown>;

type Resources = Record<string, { Type: string; Properties: Json }>;

/**
 * Which of the two secrets a template value names: a Ref to the backend's app secret, or an import of the
 * database stack's export whose value is a Ref to its app-role secret. Any other secret (the master user's,
 * the migrate-user Lambda's) is neither.
 */
function secretNamed(value: unknown, synthesized: Synthesized): SecretName | undefined {
  const text = JSON.stringify(value);
  if (text.includes(`{"Ref":"${logicalId(synthesized.stacks.backend.appSecret)}"}`)) return 'app';
  const imported = /"Fn::ImportValue":"([^"]+)"/.exec(text)?.[1];
  if (!imported) return undefined;
  const outputs = (synthesized.template('database').toJSON().Outputs ?? {}) as Record<
    string,
    { Value: unknown; Export?: { Name?: unknown } }
  >;
  const exported = Object.values(outputs).find((o) => o.Export?.Name === imported);
  const ref = JSON.stringify(exported?.Value);
  return ref === JSON.stringify({ Ref: logicalId(synthesized.stacks.database.appSecret) })
    ? 'database'
    : undefined;
}

function secretRef(valueFrom: unknown, synthesized: Synthesized): { secret: SecretName; key: string } {
  const text = JSON.stringify(valueFrom);
  const key = /:([A-Za-z0-9_]+)::"/.exec(text)?.[1];
  if (!key) throw new Error(`a secret without a JSON key: ${text}`);
  const secret = secretNamed(valueFrom, synthesized);
  if (!secret) throw new Error(`a secret neither the app role's nor the app secret: ${text}`);
  return { secret, key };
}

/** The app-role secret's generated JSON, from its resource and whether an attachment targets it. */
function databaseSecretShape(synthesized: Synthesized): DatabaseSecretShape {
  const resources = synthesized.template('database').toJSON().Resources as Resources;
  const id = logicalId(synthesized.stacks.database.appSecret);
  const generate = resources[id]?.Properties.GenerateSecretString as
    { SecretStringTemplate: string; GenerateStringKey: string } | undefined;
  if (!generate) throw new Error(`the database stack's app secret ${id} generates no secret string`);
  return {
    template: JSON.parse(generate.SecretStringTemplate) as Record<string, string>,
    passwordKey: generate.GenerateStringKey,
    attached: Object.values(resources).some(
      (r) =>
        r.Type === 'AWS::SecretsManager::SecretTargetAttachment' &&
        JSON.stringify(r.Properties.SecretId) === JSON.stringify({ Ref: id }) &&
        r.Properties.TargetType === 'AWS::RDS::DBInstance',
    ),
  };
}

/** Synthesizes the stacks (cdk-nag off: it is the infra rung's job) and reads both containers. */
export function backendContract(input: InfraSettingsInput = {}): BackendContract {
  const synthesized = synth({ ...input, nag: false });
  const image = readImage();
  const resources = synthesized.template('backend').toJSON().Resources as Resources;
  const containers: ContainerContract[] = Object.values(resources)
    .filter((r) => r.Type === 'AWS::ECS::TaskDefinition')
    .map((r) => {
      const defs = r.Properties.ContainerDefinitions as Json[];
      if (defs.length !== 1) throw new Error(`expected one container per task, got ${defs.length}`);
      const c = defs[0]!;
      const variables = (c.Environment as Array<{ Name: string; Value: unknown }>) ?? [];
      const environment = Object.fromEntries(
        variables.map((e) => [e.Name, typeof e.Value === 'string' ? e.Value : null]),
      );
      const secretIds: Record<string, SecretName> = {};
      for (const e of variables) {
        const secret = typeof e.Value === 'string' ? undefined : secretNamed(e.Value, synthesized);
        if (secret) secretIds[e.Name] = secret;
      }
      const secrets = Object.fromEntries(
        ((c.Secrets as Array<{ Name: string; ValueFrom: unknown }>) ?? []).map((s) => [
          s.Name,
          secretRef(s.ValueFrom, synthesized),
        ]),
      );
      return {
        name: String(c.Name),
        entry: sourceOfCommand((c.Command as string[] | undefined) ?? image.cmd),
        ports: ((c.PortMappings as Array<{ ContainerPort: number }>) ?? []).map((p) => p.ContainerPort),
        environment,
        secretIds,
        secrets,
      };
    });
  const find = (name: string) => {
    const found = containers.find((c) => c.name === name);
    if (!found) throw new Error(`no ${name} container in the Backend stack`);
    return found;
  };
  return {
    synthesized,
    image,
    api: find('api'),
    worker: find('worker'),
    databaseSecret: databaseSecretShape(synthesized),
  };
}

/** The sandbox playing what the stacks create: a database, buckets, a Cognito pool, the app secret. */
export interface StandIns {
  region: string;
  db: TestDatabase;
  dbPort: number;
  caFile: string;
  /**
   * The app role's secret as the database stack generates it (and RDS completes it when attached): ECS
   * reads PGUSER from it, the app reads the password (DATABASE_SECRET_ID). Its role is made by `db app-role`.
   */
  dbSecret: Record<string, string | number>;
  dbSecretId: string;
  /** The app's login role, as `db app-role` made it. */
  appRole: { name: string; password: string };
  s3Endpoint: string;
  buckets: { videos: string; images: string; assetImages: string };
  /**
   * Like the stack's base URLs (the bucket's own URL, or its distribution), each serving the bucket's keys
   * at its root; on `localhost`, so a URL built from them differs from one built from S3_ENDPOINT.
   */
  publicBaseUrls: { images: string; assetImages: string };
  cognito: { endpoint: string; userPoolId: string; clientId: string };
  secrets: SecretsManagerStandIn;
  appSecretId: string;
  appSecret: Record<string, string>;
  /** A user in auth.users and in the pool (custom:supabase_id = id), with a permanent password. */
  user: { id: string; email: string; password: string };
  /** The user's Cognito access token (USER_PASSWORD_AUTH). */
  accessToken(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The app's login role made by the real `db app-role` step (the sandbox config's db.appRole, its password
 * the sandbox's app DB password) on the migrated schema, and the secret the stack would hold for it.
 */
async function appRoleSecret(
  sb: TestSandbox,
  db: TestDatabase,
  shape: DatabaseSecretShape,
  instanceIdentifier: string,
): Promise<Pick<StandIns, 'appRole' | 'dbSecret'>> {
  const config = sb.config({ targetDb: db });
  const { name, password } = config.db.appRole;
  if (shape.template.username !== name) {
    throw new Error(
      `the stack's app secret names ${shape.template.username}, but db app-role makes ${name} (db.appRole.name)`,
    );
  }
  if (!password) throw new Error('the sandbox config sets no db.appRole.password');
  const result = await runAppRoleFromConfig(config, {});
  const failed = result.verify.checks.filter((c) => !c.ok).map((c) => c.id);
  if (failed.length) throw new Error(`db app-role left checks failing: ${failed.join(', ')}`);
  const targetDb = sb.state.targetDb!;
  return {
    appRole: { name, password },
    dbSecret: {
      ...shape.template,
      [shape.passwordKey]: password,
      ...(shape.attached
        ? {
            engine: 'postgres',
            host: '127.0.0.1',
            port: targetDb.port,
            dbInstanceIdentifier: instanceIdentifier,
          }
        : {}),
    },
  };
}

export async function startStandIns(sb: TestSandbox, contract: BackendContract): Promise<StandIns> {
  const targetDb = sb.state.targetDb!;
  if (!targetDb.caFile) throw new Error('the sandbox target database has no TLS CA');
  const db = await sb.freshTargetDb();
  await installBackendSchema(db.url);
  const user = {
    id: randomUUID(),
    email: `${sb.uniqueName('contract')}@example.com`,
    password: 'Contract-Pass-9',
  };
  await insertUsers(db.url, [{ id: user.id, email: user.email }]);
  const { settings } = contract.synthesized;
  const { appRole, dbSecret } = await appRoleSecret(
    sb,
    db,
    contract.databaseSecret,
    settings.database.instanceIdentifier,
  );

  const s3Endpoint = `http://127.0.0.1:${sb.state.targetS3!.port}`;
  const prefix = sb.uniqueName('ct');
  const buckets = {
    videos: `${prefix}-videos`,
    images: `${prefix}-images`,
    assetImages: `${prefix}-asset-images`,
  };
  for (const bucket of Object.values(buckets))
    await sb.targetS3.send(new CreateBucketCommand({ Bucket: bucket }));

  const endpoint = `http://127.0.0.1:${sb.state.cognito!.port}`;
  const cognito = cognitoClient(endpoint, SANDBOX_REGION);
  const pool = await createSandboxPool(cognito, prefix);
  await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: pool.userPoolId,
      Username: user.email,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: user.email },
        { Name: 'custom:supabase_id', Value: user.id },
      ],
    }),
  );
  await cognito.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: pool.userPoolId,
      Username: user.email,
      Password: user.password,
      Permanent: true,
    }),
  );

  const arn = (name: string) => `arn:aws:secretsmanager:${SANDBOX_REGION}:000000000000:secret:${name}`;
  const appSecretId = arn(`${prefix}-app`);
  const dbSecretId = arn(`${prefix}-database-app-user`);
  const appSecret = Object.fromEntries(
    settings.backend.appSecretKeys.map((k) => [k, `stand-in value of ${k}`]),
  );
  const secrets = await startSecretsManagerStandIn({ [appSecretId]: appSecret, [dbSecretId]: dbSecret });
  return {
    region: SANDBOX_REGION,
    db,
    dbPort: targetDb.port,
    caFile: targetDb.caFile,
    dbSecret,
    dbSecretId,
    appRole,
    s3Endpoint,
    buckets,
    publicBaseUrls: {
      images: `http://localhost:${sb.state.targetS3!.port}/${buckets.images}`,
      assetImages: `http://localhost:${sb.state.targetS3!.port}/${buckets.assetImages}`,
    },
    cognito: { endpoint, ...pool },
    secrets,
    appSecretId,
    appSecret,
    user,
    async accessToken() {
      const out = await cognito.send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_PASSWORD_AUTH',
          ClientId: pool.clientId,
          AuthParameters: { USERNAME: user.email, PASSWORD: user.password },
        }),
      );
      const token = out.AuthenticationResult?.AccessToken;
      if (!token) throw new Error('cognito-local returned no access token');
      return token;
    },
    async close() {
      cognito.destroy();
      await secrets.close();
    },
  };
}

/** Literal values of the template or image that the sandbox must replace, and why. */
const SANDBOX_LITERALS = {
  PORT: 'tests run side by side: a free port (the target group and port mapping are checked separately)',
  PGDATABASE: "each test has a database of its own; the stack's name is `database.databaseName`",
  DATABASE_CA_FILE: "the image's path holds RDS's CA bundle; the sandbox's server has its own CA",
} as const;

/** Names only a stand-in needs. On AWS the task role, AWS's endpoints and Cognito's own issuer do this. */
export const STAND_IN_ONLY = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'S3_ENDPOINT',
  'S3_FORCE_PATH_STYLE',
  'COGNITO_ENDPOINT',
  'COGNITO_ISSUER',
  'SECRETS_ENDPOINT',
] as const;

/** Each deploy-time value (a CloudFormation reference) as the sandbox plays it, by variable name. */
function deployTimeValues(s: StandIns): Record<string, string> {
  return {
    AWS_REGION: s.region,
    COGNITO_REGION: s.region,
    S3_VIDEOS_BUCKET: s.buckets.videos,
    S3_IMAGES_BUCKET: s.buckets.images,
    S3_ASSET_IMAGES_BUCKET: s.buckets.assetImages,
    S3_IMAGES_PUBLIC_BASE_URL: s.publicBaseUrls.images,
    S3_ASSET_IMAGES_PUBLIC_BASE_URL: s.publicBaseUrls.assetImages,
    COGNITO_USER_POOL_ID: s.cognito.userPoolId,
    COGNITO_CLIENT_ID: s.cognito.clientId,
    PGHOST: '127.0.0.1',
    PGPORT: String(s.dbPort),
  };
}

/**
 * The environment ECS would give the container: the image's ENV, the task definition's environment over
 * it, its secrets, then the stand-in-only names. Throws naming every variable the sandbox cannot fill.
 */
export function containerEnv(
  container: ContainerContract,
  image: ImageContract,
  s: StandIns,
  options: { port: number },
): Record<string, string> {
  const fills: Record<string, string> = {
    PORT: String(options.port),
    PGDATABASE: s.db.name,
    DATABASE_CA_FILE: s.caFile,
  };
  const deployTime = deployTimeValues(s);
  const secretIds: Record<SecretName, string> = { database: s.dbSecretId, app: s.appSecretId };
  const unknown: string[] = [];
  const env: Record<string, string> = {};
  const literal = (name: string, value: string) => {
    env[name] = name in SANDBOX_LITERALS ? fills[name]! : value;
  };
  for (const [name, value] of Object.entries(image.environment)) literal(name, value);
  for (const [name, value] of Object.entries(container.environment)) {
    if (value !== null) literal(name, value);
    else if (container.secretIds[name]) env[name] = secretIds[container.secretIds[name]];
    else if (name in deployTime) env[name] = deployTime[name]!;
    else unknown.push(name);
  }
  for (const [name, ref] of Object.entries(container.secrets)) {
    const source: Record<string, string | number> = ref.secret === 'database' ? s.dbSecret : s.appSecret;
    const value = source[ref.key];
    if (value === undefined) unknown.push(`${name} (${ref.secret} secret key ${ref.key})`);
    else env[name] = String(value);
  }
  if (unknown.length) {
    throw new Error(
      `the ${container.name} task definition sets ${unknown.join(', ')}, which the sandbox does not fill: give each a stand-in value in test/helpers/backend-contract.ts`,
    );
  }
  const standIn: Record<(typeof STAND_IN_ONLY)[number], string> = {
    AWS_ACCESS_KEY_ID: S3RVER_KEY,
    AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
    S3_ENDPOINT: s.s3Endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    COGNITO_ENDPOINT: s.cognito.endpoint,
    COGNITO_ISSUER: `${s.cognito.endpoint}/${s.cognito.userPoolId}`,
    SECRETS_ENDPOINT: s.secrets.endpoint,
  };
  for (const name of STAND_IN_ONLY) {
    if (name in env) throw new Error(`${name} is stand-in only, yet the ${container.name} container sets it`);
  }
  return { ...env, ...standIn };
}

export type RunningContainer = BackendProcess;

/** Runs the container's entry from source (tsx) in examples/backend with exactly `env` (and PATH). */
export function runContainer(container: ContainerContract, env: Record<string, string>): RunningContainer {
  return startBackendProcess(['--import', import.meta.resolve('tsx'), container.entry], {
    name: container.name,
    cwd: BACKEND_DIR,
    env,
  });
}
