/**
 * examples/backend's API in-process against the sandbox's AWS side: RDS stand-in (PostgreSQL 16 with the
 * migrated schema and its RLS policies), target s3rver, tokens verified by @supa2aws/runtime/auth.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { setUpBackend, type Backend } from '../../examples/backend/test/harness.ts';
import { createApp } from '../../examples/backend/src/app.ts';
import { createStorage } from '../../examples/backend/src/storage.ts';
import { closePool, createPool } from '@supa2aws/runtime/db';
import { backendApiContract, callApi } from '../helpers/backend-api-contract.ts';
import { LocalVideoProvider } from '../../examples/backend/src/worker/local-video-provider.ts';
import { createVideoJobExecutor } from '../../examples/backend/src/worker/video-job-executor.ts';

let sb: TestSandbox;
let be: Backend;
let server: Server;
let base: string;
let tokenA: string;
let tokenB: string;

async function listen(app: ReturnType<typeof createApp>): Promise<{ server: Server; base: string }> {
  const s = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => s.once('listening', resolve));
  return { server: s, base: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

const call = (method: string, path: string, options?: Parameters<typeof callApi>[3]) =>
  callApi(base, method, path, options);

before(async () => {
  sb = await getTestSandbox();
  be = await setUpBackend(sb);
  ({ server, base } = await listen(
    createApp({
      pool: be.pool,
      storage: be.storage,
      authenticate: be.authenticate,
      corsOrigins: ['http://app.example'],
    }),
  ));
  tokenA = await be.token(be.users.a, 'a@example.com');
  tokenB = await be.token(be.users.b, 'b@example.com');
});

after(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await closePool(be.pool);
  be.storage.s3.destroy();
});

describe('GET /health', () => {
  it('GIVEN the database down THEN 503 naming the database, without a host or password', async () => {
    const url = new URL(be.db.url);
    url.port = '1';
    const deadPool = createPool({ connectionString: url.toString(), connectionTimeoutMs: 1000 });
    const down = await listen(
      createApp({ pool: deadPool, storage: be.storage, authenticate: be.authenticate }),
    );
    try {
      const response = await fetch(`${down.base}/health`);
      const body = (await response.json()) as {
        status: string;
        checks: Record<string, { ok: boolean; error?: string }>;
      };
      assert.equal(response.status, 503);
      assert.equal(body.checks.database!.ok, false);
      assert.equal(body.checks.database!.error, 'ECONNREFUSED');
      assert.equal(body.checks.storage!.ok, true);
      assert.ok(!JSON.stringify(body).includes(url.password));
      const live = await fetch(`${down.base}/health/live`);
      assert.equal(live.status, 200, 'liveness does not depend on the database');
    } finally {
      down.server.close();
      await closePool(deadPool);
    }
  });

  it('GIVEN a bucket missing THEN 503 naming storage', async () => {
    const storage = createStorage(
      { ...be.settings, buckets: { ...be.settings.buckets, videos: sb.uniqueName('missing') } },
      { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    );
    const app = await listen(createApp({ pool: be.pool, storage, authenticate: be.authenticate }));
    try {
      const response = await fetch(`${app.base}/health`);
      const body = (await response.json()) as { checks: Record<string, { ok: boolean }> };
      assert.equal(response.status, 503);
      assert.equal(body.checks.database!.ok, true);
      assert.equal(body.checks.storage!.ok, false);
    } finally {
      app.server.close();
      storage.s3.destroy();
    }
  });
});

describe('auth', () => {
  // A subset of test/unit/runtime-auth-token-families.test.ts, over HTTP through the real app: each is a
  // 401 with its code and a short message, never a 500, and the body names no issuer, URL or clock.
  const hostile: { name: string; code: string; token: () => string }[] = [
    {
      name: 'user_metadata nested 3000 levels deep',
      code: 'AUTH_TOKEN_MALFORMED',
      token: () =>
        be.signText(
          '{"alg":"HS256","typ":"JWT"}',
          `${JSON.stringify(be.claims(be.users.a)).slice(0, -1)},"user_metadata":${'['.repeat(3000)}${']'.repeat(3000)}}`,
        ),
    },
    {
      name: 'alg none',
      code: 'AUTH_TOKEN_ALG',
      token: () => be.signText('{"alg":"none"}', JSON.stringify(be.claims(be.users.a))).replace(/[^.]+$/, ''),
    },
    {
      name: 'alg HS384',
      code: 'AUTH_TOKEN_ALG',
      token: () => be.signText('{"alg":"HS384"}', JSON.stringify(be.claims(be.users.a))),
    },
    {
      name: 'jku naming another key set (wrong secret)',
      code: 'AUTH_TOKEN_SIGNATURE',
      token: () =>
        `${be.signText('{"alg":"HS256","jku":"http://127.0.0.1:1/jwks.json"}', JSON.stringify(be.claims(be.users.a))).slice(0, -4)}AAAA`,
    },
    {
      name: 'issuer with a trailing slash',
      code: 'AUTH_TOKEN_ISSUER',
      token: () => {
        const claims = be.claims(be.users.a);
        return be.signText('{"alg":"HS256"}', JSON.stringify({ ...claims, iss: `${String(claims.iss)}/` }));
      },
    },
    {
      name: 'exp 1e400',
      code: 'AUTH_TOKEN_CLAIM',
      token: () =>
        be.signText(
          '{"alg":"HS256"}',
          JSON.stringify(be.claims(be.users.a)).replace(/"exp":\d+/, '"exp":1e400'),
        ),
    },
    {
      name: 'sub twice, a user UUID first and garbage last',
      code: 'AUTH_TOKEN_CLAIM',
      token: () =>
        be.signText('{"alg":"HS256"}', `${JSON.stringify(be.claims(be.users.a)).slice(0, -1)},"sub":"x"}`),
    },
    {
      name: 'payload that is not UTF-8',
      code: 'AUTH_TOKEN_MALFORMED',
      token: () => be.signText('{"alg":"HS256"}', Buffer.from([0x7b, 0xff, 0x7d])),
    },
  ];
  for (const c of hostile) {
    it(`GIVEN a hostile token (${c.name}) THEN 401 ${c.code} with a short body`, async () => {
      const { status, body, headers } = await call('GET', '/projects', { token: c.token() });
      assert.equal(status, 401);
      const error = body.error as { code: string; message: string };
      assert.equal(error.code, c.code);
      assert.deepEqual(Object.keys(error), ['code', 'message']);
      const text = `${JSON.stringify(body)} ${headers.get('www-authenticate')}`;
      assert.ok(!/127\.0\.0\.1|http|Expected|20\d\d-/.test(text), text);
    });
  }
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
      workerId: 'api-test-worker',
    }).runOnce(),
}));
