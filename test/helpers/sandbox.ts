/**
 * The sandbox for integration tests. `npm test` starts one shared sandbox and passes its state dir in
 * SUPA2AWS_SANDBOX_DIR; a test file run alone starts its own. Each test takes its own databases (cloned
 * from the loaded fixture) and its own target bucket names, so tests never see each other's writes.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parseConfig, type Config } from '../../src/config/index.ts';
import { applyDatabaseGrants } from '../../src/fixture/index.ts';
import { createS3Client } from '@supa2aws/runtime/storage';
import {
  adminUrl,
  appUrl,
  readState,
  S3RVER_KEY,
  sandboxConfigFile,
  sandboxEnv,
  startSandbox,
  type SandboxState,
} from '../../src/sandbox/index.ts';

export interface TestDatabase {
  name: string;
  /** As the app-facing role `postgres` (not a superuser, like on Supabase and RDS). */
  url: string;
  /** As the cluster's superuser: for test setup and assertions only. */
  adminUrl: string;
}

export interface TestSandbox {
  state: SandboxState;
  sourceS3: S3Client;
  targetS3: S3Client;
  /** A new source database cloned from the loaded Supabase fixture. */
  freshSourceDb(): Promise<TestDatabase>;
  /** A new empty target database owned by the RDS-like master user `postgres`. */
  freshTargetDb(): Promise<TestDatabase>;
  /** A full, validated Config pointing at the given databases, with target buckets prefixed by `bucketPrefix`. */
  config(options?: { sourceDb?: TestDatabase; targetDb?: TestDatabase; bucketPrefix?: string }): Config;
  /** A short unique lower-case name for buckets and databases. */
  uniqueName(prefix: string): string;
}

let shared: Promise<TestSandbox> | undefined;

export function getTestSandbox(): Promise<TestSandbox> {
  shared ??= open();
  return shared;
}

function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`.toLowerCase();
}

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function open(): Promise<TestSandbox> {
  let state: SandboxState | undefined;
  const dir = process.env.SUPA2AWS_SANDBOX_DIR;
  if (dir) {
    state = readState(dir);
    if (!state || state.status !== 'up')
      throw new Error(`SUPA2AWS_SANDBOX_DIR=${dir} holds no running sandbox`);
  } else {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-test-'));
    // Tests clone the fixture database `postgres` as a template: pg_cron's launcher must not sit in it.
    const started = await startSandbox({ stateDir, cronDatabase: 'cron' });
    state = started.state;
    let stopping = false;
    process.on('beforeExit', () => {
      if (stopping) return;
      stopping = true;
      void started.stop().then(() => rmSync(stateDir, { recursive: true, force: true }));
    });
  }
  const up = state;
  const s3 = (port: number | undefined) =>
    createS3Client({
      endpoint: `http://127.0.0.1:${port}`,
      accessKeyId: S3RVER_KEY,
      secretAccessKey: S3RVER_KEY,
      checksumsWhenRequired: true,
    });
  const sourceDb = up.sourceDb!;
  const targetDb = up.targetDb!;

  return {
    state: up,
    sourceS3: s3(up.sourceS3?.port),
    targetS3: s3(up.targetS3?.port),
    uniqueName,
    async freshSourceDb() {
      const name = uniqueName('src').replace('-', '_');
      await admin(adminUrl(sourceDb, 'template1'), async (client) => {
        for (let attempt = 0; ; attempt++) {
          try {
            await client.query(`CREATE DATABASE ${name} TEMPLATE ${sourceDb.database}`);
            return;
          } catch (error) {
            // Another test cloning the template at the same moment: wait and retry.
            if ((error as { code?: string }).code !== '55006' || attempt > 50) throw error;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      });
      // A clone belongs to the template's owner and loses database-level grants: put them back.
      await admin(adminUrl(sourceDb, name), (client) => applyDatabaseGrants(client));
      return { name, url: appUrl(sourceDb, name), adminUrl: adminUrl(sourceDb, name) };
    },
    async freshTargetDb() {
      const name = uniqueName('tgt').replace('-', '_');
      await admin(adminUrl(targetDb, 'postgres'), (client) =>
        client.query(`CREATE DATABASE ${name} OWNER ${targetDb.appUser}`),
      );
      return { name, url: appUrl(targetDb, name), adminUrl: adminUrl(targetDb, name) };
    },
    config(options = {}) {
      const raw = structuredClone(sandboxConfigFile(up)) as {
        source: { db: { url: string } };
        target: { db: { url: string } };
        storage: { buckets: Record<string, { target: string }> };
      };
      if (options.sourceDb) raw.source.db.url = options.sourceDb.url;
      if (options.targetDb) raw.target.db.url = options.targetDb.url;
      if (options.bucketPrefix) {
        for (const mapping of Object.values(raw.storage.buckets)) {
          mapping.target = `${options.bucketPrefix}-${mapping.target}`;
        }
      }
      const { config, errors } = parseConfig(raw, sandboxEnv(up));
      if (!config) throw new Error(`sandbox config invalid: ${JSON.stringify(errors)}`);
      return config;
    },
  };
}
