/**
 * `supa2aws init`: a starting supa2aws.config.json for a real project, from what the user has — the Supabase
 * project ref or URL, the AWS region, bucket names, and the stacks' `outputs.json` when they are deployed.
 * Real endpoints only (no loopback, no s3rver); TLS as the connection layer wants it (`sslmode=require` to
 * Supabase, `verify-full` to RDS with the shipped CA bundle); every secret a `${ENV}` reference, listed with
 * where to get it. Comments are `"//"` keys (comments.ts), so the file stays plain JSON.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkRegionName, resolveAwsContext } from '../core/aws/aws-context.ts';
import { ConfigError } from '../core/errors.ts';
import {
  configFromStackOutputs,
  stackOutputsSummary,
  StackOutputsError,
  type StackOutputs,
} from '../core/stack-outputs/config-from-outputs.ts';
import { OUTPUT_KEYS } from '../core/stack-outputs/output-keys.ts';
import { COMMENT_KEY, CONFIG_SCHEMA_FILE } from '../core/config/comments.ts';
import { everyVariableSet, parseConfig, type ConfigProblem } from './load.ts';
import {
  envReferences,
  SOURCE_DB_PASSWORD_ENV,
  SOURCE_S3_ACCESS_KEY_ENV,
  SOURCE_S3_SECRET_ENV,
  TARGET_DB_HOST_ENV,
  TARGET_DB_PASSWORD_ENV,
  type EnvReference,
} from '../core/config/secret-refs.ts';

/** When nothing names a region: the AWS CLI has no default; supa2aws starts from this one. */
export const FALLBACK_REGION = 'eu-west-1';

export interface InitConfigOptions {
  /** The config file to write. @default 'supa2aws.config.json' */
  file?: string;
  /** @default process.cwd() */
  cwd?: string;
  /** The Supabase project ref (the `<ref>` in https://<ref>.supabase.co). */
  projectRef?: string;
  /** The Supabase project URL; its ref is taken from it when it is `https://<ref>.supabase.co`. */
  projectUrl?: string;
  /** The Supabase database URL, for a pooler or a custom host; its password becomes `${SUPABASE_DB_PASSWORD}`. @default the direct host db.<ref>.supabase.co */
  sourceDbUrl?: string;
  /** The Supabase project's region (Storage's S3 gateway signs with it). @default the AWS region */
  supabaseRegion?: string;
  /** `--region`; then AWS_REGION, AWS_DEFAULT_REGION, the profile's region. @default FALLBACK_REGION */
  region?: string;
  /** Where `region` came from when not the `--region` flag (an answer at the prompt). @default '--region' */
  regionFrom?: string;
  /** `--profile`. */
  profile?: string;
  /** Source bucket ids, each `id` or `id=target-bucket`; public ones with `:public` (`images=my-images:public`). */
  buckets?: string[];
  /** `cdk deploy --outputs-file` output: target region, RDS endpoint, buckets, user pool. */
  fromStack?: string;
  /** Only stacks named `<prefix>-*` in the outputs file. */
  stackPrefix?: string;
  /** The RDS endpoint, when there is no outputs file yet. @default `${SUPA2AWS_TARGET_DB_HOST}` */
  targetDbHost?: string;
  userPoolId?: string;
  clientId?: string;
  /** Replace an existing file. @default false */
  force?: boolean;
  /** Return the file without writing it. @default false */
  dryRun?: boolean;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
}

export interface InitConfigResult {
  file: string;
  written: boolean;
  /** The file's content, as written (or as it would be). */
  text: string;
  config: Record<string, unknown>;
  projectRef: string | undefined;
  region: string;
  regionFrom: string;
  /** Every `${ENV}` the file references, with how to fill it. */
  env: EnvReference[];
  /** Fields that are not valid yet, `${ENV}` references aside (they are listed in `env`). */
  problems: ConfigProblem[];
  /** What to check by hand: guesses init made. */
  notes: string[];
}

const REF_PATTERN = /^[a-z0-9]{8,40}$/;
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function usage(code: string, message: string, hint: string, details: Record<string, unknown> = {}) {
  return new ConfigError(code, message, { exit: 'usage', hint, details });
}

