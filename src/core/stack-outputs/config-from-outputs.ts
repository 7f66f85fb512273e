/**
 * `cdk deploy --outputs-file outputs.json` → the part of a supa2aws config the stacks know
 * (src/core/config/schema.ts): target region, S3, Cognito, the database URL with its password left to
 * an environment variable, and the bucket mapping. Pure and free of CDK imports, so the CLI
 * (`supa2aws config from-stack outputs.json`) can load it without aws-cdk-lib.
 */
import { OUTPUT_KEYS } from './output-keys.ts';

/** `{ "<StackName>": { "<OutputKey>": "<value>" } }`, as the CDK CLI writes it. */
export type StackOutputs = Record<string, Record<string, string>>;

/** The environment variable the generated `target.db.url` reads the master password from. */
export const TARGET_DB_PASSWORD_ENV = 'SUPA2AWS_TARGET_DB_PASSWORD';

/** The environment variable `auth.migrateRolePassword` reads the migrate-user role's password from. */
export const MIGRATE_USER_PASSWORD_ENV = 'SUPA2AWS_MIGRATE_USER_PASSWORD';

/** The environment variable `db.appRole.password` reads the app role's password from. */
export const APP_DB_PASSWORD_ENV = 'SUPA2AWS_APP_DB_PASSWORD';

export interface ConfigFromOutputsOptions {
  /** Only read stacks whose name starts with `<prefix>-` (several apps in one file). @default every stack */
  stackPrefix?: string;
  /** Supabase bucket ids of the three app buckets. @default { videos: 'videos', images: 'images', assetImages: 'asset-images' } */
  sourceBuckets?: { videos?: string; images?: string; assetImages?: string };
  /** @default TARGET_DB_PASSWORD_ENV */
  dbPasswordEnv?: string;
}

/** A partial supa2aws config: only the fields the outputs determine. Deep-merge it over an existing config. */
export interface ConfigFromOutputs {
  target?: {
    region?: string;
    db?: { url: string };
    s3?: { region: string; publicBaseUrl?: string };
    cognito?: { region: string; userPoolId: string; clientId: string };
  };
  storage?: {
    buckets: Record<string, { target: string; access: 'private' | 'public-read'; publicBaseUrl?: string }>;
  };
  auth?: { migrateRolePassword: string };
  db?: { appRole: { password: string } };
}

/** The same output key holds different values in two stacks: which one to use cannot be guessed. */
export class StackOutputsError extends Error {
  constructor(
    readonly code: 'STACK_OUTPUTS_INVALID' | 'STACK_OUTPUTS_AMBIGUOUS' | 'STACK_OUTPUTS_EMPTY',
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'StackOutputsError';
  }
}

/** Every output of the file's stacks (those of `options.stackPrefix`), by key; the same key with two values is ambiguous. */
export function collectOutputs(
  outputs: StackOutputs,
  options: Pick<ConfigFromOutputsOptions, 'stackPrefix'> = {},
): Map<string, string> {
  if (!outputs || typeof outputs !== 'object' || Array.isArray(outputs)) {
    throw new StackOutputsError(
      'STACK_OUTPUTS_INVALID',
      `the outputs file is ${Array.isArray(outputs) ? 'an array' : typeof outputs}; expected { "<StackName>": { "<OutputKey>": "<value>" } }`,
      'Write it with: cd infra && npx cdk deploy --all --outputs-file ../outputs.json',
    );
  }
  const values = new Map<string, string>();
  const from = new Map<string, string>();
  const stacks = Object.keys(outputs)
    .filter((name) => !options.stackPrefix || name.startsWith(`${options.stackPrefix}-`))
    .sort();
  for (const stack of stacks) {
    const entries = outputs[stack];
    if (!entries || typeof entries !== 'object') continue;
    for (const [key, value] of Object.entries(entries)) {
      if (typeof value !== 'string' || value === '') continue;
      const seen = values.get(key);
      if (seen !== undefined && seen !== value) {
        throw new StackOutputsError(
          'STACK_OUTPUTS_AMBIGUOUS',
          `output ${key} is ${JSON.stringify(seen)} in ${from.get(key)} but ${JSON.stringify(value)} in ${stack}`,
          'The file holds more than one deployment: pass the stack prefix (e.g. --stack-prefix Aiuteur).',
        );
      }
      values.set(key, value);
      from.set(key, stack);
    }
  }
  return values;
}

