/**
 * `supa2aws config from-stack`: fold what `cdk deploy --outputs-file` wrote into the config file. The file
 * is read and written raw (its `${ENV}` references stay references); only the fields the outputs
 * determine change, everything else is kept.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { schemaReference } from './init-config.ts';
import { everyVariableSet, parseConfig, type ConfigProblem } from './load.ts';
import { expandMissing } from './required-fields.ts';
import {
  accountOfArn,
  appRoleReference,
  dbSecretCommands,
  migrateUserReference,
  TARGET_DB_PASSWORD_ENV,
  type EnvReference,
} from '../core/config/secret-refs.ts';
import { OUTPUT_KEYS } from '../core/stack-outputs/output-keys.ts';
import {
  configFromStackOutputs,
  stackOutputsSummary,
  StackOutputsError,
  type ConfigFromOutputsOptions,
  type StackOutputs,
} from '../core/stack-outputs/config-from-outputs.ts';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep merge: objects merge key by key, anything else in `over` replaces what `base` had. */
function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isObject(value) && isObject(out[key]) ? deepMerge(out[key] as Json, value) : value;
  }
  return out;
}

export interface FromStackResult {
  /** The config file, absolute. */
  file: string;
  written: boolean;
  /** Whether the file is new ("created") or was there and was merged into ("updated"). */
  created: boolean;
  /** The merged raw config. */
  config: Json;
  /** Outputs that are not config fields but worth knowing (secret ARNs, URLs). */
  summary: Record<string, string>;
  /** Every required field still missing or invalid, one by one (usually the source side on a new file). */
  problems: ConfigProblem[];
  /** The AWS account and region the stacks are in (the account from the outputs' ARNs). */
  account: string | undefined;
  region: string | undefined;
  /** How to supply the RDS master password, when the config reads it from the environment. */
  env: EnvReference[];
}

export function configFromStack(options: {
  outputsFile: string;
  configFile: string;
  dryRun?: boolean;
  outputs?: ConfigFromOutputsOptions;
}): FromStackResult {
  let outputs: StackOutputs;
  try {
    outputs = JSON.parse(readFileSync(options.outputsFile, 'utf8')) as StackOutputs;
  } catch (error) {
    throw new ConfigError(
      'STACK_OUTPUTS_UNREADABLE',
      `cannot read ${options.outputsFile}: ${(error as Error).message}`,
      {
        exit: 'usage',
        hint: 'Write it with `npx cdk deploy --all --outputs-file outputs.json` in infra/.',
      },
    );
  }
  let partial: Json;
  let summary: Record<string, string>;
  try {
    partial = configFromStackOutputs(outputs, options.outputs ?? {}) as Json;
    summary = stackOutputsSummary(outputs, options.outputs ?? {});
  } catch (error) {
    if (error instanceof StackOutputsError) {
      throw new ConfigError(error.code, error.message, {
        exit: 'usage',
        hint: 'Pass --stack-prefix to pick one app’s stacks, or deploy the stacks again with --outputs-file.',
      });
    }
    throw error;
  }
  const file = path.resolve(options.configFile);
  const created = !existsSync(file);
  const existing: Json = created ? { $schema: schemaReference(file), version: 1 } : readExisting(file);
  const config = deepMerge(existing, partial);
  // Check the shape only: ${ENV} references need not be set to write the file.
  const { errors } = parseConfig(config, everyVariableSet());
  if (!options.dryRun) writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  const region = (partial as { target?: { region?: string } }).target?.region;
  const secretArn = summary[OUTPUT_KEYS.dbSecretArn];
  const dbUrl = (config as { target?: { db?: { url?: unknown } } }).target?.db?.url;
  const readsPassword = typeof dbUrl === 'string' && dbUrl.includes(`\${${TARGET_DB_PASSWORD_ENV}}`);
  const refs: EnvReference[] =
    secretArn && readsPassword
      ? [
          {
            name: TARGET_DB_PASSWORD_ENV,
            field: 'target.db.url',
            how: `the "password" of the RDS master secret: ${dbSecretCommands(secretArn, region).show}`,
            command: dbSecretCommands(secretArn, region).exportPassword,
          },
        ]
      : [];
  const migrateArn = summary[OUTPUT_KEYS.dbMigrateUserSecretArn];
  const auth = (config as { auth?: { migrateRolePassword?: unknown } }).auth;
  if (
    migrateArn &&
    typeof auth?.migrateRolePassword === 'string' &&
    auth.migrateRolePassword.startsWith('${')
  )
    refs.push(migrateUserReference(migrateArn, region));
  const appArn = summary[OUTPUT_KEYS.dbAppSecretArn];
  const appRole = (config as { db?: { appRole?: { password?: unknown } } }).db?.appRole;
  if (appArn && typeof appRole?.password === 'string' && appRole.password.startsWith('${'))
    refs.push(appRoleReference(appArn, region));
  return {
    file,
    written: !options.dryRun,
    created,
    config,
    summary,
    problems: expandMissing(errors),
    account: accountOf(summary),
    region,
    env: refs,
  };
}

function readExisting(file: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('CONFIG_NOT_JSON', `${file} is not valid JSON: ${(error as Error).message}`, {
      exit: 'usage',
      hint: "Fix the JSON syntax, or pass --file <new.json> to write the stacks' values to a new file.",
    });
  }
  if (!isObject(parsed)) {
    throw new ConfigError('CONFIG_NOT_OBJECT', `${file} does not hold a JSON object`, {
      exit: 'usage',
      hint: 'A supa2aws config is one object ({ "version": 1, ... }); pass --file <new.json> to start a new one.',
    });
  }
  return parsed;
}

/** The account the stacks are in: from any ARN among the outputs, or the ECR repository's host. */
function accountOf(summary: Record<string, string>): string | undefined {
  for (const value of Object.values(summary)) {
    const account = accountOfArn(value) ?? /^(\d{12})\.dkr\.ecr\./.exec(value)?.[1];
    if (account) return account;
  }
  return undefined;
}