function sourceProject(options: InitConfigOptions): { ref: string | undefined; url: string } {
  const fromUrl = options.projectUrl
    ? /^https:\/\/([a-z0-9]+)\.supabase\.co\/?$/.exec(options.projectUrl)?.[1]
    : undefined;
  if (options.projectUrl && !URL.canParse(options.projectUrl)) {
    throw usage(
      'INIT_BAD_PROJECT_URL',
      `--project-url ${JSON.stringify(options.projectUrl)} is not a URL`,
      'Pass the Project URL from the Supabase dashboard (Project Settings → API), e.g. https://abcdefghijklmnopqrst.supabase.co.',
    );
  }
  const ref = options.projectRef ?? fromUrl;
  if (ref !== undefined && !REF_PATTERN.test(ref)) {
    throw usage(
      'INIT_BAD_PROJECT_REF',
      `the project ref ${JSON.stringify(ref)} is not a Supabase project ref (lower-case letters and digits)`,
      'Copy it from the dashboard URL https://supabase.com/dashboard/project/<ref> or Project Settings → General.',
    );
  }
  if (fromUrl && options.projectRef && fromUrl !== options.projectRef) {
    throw usage(
      'INIT_PROJECT_CONFLICT',
      `--project-ref ${options.projectRef} and --project-url ${options.projectUrl} name different projects`,
      'Pass one of them, or both for the same project.',
    );
  }
  if (!ref && !options.projectUrl) {
    throw usage(
      'INIT_SOURCE_MISSING',
      'init needs the Supabase project: --project-ref or --project-url',
      'Run `supa2aws init --project-ref <ref> --region <aws-region>` (the ref is in the dashboard URL https://supabase.com/dashboard/project/<ref>), or run init on a terminal to be asked.',
    );
  }
  const url = options.projectUrl?.replace(/\/+$/, '') ?? `https://${ref}.supabase.co`;
  return { ref, url };
}

/** The Supabase database URL with its password, if any, replaced by the `${SUPABASE_DB_PASSWORD}` reference. */
function sourceDbUrl(options: InitConfigOptions, ref: string | undefined): string {
  if (!options.sourceDbUrl) {
    if (!ref) {
      throw usage(
        'INIT_SOURCE_DB_MISSING',
        'the project URL is not https://<ref>.supabase.co, so the database host cannot be derived',
        'Pass --project-ref <ref> too, or --source-db-url with the connection string from the dashboard (Connect → Session pooler).',
      );
    }
    return `postgresql://postgres:\${${SOURCE_DB_PASSWORD_ENV}}@db.${ref}.supabase.co:5432/postgres?sslmode=require`;
  }
  let url: URL;
  try {
    url = new URL(options.sourceDbUrl);
  } catch {
    throw usage(
      'INIT_BAD_SOURCE_DB_URL',
      '--source-db-url is not a connection string',
      'Pass it as postgresql://<user>@<host>:<port>/<database>; the password goes into SUPABASE_DB_PASSWORD, not the URL.',
    );
  }
  if (!/^postgres(ql)?:$/.test(url.protocol)) {
    throw usage(
      'INIT_BAD_SOURCE_DB_URL',
      `--source-db-url uses ${url.protocol.replace(/:$/, '')}://, not postgresql://`,
      'Copy the URI form from the Supabase dashboard (Connect).',
    );
  }
  if (!url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'require');
  const user = url.username || 'postgres';
  const query = url.search;
  return `postgresql://${user}:\${${SOURCE_DB_PASSWORD_ENV}}@${url.host}${url.pathname === '/' || url.pathname === '' ? '/postgres' : url.pathname}${query}`;
}

interface BucketSpec {
  id: string;
  target: string;
  access: 'private' | 'public-read';
}

