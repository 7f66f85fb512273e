import { inspect } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../errors/index.ts';
import { SecretsErrorCode, secretsError } from './errors.ts';

/** The one call this module makes; a SecretsManagerClient fits, tests may hand in another. */
export interface SecretsClient {
  send(
    command: GetSecretValueCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<{
    ARN?: string;
    Name?: string;
    VersionId?: string;
    SecretString?: string;
    SecretBinary?: Uint8Array;
  }>;
}

export interface LoadSecretsOptions {
  /** Name or ARN of a secret whose value is a JSON object, e.g. `{"DATABASE_URL": "...", "GOOGLE_API_KEY": "..."}`. */
  secretId: string;
  /** @default process.env.AWS_REGION, then AWS_DEFAULT_REGION */
  region?: string;
  /** Endpoint override for a local stand-in (`http://127.0.0.1:4566`). @default AWS */
  endpoint?: string;
  /** Static credentials (a local stand-in). @default the AWS default chain (ECS task role on Fargate) */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** A ready client; region, endpoint and credentials are then ignored. */
  client?: SecretsClient;
  /** @default 'AWSCURRENT' */
  versionStage?: string;
  /**
   * Write the values into `env` (process.env by default) so the rest of the config reads them as env vars.
   * @default false
   */
  mergeIntoEnv?: boolean;
  /** Where to merge. @default process.env */
  env?: Record<string, string | undefined>;
  /** Replace variables already set in `env`; off, an explicitly set variable wins over the secret. @default false */
  overwrite?: boolean;
  /** Give up after this long (boot must fail fast, not hang), in ms. @default 10000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface LoadedSecrets {
  secretId: string;
  arn: string | undefined;
  versionId: string | undefined;
  /** The secret's keys with string values (numbers and booleans as text, objects as JSON). Masked in JSON and inspect. */
  values: Readonly<Record<string, string>>;
  /** Keys written into env. */
  applied: string[];
  /** Keys left as they were because env already had them (overwrite off). */
  kept: string[];
}

/** A plain object whose values never reach JSON.stringify or util.inspect (keys do, values are masked). */
function maskedRecord(values: Record<string, string>): Readonly<Record<string, string>> {
  const masked = () => Object.fromEntries(Object.keys(values).map((k) => [k, '***']));
  Object.defineProperty(values, 'toJSON', { value: masked, enumerable: false });
  Object.defineProperty(values, inspect.custom, { value: () => masked(), enumerable: false });
  return Object.freeze(values);
}

function notJson(secretId: string, why: string): ConfigError {
  return new ConfigError(
    SecretsErrorCode.notJson,
    `secret ${JSON.stringify(secretId)} is not a JSON object (${why})`,
    {
      hint: 'Store the config as key/value pairs: aws secretsmanager put-secret-value --secret-id <id> --secret-string \'{"DATABASE_URL":"..."}\'',
      details: { secretId },
    },
  );
}

/** Parses the secret without ever quoting it (JSON.parse's message would show its first characters). */
function parseSecret(secretId: string, text: string | undefined): Record<string, string> {
  if (text === undefined) throw notJson(secretId, 'it has no value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw notJson(secretId, `${text.length} characters that do not parse as JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw notJson(
      secretId,
      `it is ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`}`,
    );
  }
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (value === null || value === undefined) continue;
    values[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return values;
}

/**
 * Loads a Secrets Manager JSON secret at boot: one GetSecretValue call, failing fast with a coded
 * ConfigError and a hint (missing secret, access denied, not JSON, unreachable). Optionally merges the
 * values into process.env, leaving explicitly set variables alone unless `overwrite`.
 * IAM: secretsmanager:GetSecretValue on the secret (+ kms:Decrypt for a customer-managed key).
 */
export async function loadSecrets(options: LoadSecretsOptions): Promise<LoadedSecrets> {
  const { secretId } = options;
  if (!secretId) {
    throw new ConfigError(
      SecretsErrorCode.options,
      'loadSecrets needs a secretId (name or ARN); got nothing',
      {
        exit: 'usage',
        hint: 'Set SECRETS_ID to the secret name, e.g. aiuteur/backend.',
      },
    );
  }
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!options.client && !region) {
    throw new ConfigError(
      SecretsErrorCode.options,
      `no region to read secret ${JSON.stringify(secretId)} from`,
      {
        exit: 'usage',
        hint: 'Set AWS_REGION (ECS sets it on Fargate tasks), or pass region.',
      },
    );
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const ownClient = options.client
    ? undefined
    : new SecretsManagerClient({
        region,
        maxAttempts: 3,
        requestHandler: { connectionTimeout: Math.min(timeoutMs, 3_000), requestTimeout: timeoutMs },
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      });
  const client: SecretsClient = options.client ?? (ownClient as SecretsClient);
  const timeout = AbortSignal.timeout(timeoutMs);
  const abortSignal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let output: Awaited<ReturnType<SecretsClient['send']>>;
  try {
    output = await client.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionStage: options.versionStage ?? 'AWSCURRENT' }),
      { abortSignal },
    );
  } catch (error) {
    throw secretsError(error, secretId, region ?? 'the client region');
  } finally {
    ownClient?.destroy();
  }
  const text =
    output.SecretString ??
    (output.SecretBinary ? Buffer.from(output.SecretBinary).toString('utf8') : undefined);
  const values = parseSecret(secretId, text);

  const applied: string[] = [];
  const kept: string[] = [];
  if (options.mergeIntoEnv) {
    const env = options.env ?? process.env;
    for (const [key, value] of Object.entries(values)) {
      if (!options.overwrite && env[key] !== undefined && env[key] !== '') {
        kept.push(key);
      } else {
        env[key] = value;
        applied.push(key);
      }
    }
  }
  return {
    secretId,
    arn: output.ARN,
    versionId: output.VersionId,
    values: maskedRecord(values),
    applied,
    kept,
  };
}
