import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { ZodIssue } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { redactText } from '../core/redact.ts';
import { resolveAwsContext, type AwsContext } from '../core/aws/aws-context.ts';
import { stripComments } from '../core/config/comments.ts';
import { configSchema, type Config } from './schema.ts';

export interface ConfigProblem {
  /** Dotted path of the field, e.g. `target.s3.region`. */
  field: string;
  /** What was found there (redacted), or `undefined` when missing. */
  seen: string | undefined;
  /** What is allowed. */
  expected: string;
}

export interface LoadedConfig {
  config: Config;
  /** Where it was read from. */
  file: string;
  warnings: ConfigProblem[];
  /** The AWS region and profile in force, and where each came from. */
  aws: AwsContext;
}

export interface LoadConfigOptions {
  /** Explicit path (`--config`). */
  file?: string;
  /** Directory to look in. @default process.cwd() */
  cwd?: string;
  /** Variables for `${VAR}` interpolation. @default process.env, over a `.env` beside the config */
  env?: Record<string, string | undefined>;
  /** `--region`: wins over AWS_REGION, the profile's region and target.region. */
  region?: string;
  /** `--profile`: wins over AWS_PROFILE. */
  profile?: string;
}

/** Where config is looked for, in order, when no `--config` is given. */
export const CONFIG_CANDIDATES = [
  'supa2aws.config.json',
  'supa2aws.config.ts',
  '.sandbox/supa2aws.config.json',
];

/**
 * The config file to use when no `--config` is given: SUPA2AWS_CONFIG, else the first candidate in `cwd`,
 * else the config of the sandbox named by SUPA2AWS_SANDBOX_DIR.
 */
export function findConfigFile(
  cwd: string,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  if (env.SUPA2AWS_CONFIG) return path.resolve(cwd, env.SUPA2AWS_CONFIG);
  const candidates = CONFIG_CANDIDATES.map((name) => path.resolve(cwd, name));
  if (env.SUPA2AWS_SANDBOX_DIR)
    candidates.push(path.resolve(cwd, env.SUPA2AWS_SANDBOX_DIR, 'supa2aws.config.json'));
  return candidates.find((file) => existsSync(file));
}

/** Fields whose values must come from the environment, never literally from the file. */
const SECRET_FIELDS = [/password/i, /secretAccessKey$/, /jwtSecret$/];

/** Reads a .env file as dotenv does (comments after values, quotes, `export`), with Node's own parser. */
export function parseDotenv(text: string): Record<string, string> {
  return parseEnv(text) as Record<string, string>;
}

/**
 * Passwords only one step uses (`db app-role`, `auth export`): when the variable a field names is not set, the
 * field is left out instead of failing every other command; that step then says what to set.
 */
const ONE_STEP_SECRETS = new Set(['db.appRole.password', 'auth.migrateRolePassword']);

/**
 * Replaces `${VAR}` in every string of `raw`; a missing variable is a problem at that field (or, for a
 * one-step secret that is nothing but the reference, leaves the field out). `$${X}` escapes to a literal `${X}`.
 */
export function interpolateEnv(
  raw: unknown,
  env: Record<string, string | undefined>,
  problems: ConfigProblem[],
  at: string[] = [],
): unknown {
  if (typeof raw === 'string') {
    const only = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(raw);
    if (only && env[only[1] as string] === undefined && ONE_STEP_SECRETS.has(at.join('.'))) return undefined;
    return raw.replace(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (match, name: string) => {
      if (match.startsWith('$$')) return match.slice(1);
      const value = env[name];
      if (value === undefined) {
        problems.push({
          field: at.join('.'),
          seen: match,
          expected: `environment variable ${name} to be set`,
        });
        return match;
      }
      return value;
    });
  }
  if (Array.isArray(raw))
    return raw.map((item, i) => interpolateEnv(item, env, problems, [...at, String(i)]));
  if (raw && typeof raw === 'object') {
    return Object.fromEntries(
      Object.entries(raw)
        .map(([key, value]) => [key, interpolateEnv(value, env, problems, [...at, key])])
        .filter(([, value]) => value !== undefined),
    );
  }
  return raw;
}

/**
 * A database URL whose password holds an unencoded `/ @ # ?` parses as another host (or not at all), and
 * the error then quotes part of the password. Checked after interpolation (a password from the environment
 * is pasted in as it is); the value is never quoted.
 */
