/** Phase 0 checks of the tools on this machine: Node, AWS CLI v2 and credentials, Docker, jq, pg_dump. */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DoctorCheck, Exec } from './types.ts';

/** The Node.js lines supa2aws supports, as package.json "engines" states them. */
export const SUPPORTED_NODE = '^20.19.0 || ^22.12.0 || >=24.0.0';

/**
 * Node.js itself: 24 (active LTS) and 22 (maintenance LTS) pass; 20.19+ still runs but warns, being past its
 * end of life (2026-04-30) and dropped by the AWS SDK in January 2027; anything else fails.
 */
export function checkNode(version = process.versions.node): DoctorCheck {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const base = { id: 'node', title: 'Node.js', detail: `v${version}` };
  const fix = 'Install Node.js 24 (the active LTS line) or 22.';
  if (major >= 24 || (major === 22 && minor >= 12)) return { ...base, status: 'pass' };
  if (major === 20 && minor >= 19) {
    return {
      ...base,
      status: 'warn',
      detail: `v${version}: past its end of life (2026-04-30); the AWS SDK stops supporting it in January 2027`,
      fix,
    };
  }
  return { ...base, status: 'fail', detail: `v${version}: supa2aws needs ${SUPPORTED_NODE}`, fix };
}

export async function checkAwsCli(exec: Exec): Promise<DoctorCheck> {
  const base = { id: 'aws-cli', title: 'AWS CLI v2' };
  const out = await exec('aws', ['--version']);
  const text = `${out.stdout} ${out.stderr}`;
  const version = /aws-cli\/(\d+)\.(\S+)/.exec(text);
  if (out.code === null || !version) {
    return {
      ...base,
      status: 'warn',
      detail: 'not found',
      fix: 'Install AWS CLI v2 (needed for the AWS steps of the guide).',
    };
  }
  if (version[1] === '2') return { ...base, status: 'pass', detail: `aws-cli/${version[1]}.${version[2]}` };
  return {
    ...base,
    status: 'warn',
    detail: `aws-cli/${version[1]}.${version[2]} is first on PATH`,
    fix: 'Install AWS CLI v2 and put it first on PATH (v1 lacks commands the guide uses).',
  };
}

/** Where credentials would come from, without reading any secret. */
export function credentialSource(env: NodeJS.ProcessEnv, home = os.homedir()): string | undefined {
  if (env.AWS_ACCESS_KEY_ID) return 'environment (AWS_ACCESS_KEY_ID)';
  if (env.AWS_PROFILE) return `profile ${env.AWS_PROFILE}`;
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI)
    return 'ECS task role';
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return 'web identity';
  const file = env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, '.aws', 'credentials');
  if (existsSync(file)) return `shared credentials file ${file}`;
  if (existsSync(env.AWS_CONFIG_FILE ?? path.join(home, '.aws', 'config')))
    return 'shared config file (SSO or profile)';
  return undefined;
}

export async function checkAwsCredentials(exec: Exec, env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const base = { id: 'aws-credentials', title: 'AWS credentials and account' };
  const source = credentialSource(env);
  if (!source) {
    return {
      ...base,
      status: 'warn',
      detail: 'no AWS credentials found',
      fix: 'Run `aws configure --profile aiuteur` and `export AWS_PROFILE=aiuteur` (guide 01, step 3).',
    };
  }
  const out = await exec('aws', ['sts', 'get-caller-identity', '--output', 'json'], { timeoutMs: 8000 });
  if (out.code === 0) {
    try {
      const identity = JSON.parse(out.stdout) as { Account?: string; Arn?: string };
      return {
        ...base,
        status: 'pass',
        detail: `account ${identity.Account} as ${identity.Arn} (from ${source})`,
      };
    } catch {
      // fall through to the warning below
    }
  }
  const reason = (out.stderr || 'no answer').trim().split('\n').pop() ?? '';
  return {
    ...base,
    status: 'warn',
    detail: `credentials found (${source}) but the account could not be checked: ${reason.slice(0, 160)}`,
    fix: 'Check network access to AWS STS and run `aws sts get-caller-identity`.',
  };
}

export function checkRegion(configRegion: string | undefined, env: NodeJS.ProcessEnv): DoctorCheck {
  const base = { id: 'aws-region', title: 'AWS region' };
  const envRegion = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (configRegion && envRegion && configRegion !== envRegion) {
    return {
      ...base,
      status: 'warn',
      detail: `config says ${configRegion}, AWS_REGION says ${envRegion}`,
      fix: 'Use one region for everything: set AWS_REGION to the config’s target.region.',
    };
  }
  const region = configRegion ?? envRegion;
  return region
    ? { ...base, status: 'pass', detail: region }
    : { ...base, status: 'warn', detail: 'not set', fix: 'export AWS_REGION=us-east-1 (guide 01, step 4).' };
}

export async function checkDocker(exec: Exec): Promise<DoctorCheck> {
  const base = { id: 'docker', title: 'Docker' };
  const version = await exec('docker', ['--version']);
  if (version.code === null) {
    return {
      ...base,
      status: 'warn',
      detail: 'not found',
      fix: 'Install Docker to build the backend image (phase 4).',
    };
  }
  const info = await exec('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 8000 });
  if (info.code === 0 && info.stdout.trim()) {
    return { ...base, status: 'pass', detail: `${version.stdout.trim()}; engine ${info.stdout.trim()}` };
  }
  return {
    ...base,
    status: 'warn',
    detail: `${version.stdout.trim()}, but no Docker engine answers`,
    fix: 'Start the Docker engine (Docker Desktop, or `sudo systemctl start docker`) before phase 4.',
  };
}

export async function checkJq(exec: Exec): Promise<DoctorCheck> {
  const out = await exec('jq', ['--version']);
  return out.code === 0
    ? { id: 'jq', title: 'jq', status: 'pass', detail: out.stdout.trim() }
    : {
        id: 'jq',
        title: 'jq',
        status: 'warn',
        detail: 'not found',
        fix: 'Install jq (`apt-get install jq`, `brew install jq`).',
      };
}
