/**
 * The end-to-end proof of `supa2aws migrate-code` (issue 21): the reference backend as it was on Supabase
 * (test/fixtures/codebases/backend-before, supabase-js the way Aiuteur's backend uses it) is copied, migrated
 * with `migrate-code --write`, type-checked with its own tsconfig, and must then pass, unchanged, the same
 * API contract as the hand-written reference (test/helpers/backend-api-contract.ts) against the sandbox.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Express } from 'express';
import { JWT_SECRET, SUPABASE_URL, setUpBackend, type Backend } from '../../examples/backend/test/harness.ts';
import { LocalVideoProvider } from '../../examples/backend/src/worker/local-video-provider.ts';
import { createVideoJobExecutor } from '../../examples/backend/src/worker/video-job-executor.ts';
import { closePool } from '@supa2aws/runtime/db';
import { backendApiContract } from '../helpers/backend-api-contract.ts';
import { runCli } from '../helpers/cli-run.ts';
import { checkedOutCopy, sourcesLeft, typeErrors } from '../helpers/codemod-app.ts';
import { getTestSandbox } from '../helpers/sandbox.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const BEFORE = path.join(REPO, 'test/fixtures/codebases/backend-before');

let be: Backend;
let app: string;
let server: Server;
let base: string;
let tokenA: string;
let tokenB: string;
let errorsBefore: string[];
let migrated: {
  totals: { sites: number; rewritten: number; marked: number };
  bySide: Record<string, { sites: number; rewritten: number; marked: number }>;
  typeCheck: { introduced: string[] };
};

before(async () => {
  app = checkedOutCopy(BEFORE, 'codemod-backend-');
  errorsBefore = typeErrors(app);
  const run = await runCli(['migrate-code', app, '--write', '--json']);
  assert.equal(run.status, 0, run.stderr);
  migrated = JSON.parse(run.stdout) as typeof migrated;

  const sb = await getTestSandbox();
  be = await setUpBackend(sb);
  const s3 = be.settings.endpoint!;
  Object.assign(process.env, {
    DATABASE_URL: be.db.url,
    AWS_REGION: be.settings.region,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    S3_ENDPOINT: s3,
    S3_FORCE_PATH_STYLE: 'true',
    S3_CHECKSUMS_WHEN_REQUIRED: 'true',
    S3_VIDEOS_BUCKET: be.settings.buckets.videos,
    S3_IMAGES_BUCKET: be.settings.buckets.images,
    S3_ASSET_IMAGES_BUCKET: be.settings.buckets.assetImages,
    S3_IMAGES_PUBLIC_BASE_URL: `${s3}/${be.settings.buckets.images}`,
    S3_ASSET_IMAGES_PUBLIC_BASE_URL: `${s3}/${be.settings.buckets.assetImages}`,
    // The migration window: the Supabase tokens the tests sign are still accepted, next to Cognito's.
    SUPABASE_URL,
    SUPABASE_JWT_SECRET: JWT_SECRET,
    SUPABASE_JWKS_URL: 'off',
    COGNITO_ISSUER: 'http://127.0.0.1:1/local_pool',
    COGNITO_CLIENT_ID: 'stand-in-client',
    COGNITO_USER_STATE_TTL_SECONDS: 'off',
  });
  const { createApp } = (await import(pathToFileURL(path.join(app, 'src/app.ts')).href)) as {
    createApp(options: { corsOrigins: string[] }): Express;
  };
  server = createApp({ corsOrigins: ['http://app.example'] }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tokenA = await be.token(be.users.a, 'a@example.com');
  tokenB = await be.token(be.users.b, 'b@example.com');
});

after(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  const generated = (await import(pathToFileURL(path.join(app, 'src/supa2aws.server.ts')).href)) as {
    db: Parameters<typeof closePool>[0];
  };
  await closePool(generated.db);
  await closePool(be.pool);
  be.storage.s3.destroy();
});

describe('migrate-code on the supabase-js backend', () => {
  it('GIVEN the before-version WHEN migrated with --write THEN every call site is rewritten, none marked, and the app type-checks with its own tsconfig', () => {
    assert.deepEqual(errorsBefore, [], 'the before-version is valid supabase-js code');
    assert.deepEqual(migrated.bySide, { server: { sites: 18, rewritten: 18, marked: 0 } });
    assert.deepEqual(migrated.typeCheck.introduced, []);
    assert.deepEqual(typeErrors(app), []);
    // Every source file left (the client module nothing imports any more is gone).
    const sources = sourcesLeft(app);
    assert.ok(!sources.includes('src/config/supabase.ts'), 'the supabase client module was removed');
    for (const file of sources)
      assert.doesNotMatch(
        readFileSync(path.join(app, file), 'utf8'),
        /supabase\.(from|rpc|storage|auth)\b/,
        `${file} still calls supabase-js`,
      );
  });
});

backendApiContract(() => ({
  base,
  tokenA,
  tokenB,
  users: be.users,
  runWorker: () =>
    createVideoJobExecutor({
      pool: be.pool,
      storage: be.storage,
      provider: new LocalVideoProvider({ payloadBytes: 4096 }),
      workerId: 'codemod-test-worker',
    }).runOnce(),
}));