/** Maps the stacks' outputs to a partial config; fields whose outputs are missing are left out. */
export function configFromStackOutputs(
  outputs: StackOutputs,
  options: ConfigFromOutputsOptions = {},
): ConfigFromOutputs {
  const o = collectOutputs(outputs, options);
  const get = (key: string) => o.get(key);
  const region = get(OUTPUT_KEYS.region);
  const config: ConfigFromOutputs = {};
  const target: NonNullable<ConfigFromOutputs['target']> = {};

  if (region) target.region = region;

  const host = get(OUTPUT_KEYS.dbEndpoint);
  if (host) {
    const user = encodeURIComponent(get(OUTPUT_KEYS.dbUsername) ?? 'postgres');
    const port = get(OUTPUT_KEYS.dbPort) ?? '5432';
    const db = encodeURIComponent(get(OUTPUT_KEYS.dbName) ?? 'postgres');
    const passwordEnv = options.dbPasswordEnv ?? TARGET_DB_PASSWORD_ENV;
    // The password stays in Secrets Manager (DbSecretArn); the config reads it from the environment.
    target.db = { url: `postgresql://${user}:\${${passwordEnv}}@${host}:${port}/${db}?sslmode=verify-full` };
  }

  const videos = get(OUTPUT_KEYS.videosBucket);
  const images = get(OUTPUT_KEYS.imagesBucket);
  const assetImages = get(OUTPUT_KEYS.assetImagesBucket);
  if (videos || images || assetImages) {
    target.s3 = { region: region ?? 'us-east-1' };
    const ids = { videos: 'videos', images: 'images', assetImages: 'asset-images', ...options.sourceBuckets };
    const buckets: NonNullable<ConfigFromOutputs['storage']>['buckets'] = {};
    if (videos) buckets[ids.videos] = { target: videos, access: 'private' };
    const publicBucket = (name: string | undefined, id: string, urlKey: string) => {
      if (!name) return;
      const publicBaseUrl = get(urlKey);
      buckets[id] = { target: name, access: 'public-read', ...(publicBaseUrl ? { publicBaseUrl } : {}) };
    };
    publicBucket(images, ids.images, OUTPUT_KEYS.imagesPublicBaseUrl);
    publicBucket(assetImages, ids.assetImages, OUTPUT_KEYS.assetImagesPublicBaseUrl);
    config.storage = { buckets };
  }

  const userPoolId = get(OUTPUT_KEYS.userPoolId);
  const clientId = get(OUTPUT_KEYS.userPoolClientId);
  if (userPoolId && clientId) {
    // A pool ID starts with its region (us-east-1_AbCdEf123), which also covers a file without Region.
    target.cognito = { region: region ?? userPoolId.split('_')[0]!, userPoolId, clientId };
  }

  // The stacks made the migrate-user role's secret (DbMigrateUserSecretArn): `auth export` sets that password.
  if (get(OUTPUT_KEYS.dbMigrateUserSecretArn)) {
    config.auth = { migrateRolePassword: `\${${MIGRATE_USER_PASSWORD_ENV}}` };
  }

  // The stacks made the app role's secret (DbAppSecretArn), which the tasks log in with: `db app-role` sets that password.
  if (get(OUTPUT_KEYS.dbAppSecretArn)) {
    config.db = { appRole: { password: `\${${APP_DB_PASSWORD_ENV}}` } };
  }

  if (Object.keys(target).length > 0) config.target = target;
  if (!config.target && !config.storage) {
    throw new StackOutputsError(
      'STACK_OUTPUTS_EMPTY',
      `none of the outputs supa2aws reads are in the file (stacks seen: ${Object.keys(outputs).join(', ') || 'none'})`,
      'Deploy the stacks with --outputs-file: cd infra && npx cdk deploy --all --outputs-file ../outputs.json',
    );
  }
  return config;
}

/**
 * What the outputs say beyond the config, for the command to print: where the DB password is, the URLs
 * to put into the front end's build.
 */
export function stackOutputsSummary(
  outputs: StackOutputs,
  options: ConfigFromOutputsOptions = {},
): Record<string, string> {
  const o = collectOutputs(outputs, options);
  const keys = [
    OUTPUT_KEYS.dbSecretArn,
    OUTPUT_KEYS.dbAppSecretArn,
    OUTPUT_KEYS.dbMigrateUserSecretArn,
    OUTPUT_KEYS.albUrl,
    OUTPUT_KEYS.cloudFrontUrl,
    OUTPUT_KEYS.spaBucketName,
    OUTPUT_KEYS.distributionId,
    OUTPUT_KEYS.ecrRepositoryUri,
    OUTPUT_KEYS.appSecretArn,
    OUTPUT_KEYS.cognitoIssuer,
    OUTPUT_KEYS.userPoolDomainUrl,
    OUTPUT_KEYS.migrateUserFunctionName,
  ];
  return Object.fromEntries(keys.flatMap((k) => (o.has(k) ? [[k, o.get(k)!]] : [])));
}
