/** Health of each sandbox service, checked by talking to it (not just by its PID). */
import { ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import path from 'node:path';
import { connectPostgres } from '../core/pg.ts';
import { createS3Client } from '../runtime/storage/s3-client.ts';
import { cognitoClient } from './cognito-pool.ts';
import { appUrl } from './sandbox.ts';
import { S3RVER_KEY } from './sandbox-config.ts';
import { readState, type SandboxState } from './state.ts';

export interface ServiceHealth {
  name: string;
  role: string;
  url: string;
  pid?: number;
  healthy: boolean;
  detail: string;
}

export interface SandboxStatus {
  running: boolean;
  stateDir: string;
  status?: SandboxState['status'];
  configFile?: string;
  services: ServiceHealth[];
}

async function check(fn: () => Promise<string>): Promise<{ healthy: boolean; detail: string }> {
  try {
    return { healthy: true, detail: await fn() };
  } catch (error) {
    return { healthy: false, detail: (error as Error).message };
  }
}

async function pgHealth(url: string): Promise<string> {
  const client = await connectPostgres(url, 'database', { connectTimeoutMs: 3000 });
  try {
    const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    return `PostgreSQL ${rows[0]?.v}`;
  } finally {
    await client.end();
  }
}

async function s3Health(port: number): Promise<string> {
  const s3 = createS3Client({
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: S3RVER_KEY,
    secretAccessKey: S3RVER_KEY,
    checksumsWhenRequired: true,
    maxAttempts: 1,
  });
  try {
    const out = await s3.send(new ListBucketsCommand({}));
    return `${out.Buckets?.length ?? 0} bucket(s)`;
  } finally {
    s3.destroy();
  }
}

async function cognitoHealth(port: number): Promise<string> {
  const client = cognitoClient(`http://127.0.0.1:${port}`);
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
  const add = (name: string, role: string, url: string, pid: number | undefined, fn: () => Promise<string>) =>
    services.push(check(fn).then((h) => ({ name, role, url, ...(pid ? { pid } : {}), ...h })));
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
  };
}
