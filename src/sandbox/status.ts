/** Health of each sandbox service, checked by talking to it (not just by its PID). */
import {
  CognitoIdentityProviderClient,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import path from 'node:path';
import { defaultConnect, withClient } from '../core/pg.ts';
import { createS3Client } from '@supa2aws/runtime/storage';
import { appUrl } from './sandbox.ts';
import { S3RVER_KEY } from './sandbox-config.ts';
import { isDead, standInsOf } from './stand-ins.ts';
import { readState, type PackagedExtensionState, type SandboxState } from './state.ts';

export interface ServiceHealth {
  name: string;
  role: string;
  url: string;
  pid?: number;
  healthy: boolean;
  /** `up`, `dead` (its process is gone) or `not answering` (alive but silent or refusing). */
  state: 'up' | 'dead' | 'not answering';
  detail: string;
}

export interface SandboxStatus {
  running: boolean;
  stateDir: string;
  status?: SandboxState['status'];
  configFile?: string;
  services: ServiceHealth[];
  /** The Supabase side's extensions from the machine's packages (pg_cron): loaded, or why not. */
  packagedExtensions?: PackagedExtensionState[];
}

type Health = Pick<ServiceHealth, 'healthy' | 'state' | 'detail'>;

async function check(dead: boolean, pid: number | undefined, fn: () => Promise<string>): Promise<Health> {
  if (dead)
    return {
      healthy: false,
      state: 'dead',
      detail: `dead: process ${pid} is gone (restart: supa2aws sandbox down && supa2aws sandbox up)`,
    };
  try {
    return { healthy: true, state: 'up', detail: await fn() };
  } catch (error) {
    return { healthy: false, state: 'not answering', detail: (error as Error).message };
  }
}

/** A stand-in that accepts and never answers (stopped, wedged) is reported after this long. */
const HEALTH_TIMEOUT_MS = 3000;
const healthHandler = {
  connectionTimeout: HEALTH_TIMEOUT_MS,
  requestTimeout: HEALTH_TIMEOUT_MS,
  throwOnRequestTimeout: true,
};

function pgHealth(url: string): Promise<string> {
  return withClient(
    defaultConnect,
    url,
    'database',
    async (client) => {
      const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
      return `PostgreSQL ${rows[0]?.v}`;
    },
    { connectTimeoutMs: HEALTH_TIMEOUT_MS },
  );
}

async function s3Health(port: number): Promise<string> {
  const s3 = createS3Client({
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: S3RVER_KEY,
    secretAccessKey: S3RVER_KEY,
    checksumsWhenRequired: true,
    maxAttempts: 1,
    idleTimeoutMs: HEALTH_TIMEOUT_MS,
    connectionTimeoutMs: HEALTH_TIMEOUT_MS,
  });
  try {
    const out = await s3.send(new ListBucketsCommand({}));
    return `${out.Buckets?.length ?? 0} bucket(s)`;
  } finally {
    s3.destroy();
  }
}

async function cognitoHealth(port: number): Promise<string> {
  const client = new CognitoIdentityProviderClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: healthHandler,
  });
  try {
    const out = await client.send(new ListUserPoolsCommand({ MaxResults: 10 }));
    return `${out.UserPools?.length ?? 0} user pool(s)`;
  } finally {
    client.destroy();
  }
}

export async function sandboxStatus(stateDir = '.sandbox'): Promise<SandboxStatus> {
  const dir = path.resolve(stateDir);
  const state = readState(dir);
  if (!state) return { running: false, stateDir: dir, services: [] };
  const services: Array<Promise<ServiceHealth>> = [];
  const dead = new Set(
    standInsOf(state)
      .filter(isDead)
      .map((s) => s.name as string),
  );
  const add = (name: string, role: string, url: string, pid: number | undefined, fn: () => Promise<string>) =>
    services.push(
      check(dead.has(name), pid, fn).then((h) => ({ name, role, url, ...(pid ? { pid } : {}), ...h })),
    );
  const { sourceDb, targetDb, sourceS3, targetS3, cognito } = state;
  if (sourceDb)
    add(
      'supabase-db',
      'Supabase PostgreSQL',
      `postgresql://127.0.0.1:${sourceDb.port}/${sourceDb.database}`,
      sourceDb.pid,
      () => pgHealth(appUrl(sourceDb)),
    );
  if (sourceS3)
    add(
      'supabase-storage',
      'Supabase Storage S3 endpoint',
      `http://127.0.0.1:${sourceS3.port}`,
      sourceS3.pid,
      () => s3Health(sourceS3.port),
    );
  if (targetDb)
    add(
      'rds',
      'Amazon RDS PostgreSQL',
      `postgresql://127.0.0.1:${targetDb.port}/${targetDb.database}`,
      targetDb.pid,
      () => pgHealth(appUrl(targetDb)),
    );
  if (targetS3)
    add('s3', 'Amazon S3', `http://127.0.0.1:${targetS3.port}`, targetS3.pid, () => s3Health(targetS3.port));
  if (cognito)
    add('cognito', 'Amazon Cognito', `http://127.0.0.1:${cognito.port}`, cognito.pid, () =>
      cognitoHealth(cognito.port),
    );
  const checked = await Promise.all(services);
  return {
    running: checked.length > 0 && checked.every((s) => s.healthy),
    stateDir: dir,
    status: state.status,
    ...(state.configFile ? { configFile: state.configFile } : {}),
    services: checked,
    ...(sourceDb?.packagedExtensions ? { packagedExtensions: sourceDb.packagedExtensions } : {}),
  };
}