function parseBucket(spec: string, ref: string | undefined): BucketSpec {
  const match = /^([^=:]+)(?:=([^:]+))?(?::(public|private))?$/.exec(spec.trim());
  const id = match?.[1]?.trim();
  if (!match || !id) {
    throw usage(
      'INIT_BAD_BUCKET',
      `--bucket ${JSON.stringify(spec)} is not <id>[=<target-bucket>][:public]`,
      'E.g. --bucket videos --bucket images=acme-images:public',
    );
  }
  const target = (match[2]?.trim() ?? `${ref ? `${ref}-` : ''}${id}`)
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-');
  if (!BUCKET_PATTERN.test(target)) {
    throw usage(
      'INIT_BAD_BUCKET',
      `the target bucket name ${JSON.stringify(target)} (for ${id}) is not a valid S3 bucket name`,
      'S3 bucket names are 3–63 lower-case letters, digits, dots and hyphens; name it: --bucket <id>=<target-bucket>.',
    );
  }
  return { id, target, access: match[3] === 'public' ? 'public-read' : 'private' };
}

function readOutputs(file: string, cwd: string): StackOutputs {
  try {
    return JSON.parse(readFileSync(path.resolve(cwd, file), 'utf8')) as StackOutputs;
  } catch (error) {
    throw usage(
      'STACK_OUTPUTS_UNREADABLE',
      `cannot read ${file}: ${(error as Error).message}`,
      'Write it with `npx cdk deploy --all --outputs-file outputs.json` in infra/.',
    );
  }
}

