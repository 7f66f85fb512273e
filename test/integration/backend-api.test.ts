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

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
}

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
  it('GIVEN the database and buckets up THEN 200 with both checks ok', async () => {
    const { status, body } = await call('GET', '/health');
    assert.equal(status, 200);
    assert.equal(body.status, 'ok');
    const checks = body.checks as Record<string, { ok: boolean }>;
    assert.equal(checks.database!.ok, true);
    assert.equal(checks.storage!.ok, true);
  });

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
  it('GIVEN no token or a bad one THEN 401 with WWW-Authenticate', async () => {
    const none = await call('GET', '/projects');
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    const bad = await call('GET', '/projects', { token: `${tokenA.slice(0, -4)}AAAA` });
    assert.equal(bad.status, 401);
  });

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

  it('GIVEN a browser preflight from an allowed origin THEN CORS headers; from another origin none', async () => {
    const ok = await fetch(`${base}/projects`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://app.example' },
    });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://app.example');
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    const other = await fetch(`${base}/health`, { headers: { Origin: 'http://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});

describe('projects (withUser + RLS)', () => {
  it('GIVEN users A and B WHEN each creates projects THEN each lists, reads, updates and deletes only their own', async () => {
    const created = await call('POST', '/projects', {
      token: tokenA,
      body: { title: 'A film', description: 'about cats' },
    });
    assert.equal(created.status, 201);
    const projectA = created.body.project as Record<string, unknown>;
    assert.equal(projectA.user_id, be.users.a);
    assert.equal(projectA.status, 'draft');
    const createdB = await call('POST', '/projects', { token: tokenB, body: { title: 'B film' } });
    const projectB = createdB.body.project as { id: string };

    const listA = await call('GET', '/projects', { token: tokenA });
    assert.deepEqual(
      (listA.body.projects as Array<{ title: string }>).map((p) => p.title),
      ['A film'],
    );
    const search = await call('GET', '/projects?q=cats', { token: tokenA });
    assert.equal((search.body.projects as unknown[]).length, 1);

    assert.equal((await call('GET', `/projects/${projectA.id}`, { token: tokenA })).status, 200);
    assert.equal(
      (await call('GET', `/projects/${projectB.id}`, { token: tokenA })).status,
      404,
      "A cannot read B's project",
    );
    assert.equal(
      (await call('PATCH', `/projects/${projectB.id}`, { token: tokenA, body: { title: 'mine now' } }))
        .status,
      404,
    );
    assert.equal((await call('DELETE', `/projects/${projectB.id}`, { token: tokenA })).status, 404);
    const stillB = await call('GET', `/projects/${projectB.id}`, { token: tokenB });
    assert.equal((stillB.body.project as { title: string }).title, 'B film');

    const patched = await call('PATCH', `/projects/${projectA.id}`, {
      token: tokenA,
      body: { status: 'in_progress', settings: { fps: 24 } },
    });
    assert.equal(patched.status, 200);
    assert.equal((patched.body.project as { status: string }).status, 'in_progress');
    assert.deepEqual((patched.body.project as { settings: unknown }).settings, { fps: 24 });

    assert.equal((await call('DELETE', `/projects/${projectA.id}`, { token: tokenA })).status, 204);
    assert.equal((await call('GET', `/projects/${projectA.id}`, { token: tokenA })).status, 404);
  });

  it('GIVEN bad input THEN 400 with a code, not 500', async () => {
    assert.equal((await call('POST', '/projects', { token: tokenA, body: { title: '' } })).status, 400);
    const badStatus = await call('POST', '/projects', {
      token: tokenA,
      body: { title: 't', status: 'nope' },
    });
    assert.equal(badStatus.status, 400);
    assert.equal((badStatus.body.error as { code: string }).code, 'INVALID_FIELD');
    assert.equal((await call('GET', '/projects/not-a-uuid', { token: tokenA })).status, 400);
    const badJson = await fetch(`${base}/projects`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokenA}`, 'Content-Type': 'application/json' },
      body: '{nope',
    });
    assert.equal(badJson.status, 400);
  });
});

describe('assets (presigned PUT, public URL)', () => {
  it('GIVEN an upload URL WHEN the browser PUTs the image THEN it is readable at its public URL and can be registered', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const issued = await call('POST', '/assets/upload-url', {
      token: tokenA,
      body: { filename: 'My Cover (1).png', contentType: 'image/png', size: png.length, bucket: 'images' },
    });
    assert.equal(issued.status, 201);
    const { url, key, publicUrl, headers } = issued.body as {
      url: string;
      key: string;
      publicUrl: string;
      headers: Record<string, string>;
    };
    assert.ok(key.startsWith(`${be.users.a}/`));
    assert.match(key, /\/My-Cover-1-\.png$/, 'the file name is made safe for a key');
    assert.ok(
      !/x-amz-checksum|x-amz-sdk-checksum-algorithm/i.test(url),
      'no empty-body checksum signed into the URL',
    );
    assert.match(url, /X-Amz-Signature=/);

    const put = await fetch(url, { method: 'PUT', headers, body: png });
    assert.equal(put.status, 200, await put.text());
    const got = await fetch(publicUrl);
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), png);

    const registered = await call('POST', '/assets', {
      token: tokenA,
      body: { key, bucket: 'images', name: 'cover' },
    });
    assert.equal(registered.status, 201);
    const asset = registered.body.asset as Record<string, unknown>;
    assert.equal(asset.public_url, publicUrl);
    assert.equal(Number(asset.size_bytes), png.length);

    const project = await call('POST', '/projects', {
      token: tokenA,
      body: { title: 'With cover', cover_image_url: publicUrl },
    });
    assert.equal((project.body.project as { cover_image_url: string }).cover_image_url, publicUrl);
  });

  it("GIVEN bad upload requests THEN refused: wrong type, no size, another user's key, nothing uploaded", async () => {
    assert.equal(
      (
        await call('POST', '/assets/upload-url', {
          token: tokenA,
          body: { filename: 'x.exe', contentType: 'application/x-msdownload', size: 10 },
        })
      ).status,
      400,
    );
    assert.equal(
      (
        await call('POST', '/assets/upload-url', {
          token: tokenA,
          body: { filename: 'x.png', contentType: 'image/png' },
        })
      ).status,
      400,
    );
    assert.equal(
      (await call('POST', '/assets', { token: tokenB, body: { key: `${be.users.a}/x/y.png` } })).status,
      403,
    );
    assert.equal(
      (await call('POST', '/assets', { token: tokenA, body: { key: `${be.users.a}/never/uploaded.png` } }))
        .status,
      404,
    );
  });
});

describe('videos (queue, status, presigned GET)', () => {
  it('GIVEN a queued job WHEN the worker completes it THEN its status carries a presigned URL that serves the video', async () => {
    const project = (await call('POST', '/projects', { token: tokenA, body: { title: 'Video project' } }))
      .body.project as { id: string };
    const queued = await call('POST', '/videos', {
      token: tokenA,
      body: { projectId: project.id, prompt: 'a cat on a skateboard' },
    });
    assert.equal(queued.status, 202);
    const jobId = (queued.body.job as { id: string }).id;

    const before = await call('GET', `/videos/${jobId}`, { token: tokenA });
    assert.equal((before.body.job as { status: string }).status, 'queued');
    assert.equal(before.body.video, null);
    assert.equal(
      (await call('GET', `/videos/${jobId}`, { token: tokenB })).status,
      404,
      "B cannot see A's job",
    );
    assert.equal(
      (await call('POST', '/videos', { token: tokenB, body: { projectId: project.id, prompt: 'x' } })).status,
      404,
    );

    const executor = createVideoJobExecutor({
      pool: be.pool,
      storage: be.storage,
      provider: new LocalVideoProvider({ payloadBytes: 4096 }),
      workerId: 'api-test-worker',
    });
    const outcome = await executor.runOnce();
    assert.equal(outcome?.status, 'completed');

    const after = await call('GET', `/videos/${jobId}`, { token: tokenA });
    assert.equal((after.body.job as { status: string }).status, 'completed');
    const video = after.body.video as { url: string; expiresIn: number };
    assert.match(video.url, /X-Amz-Signature=/);
    const bytes = Buffer.from(await (await fetch(video.url)).arrayBuffer());
    assert.equal(bytes.length, 24 + 8 + 4096);
    assert.equal(bytes.subarray(4, 8).toString('latin1'), 'ftyp');
  });
});