function unencodedUrlProblems(config: unknown): ConfigProblem[] {
  const c = config as { source?: { db?: { url?: unknown } }; target?: { db?: { url?: unknown } } } | null;
  const urls: [string, unknown][] = [
    ['source.db.url', c?.source?.db?.url],
    ['target.db.url', c?.target?.db?.url],
  ];
  return urls.flatMap(([field, url]) => {
    if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) return [];
    const rest = url.slice(url.indexOf('://') + 3);
    const authorityEnd = rest.search(/[/?#]/);
    const stray = authorityEnd >= 0 && rest.slice(authorityEnd).includes('@');
    // Only a password can make it so: a URL that fails for another reason (a port out of range) is left to
    // the connection layer, which names that.
    const userinfo = rest.lastIndexOf('@') >= 0 ? rest.slice(0, rest.lastIndexOf('@')) : '';
    if (!stray && (URL.canParse(url) || !/[/?#]/.test(userinfo))) return [];
    return [
      {
        field,
        seen: '***',
        expected:
          'a connection string whose password percent-encodes / @ # ? % and : (as %2F %40 %23 %3F %25 %3A)',
      },
    ];
  });
}

/** Literal secrets in the file are allowed but warned about: they belong in the environment. */
export function literalSecretWarnings(raw: unknown, at: string[] = []): ConfigProblem[] {
  if (typeof raw === 'string') {
    const field = at.join('.');
    const literalPasswordInUrl = /^postgres(ql)?:\/\/[^:/@]+:(?!\$\{)[^@]+@/.test(raw);
    const literalSecret = SECRET_FIELDS.some((re) => re.test(field)) && !/^\$\{.+\}$/.test(raw);
    if (literalPasswordInUrl || literalSecret) {
      return [{ field, seen: '***', expected: 'a ${ENV_VAR} reference rather than a literal secret' }];
    }
    return [];
  }
  if (raw && typeof raw === 'object') {
    return Object.entries(raw).flatMap(([key, value]) =>
      literalSecretWarnings(value, Array.isArray(raw) ? [...at, key] : [...at, key]),
    );
  }
  return [];
}

function describeSeen(raw: unknown, issuePath: (string | number)[]): string | undefined {
  let node: unknown = raw;
  for (const key of issuePath) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[String(key)];
  }
  if (node === undefined) return undefined;
  const text = typeof node === 'string' ? JSON.stringify(node) : (JSON.stringify(node) ?? String(node));
  const field = issuePath.join('.');
  if (SECRET_FIELDS.some((re) => re.test(field))) return '***';
  return redactText(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function describeExpected(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.received === 'undefined' ? `a ${issue.expected} (required)` : `a ${issue.expected}`;
    case 'invalid_enum_value':
      return `one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
    case 'invalid_literal':
      return `exactly ${JSON.stringify(issue.expected)}`;
    case 'unrecognized_keys':
      return `no unknown keys (found ${issue.keys.map((k) => JSON.stringify(k)).join(', ')})`;
    default:
      return issue.message;
  }
}

/** Validates an already-read object (its `"//"` comments dropped): every problem is reported in one pass. */
export function parseConfig(
  file: unknown,
  env: Record<string, string | undefined> = process.env,
): { config?: Config; errors: ConfigProblem[]; warnings: ConfigProblem[] } {
  const raw = stripComments(file);
  const errors: ConfigProblem[] = [];
  const warnings = literalSecretWarnings(raw);
  const interpolated = interpolateEnv(raw, env, errors);
  errors.push(...unencodedUrlProblems(interpolated));
  const result = configSchema.safeParse(interpolated);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = issue.path.join('.') || '(root)';
      if (errors.some((e) => e.field === field)) continue;
      errors.push({ field, seen: describeSeen(raw, issue.path), expected: describeExpected(issue) });
    }
  }
  return errors.length === 0 && result.success
    ? { config: inheritRegion(result.data), errors, warnings }
    : { errors, warnings };
}

/**
 * An environment in which every `${VAR}` is set, to check a file's shape before its variables are: each
 * stands for a value that passes as a password (12 characters or more), a host or a key.
 */
export function everyVariableSet(): Record<string, string> {
  return new Proxy({}, { get: () => 'value-from-the-environment' }) as Record<string, string>;
}

/** `target.region` is the region of every AWS client that does not name its own. */
export function inheritRegion(config: Config): Config {
  const region = config.target.region;
  if (!region) return config;
  config.target.s3.region ??= region;
  if (config.target.cognito) config.target.cognito.region ??= region;
  return config;
}

export function formatProblems(problems: ConfigProblem[]): string {
  return problems
    .map(
      (p) => `  - ${p.field}: ${p.seen === undefined ? 'missing' : `got ${p.seen}`}; expected ${p.expected}`,
    )
    .join('\n');
}

async function readRaw(file: string): Promise<unknown> {
  if (statSync(file).isDirectory()) {
    throw new ConfigError('CONFIG_IS_DIRECTORY', `--config names a directory: ${file}`, {
      exit: 'usage',
      hint: `Pass the file itself, e.g. --config ${path.join(file, 'supa2aws.config.json')}.`,
    });
  }
  if (file.endsWith('.ts') || file.endsWith('.js') || file.endsWith('.mjs')) {
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    } catch (error) {
      throw new ConfigError('CONFIG_MODULE_FAILED', `${file} failed to load: ${(error as Error).message}`, {
        exit: 'usage',
        hint: `Fix the error in ${path.basename(file)} (run it with node to see where), or use a JSON config.`,
      });
    }
    return mod.default;
  }
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError('CONFIG_NOT_JSON', `${file} is not valid JSON: ${(error as Error).message}`, {
      exit: 'usage',
      hint: 'Fix the JSON syntax (a trailing comma or a missing quote is the usual cause).',
    });
  }
}

/** One problem that stops the config from loading, with its code and what to do. */
export interface ConfigIssue extends ConfigProblem {
  code: string;
  fix: string;
}

/** Everything known about the config, whatever its state: what `doctor` and `config validate` report. */
export interface ConfigInspection {
  /** The file found or named, even when it does not exist. */
  file?: string;
  /** Set only when the config is valid. */
  config?: Config;
  /** The file's content with ${ENV} filled in where set, valid or not: doctor checks what it can from it. */
  partial?: unknown;
  issues: ConfigIssue[];
  warnings: ConfigProblem[];
  aws?: AwsContext;
  /** The first coded error, as `loadConfig` throws it. */
  error?: ConfigError;
}

function issueOf(error: ConfigError, field: string): ConfigIssue {
  return { code: error.code, field, seen: undefined, expected: error.message, fix: error.hint ?? '' };
}

/** Finds, reads, interpolates and validates the config without throwing for what is wrong with it. */
export async function inspectConfig(options: LoadConfigOptions = {}): Promise<ConfigInspection> {
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ? path.resolve(cwd, options.file) : findConfigFile(cwd);
  if (!file || !existsSync(file)) {
    const error = new ConfigError(
      'CONFIG_NOT_FOUND',
      options.file ? `Config file not found: ${options.file}` : 'No supa2aws.config.json found',
      {
        exit: 'usage',
        hint: 'Write one with `supa2aws init --project-ref <ref> --region <region>`, pass --config <file>, or run `supa2aws sandbox up` to get one for the local sandbox.',
      },
    );
    return { ...(file ? { file } : {}), issues: [issueOf(error, '(file)')], warnings: [], error };
  }
  const dotenvFile = path.join(path.dirname(file), '.env');
  const env = options.env ?? {
    ...(existsSync(dotenvFile) ? parseDotenv(readFileSync(dotenvFile, 'utf8')) : {}),
    ...process.env,
  };
  let raw: unknown;
  try {
    raw = await readRaw(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { file, issues: [issueOf(error, '(file)')], warnings: [], error };
  }
  const issues: ConfigIssue[] = [];
  let aws: AwsContext | undefined;
  let first: ConfigError | undefined;
  try {
    aws = resolveAwsContext({
      ...(options.region ? { region: options.region } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
      ...(typeof rawTargetRegion(raw) === 'string' ? { configRegion: rawTargetRegion(raw) as string } : {}),
      env,
    });
    if (aws.region) withTargetRegion(raw, aws.region);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    first = error;
    issues.push(issueOf(error, error.code === 'AWS_PROFILE_NOT_FOUND' ? 'AWS profile' : 'target.region'));
  }
  const partial = interpolateEnv(stripComments(raw), env, []);
  const { config, errors, warnings } = parseConfig(raw, env);
  for (const problem of errors) {
    issues.push({
      ...problem,
      code: 'CONFIG_INVALID',
      fix: `Set ${problem.field} in ${path.relative(cwd, file) || file} to ${problem.expected}.`,
    });
  }
  if (!first && !config) {
    first = new ConfigError(
      'CONFIG_INVALID',
      `${path.relative(cwd, file) || file} has ${errors.length} problem${errors.length === 1 ? '' : 's'}:\n${formatProblems(errors)}`,
      {
        exit: 'usage',
        hint: 'Fix each field listed above and run again (`supa2aws config validate` lists them).',
        details: { file, problems: errors },
      },
    );
  }
  return {
    file,
    ...(config && !first ? { config } : {}),
    partial,
    issues,
    warnings,
    ...(aws ? { aws } : {}),
    ...(first ? { error: first } : {}),
  };
}

/** Finds, reads, interpolates and validates the config; throws one ConfigError listing every problem. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const inspection = await inspectConfig(options);
  if (inspection.error || !inspection.config || !inspection.file || !inspection.aws) {
    throw inspection.error ?? new ConfigError('CONFIG_INVALID', 'the config did not load', { exit: 'usage' });
  }
  return {
    config: inspection.config,
    file: inspection.file,
    warnings: inspection.warnings,
    aws: inspection.aws,
  };
}

function rawTargetRegion(raw: unknown): unknown {
  return (raw as { target?: { region?: unknown } } | null)?.target?.region;
}

function withTargetRegion(raw: unknown, region: string): void {
  const target = (raw as { target?: unknown } | null)?.target;
  if (target && typeof target === 'object') (target as { region?: string }).region = region;
}