/** The JSON Schema of the supa2aws that writes the file, relative to it (./node_modules/supa2aws/schema/… in a project). */
export function schemaReference(configFile: string): string {
  const relative = path.relative(path.dirname(configFile), CONFIG_SCHEMA_FILE).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

/** The config `init` writes, with its comments, before any file is touched. */
export function buildInitConfig(options: InitConfigOptions): InitConfigResult {
  const cwd = options.cwd ?? process.cwd();
  const file = path.resolve(cwd, options.file ?? 'supa2aws.config.json');
  const env = options.env ?? process.env;
  const { ref, url: projectUrl } = sourceProject(options);
  const notes: string[] = [];

  const aws = resolveAwsContext({
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    env,
  });
  let region = aws.region ?? FALLBACK_REGION;
  let regionFrom =
    (options.region && options.regionFrom) || aws.regionFrom || `supa2aws's default (${FALLBACK_REGION})`;

  let stack: ReturnType<typeof configFromStackOutputs> = {};
  let summary: Record<string, string> = {};
  if (options.fromStack) {
    const outputs = readOutputs(options.fromStack, cwd);
    const pick = options.stackPrefix ? { stackPrefix: options.stackPrefix } : {};
    try {
      stack = configFromStackOutputs(outputs, pick);
      summary = stackOutputsSummary(outputs, pick);
    } catch (error) {
      if (!(error instanceof StackOutputsError)) throw error;
      throw usage(error.code, error.message, error.hint);
    }
    const stackRegion = stack.target?.region;
    if (stackRegion && stackRegion !== region) {
      if (aws.region)
        notes.push(
          `the stacks are in ${stackRegion}, not ${region} (from ${regionFrom}): the config uses ${stackRegion}`,
        );
      region = stackRegion;
      regionFrom = `${options.fromStack} (Region output)`;
    }
  }
  const supabaseRegion = options.supabaseRegion
    ? checkRegionName(options.supabaseRegion, '--supabase-region')
    : region;
  if (!options.supabaseRegion) {
    notes.push(
      `source.storage.region is ${supabaseRegion}: set it to the Supabase project's region (Project Settings → General) if it differs`,
    );
  }

  const buckets = (options.buckets ?? []).map((spec) => parseBucket(spec, ref));
  const stackBuckets = stack.storage?.buckets ?? {};
  const bucketMap: Record<string, unknown> = { ...stackBuckets };
  for (const b of buckets) bucketMap[b.id] = { target: b.target, access: b.access };
  if (Object.keys(bucketMap).length === 0) {
    notes.push(
      'no buckets mapped: add each Supabase bucket id under storage.buckets (or pass --bucket <id>)',
    );
  }

  const targetHostFromEnv = !stack.target?.db && !options.targetDbHost;
  const targetDbUrl =
    stack.target?.db?.url ??
    `postgresql://postgres:\${${TARGET_DB_PASSWORD_ENV}}@${options.targetDbHost ?? `\${${TARGET_DB_HOST_ENV}}`}:5432/postgres?sslmode=verify-full`;
  const cognito =
    stack.target?.cognito ??
    (options.userPoolId && options.clientId
      ? { userPoolId: options.userPoolId, clientId: options.clientId }
      : undefined);
  if (!cognito)
    notes.push(
      'target.cognito is not set: `supa2aws config from-stack outputs.json` fills it after the auth stack is deployed',
    );

  const refs = envReferences({
    ...(ref ? { projectRef: ref } : {}),
    targetHostFromEnv,
    ...(summary[OUTPUT_KEYS.dbSecretArn] ? { dbSecretArn: summary[OUTPUT_KEYS.dbSecretArn] } : {}),
    ...(summary[OUTPUT_KEYS.dbMigrateUserSecretArn]
      ? { migrateUserSecretArn: summary[OUTPUT_KEYS.dbMigrateUserSecretArn] }
      : {}),
    ...(summary[OUTPUT_KEYS.dbAppSecretArn] ? { appSecretArn: summary[OUTPUT_KEYS.dbAppSecretArn] } : {}),
    region,
  });

  const config: Record<string, unknown> = {
    $schema: schemaReference(file),
    [COMMENT_KEY]: [
      'Written by `supa2aws init`. Secrets are ${ENV} references: set them in the environment or in a .env beside this file (chmod 600).',
      ...refs.map((r) => `${r.name}: ${r.how}`),
      'Check it with `supa2aws config validate`; `supa2aws config show` prints every value and where it came from.',
    ],
    version: 1,
    source: {
      [COMMENT_KEY]:
        'The Supabase project. sslmode=require: always TLS. To verify the server too, download its CA (Project Settings → Database → SSL configuration) and use sslmode=verify-full&sslrootcert=<file>.',
      projectUrl,
      db: {
        [COMMENT_KEY]:
          'The direct host needs IPv6 or the IPv4 add-on; otherwise use the Session pooler URI (Connect → Session pooler), with the password left as ${SUPABASE_DB_PASSWORD}.',
        url: sourceDbUrl(options, ref),
      },
      storage: {
        [COMMENT_KEY]: "Supabase Storage's S3 gateway, signed with the project's region.",
        endpoint: `${projectUrl}/storage/v1/s3`,
        region: supabaseRegion,
        accessKeyId: `\${${SOURCE_S3_ACCESS_KEY_ENV}}`,
        secretAccessKey: `\${${SOURCE_S3_SECRET_ENV}}`,
        forcePathStyle: true,
      },
    },
    target: {
      [COMMENT_KEY]:
        "AWS. --region, AWS_REGION, AWS_DEFAULT_REGION and the profile's region override target.region; credentials come from --profile / AWS_PROFILE or the default chain.",
      region,
      db: {
        [COMMENT_KEY]:
          'RDS, verify-full: *.rds.amazonaws.com hosts are checked against the RDS CA bundle shipped with supa2aws.',
        url: targetDbUrl,
      },
      s3: {
        [COMMENT_KEY]: 'Amazon S3 in target.region, with the AWS credentials above.',
        ...stack.target?.s3,
      },
      ...(cognito ? { cognito } : {}),
    },
    storage: { buckets: bucketMap },
    ...(stack.auth ? { auth: stack.auth } : {}),
    ...(stack.db ? { db: stack.db } : {}),
  };

  // Check the shape only: ${ENV} references are listed in `env`, they need not be set yet.
  const { errors } = parseConfig(config, everyVariableSet());
  return {
    file,
    written: false,
    text: `${JSON.stringify(config, null, 2)}\n`,
    config,
    projectRef: ref,
    region,
    regionFrom,
    env: refs,
    problems: errors,
    notes,
  };
}

/** Builds the config and writes it; an existing file is replaced only with `force`. */
export function initConfig(options: InitConfigOptions): InitConfigResult {
  const result = buildInitConfig(options);
  if (options.dryRun) return result;
  if (existsSync(result.file) && !options.force) {
    throw usage(
      'INIT_FILE_EXISTS',
      `${result.file} already exists; init does not overwrite it`,
      'Pass --force to replace it, --file <other.json> to write elsewhere, or --dry-run to print the file; `supa2aws config from-stack outputs.json` updates an existing config instead.',
      { file: result.file },
    );
  }
  mkdirSync(path.dirname(result.file), { recursive: true });
  writeFileSync(result.file, result.text);
  return { ...result, written: true };
}
