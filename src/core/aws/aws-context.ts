/**
 * The AWS region and profile, resolved the way the AWS CLI and SDKs do: `--region` > AWS_REGION >
 * AWS_DEFAULT_REGION > the profile's `region` (in AWS_CONFIG_FILE, default ~/.aws/config) > the config
 * file's `target.region`; the profile is `--profile` > AWS_PROFILE > `default`. Only the shared files'
 * section names and `region` lines are read here, never a key.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { closestRegion, isKnownRegion, REGION_PATTERN } from './regions.ts';

export interface AwsContextInput {
  /** `--region`. */
  region?: string;
  /** `--profile`. */
  profile?: string;
  /** The config file's `target.region`. */
  configRegion?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
}

export interface AwsContext {
  /** Undefined when nothing names one. */
  region: string | undefined;
  /** Where the region came from: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, `profile <name>`, `config target.region`. */
  regionFrom: string | undefined;
  /** The named profile, when one is named. */
  profile: string | undefined;
  profileFrom: '--profile' | 'AWS_PROFILE' | undefined;
  /** The credential chain the SDK will try, in words, for messages. */
  chain: string;
}

interface ProfileSection {
  region?: string;
}

/** `[profile x]` / `[default]` sections of an AWS config file, or `[x]` of a credentials file. */
function readSections(file: string, isConfig: boolean): Map<string, ProfileSection> {
  const out = new Map<string, ProfileSection>();
  if (!existsSync(file)) return out;
  let current: ProfileSection | undefined;
  for (const raw of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      const name = header[1]!;
      const profile = isConfig ? (name === 'default' ? 'default' : /^profile\s+(.+)$/.exec(name)?.[1]) : name;
      current = profile === undefined ? undefined : (out.get(profile) ?? {});
      if (profile !== undefined && current) out.set(profile, current);
      continue;
    }
    const setting = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (current && setting && setting[1]!.toLowerCase() === 'region' && setting[2])
      current.region = setting[2];
  }
  return out;
}

function awsConfigFiles(env: NodeJS.ProcessEnv): { config: string; credentials: string } {
  const home = env.HOME || os.homedir();
  return {
    config: env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'),
  };
}

/** Throws AWS_REGION_INVALID for a name that is not an AWS region (with the closest one). */
export function checkRegionName(region: string, from: string): string {
  if (REGION_PATTERN.test(region) && (isKnownRegion(region) || closestRegion(region) === undefined))
    return region;
  const near = closestRegion(region);
  throw new ConfigError(
    'AWS_REGION_INVALID',
    `the region ${JSON.stringify(region)} (from ${from}) is not an AWS region`,
    {
      exit: 'usage',
      hint: near
        ? `Did you mean ${near}? Fix ${from}.`
        : `Use a region code such as eu-west-1 or us-east-1 (aws ec2 describe-regions lists them); fix ${from}.`,
      details: { region, from },
    },
  );
}

/** Resolves region and profile; throws AWS_PROFILE_NOT_FOUND for a profile in neither shared file. */
export function resolveAwsContext(input: AwsContextInput = {}): AwsContext {
  const env = input.env ?? process.env;
  const files = awsConfigFiles(env);
  const profile = input.profile || env.AWS_PROFILE || undefined;
  const profileFrom = input.profile ? '--profile' : env.AWS_PROFILE ? 'AWS_PROFILE' : undefined;
  const sections = readSections(files.config, true);
  const credentials = readSections(files.credentials, false);
  if (profile && !sections.has(profile) && !credentials.has(profile)) {
    const known = [...new Set([...sections.keys(), ...credentials.keys()])];
    throw new ConfigError(
      'AWS_PROFILE_NOT_FOUND',
      `the AWS profile ${JSON.stringify(profile)} (from ${profileFrom}) is in neither ${files.config} nor ${files.credentials}`,
      {
        exit: 'usage',
        hint: known.length
          ? `Use one of: ${known.join(', ')}; or create it with \`aws configure --profile ${profile}\` (or \`aws configure sso --profile ${profile}\`).`
          : `Create it with \`aws configure --profile ${profile}\` (or \`aws configure sso\`), or unset AWS_PROFILE to use the default chain.`,
        details: { profile, configFile: files.config, credentialsFile: files.credentials },
      },
    );
  }
  const profileName = profile ?? 'default';
  const candidates: Array<[string | undefined, string]> = [
    [input.region, '--region'],
    [env.AWS_REGION, 'AWS_REGION'],
    [env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION'],
    [sections.get(profileName)?.region, `profile ${profileName} (${files.config})`],
    [input.configRegion, 'config target.region'],
  ];
  // A typo in the config is reported even when a flag or the environment overrides it.
  if (input.configRegion) checkRegionName(input.configRegion, 'config target.region');
  const found = candidates.find(([value]) => value !== undefined && value !== '');
  const region = found ? checkRegionName(found[0]!, found[1]) : undefined;
  const chain = profile
    ? `profile ${profile} (from ${profileFrom}: ${files.credentials}, ${files.config}, SSO)`
    : `the default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ${files.credentials} [default], ${files.config} [default] and SSO, the container or instance role)`;
  return { region, regionFrom: found?.[1], profile, profileFrom, chain };
}

/** The region an AWS client needs, or AWS_REGION_MISSING saying where it could come from. */
export function requireRegion(region: string | undefined, what: string): string {
  if (region) return region;
  throw new ConfigError('AWS_REGION_MISSING', `no AWS region for ${what}`, {
    exit: 'usage',
    hint: 'Set target.region in the config (supa2aws init --region eu-west-1), or pass --region, or export AWS_REGION, or give the profile a region (aws configure set region eu-west-1).',
  });
}

/**
 * What to say when AWS finds no credentials or refuses them: the chain that was tried (profile and
 * files), and the command that shows which identity that chain gives.
 */
export function awsCredentialHint(kind: 'missing' | 'refused', env: NodeJS.ProcessEnv = process.env): string {
  let context: AwsContext;
  try {
    context = resolveAwsContext({ env });
  } catch (error) {
    return (error as ConfigError).hint ?? (error as Error).message;
  }
  const profileFlag = context.profile ? ` --profile ${context.profile}` : '';
  return kind === 'missing'
    ? `No AWS credentials in ${context.chain}. Run \`aws configure${profileFlag}\` (or \`aws sso login${profileFlag}\`), or pass --profile; then \`aws sts get-caller-identity${profileFlag}\` shows the account.`
    : `AWS refused the credentials from ${context.chain}: they may be expired or for another account. Check \`aws sts get-caller-identity${profileFlag}\`; for SSO run \`aws sso login${profileFlag}\`.`;
}
