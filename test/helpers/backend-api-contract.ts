/**
 * The reference backend's API contract, as HTTP: the cases every build of the API must pass — the
 * hand-written reference (test/integration/backend-api.test.ts) and the one `supa2aws migrate-code` makes
 * from its supabase-js version (test/integration/codemod-backend.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

/** An API under test, listening, with two signed-in users and a way to run one worker pass. */
export interface ApiUnderTest {
  base: string;
  tokenA: string;
  tokenB: string;
  users: { a: string; b: string };
  /** Has the video worker take and finish one job; its outcome's status. */
  runWorker(): Promise<{ status: string } | null>;
}

export async function callApi(
  base: string,
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

/** Registers the contract's tests; `api` is read when they run (after the caller's `before`). */
export function backendApiContract(api: () => ApiUnderTest): void {
  const base = () => api().base;
  const call = (method: string, path: string, options?: Parameters<typeof callApi>[3]) =>
    callApi(base(), method, path, options);

  describe('GET /health', () => {
    it('GIVEN the database and buckets up THEN 200 with both checks ok', async () => {
      const { status, body } = await call('GET', '/health');
      assert.equal(status, 200);
      assert.equal(body.status, 'ok');
      const checks = body.checks as Record<string, { ok: boolean }>;
      assert.equal(checks.database!.ok, true);
      assert.equal(checks.storage!.ok, true);
    });
  });

  describe('auth', () => {
    it('GIVEN no token or a bad one THEN 401 with WWW-Authenticate', async () => {
      const none = await call('GET', '/projects');
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
      const bad = await call('GET', '/projects', { token: `${api().tokenA.slice(0, -4)}AAAA` });
      assert.equal(bad.status, 401);
    });

    it('GIVEN a browser preflight from an allowed origin THEN CORS headers; from another origin none', async () => {
      const ok = await fetch(`${base()}/projects`, {
        method: 'OPTIONS',
        headers: { Origin: 'http://app.example' },
      });
      assert.equal(ok.status, 204);
      assert.equal(ok.headers.get('access-control-allow-origin'), 'http://app.example');
      assert.match(ok.headers.get('access-control-allow-headers') ?? '', /Authorization/);
      const other = await fetch(`${base()}/health`, { headers: { Origin: 'http://evil.example' } });
      assert.equal(other.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('projects: each user sees only their own', () => {
    it('GIVEN users A and B WHEN each creates projects THEN each lists, reads, updates and deletes only their own', async () => {
      const created = await call('POST', '/projects', {
        token: api().tokenA,
        body: { title: 'A film', description: 'about cats' },
      });
      assert.equal(created.status, 201);
      const projectA = created.body.project as Record<string, unknown>;
      assert.equal(projectA.user_id, api().users.a);
      assert.equal(projectA.status, 'draft');
      const createdB = await call('POST', '/projects', { token: api().tokenB, body: { title: 'B film' } });
      const projectB = createdB.body.project as { id: string };

      const listA = await call('GET', '/projects', { token: api().tokenA });
      assert.deepEqual(
        (listA.body.projects as Array<{ title: string }>).map((p) => p.title),
        ['A film'],
      );
      const search = await call('GET', '/projects?q=cats', { token: api().tokenA });
      assert.equal((search.body.projects as unknown[]).length, 1);

      assert.equal((await call('GET', `/projects/${projectA.id}`, { token: api().tokenA })).status, 200);
      assert.equal(
        (await call('GET', `/projects/${projectB.id}`, { token: api().tokenA })).status,
        404,
        "A cannot read B's project",
      );
      assert.equal(
        (
          await call('PATCH', `/projects/${projectB.id}`, {
            token: api().tokenA,
            body: { title: 'mine now' },
          })
        ).status,
        404,
      );
      assert.equal((await call('DELETE', `/projects/${projectB.id}`, { token: api().tokenA })).status, 404);
      const stillB = await call('GET', `/projects/${projectB.id}`, { token: api().tokenB });
      assert.equal((stillB.body.project as { title: string }).title, 'B film');

      const patched = await call('PATCH', `/projects/${projectA.id}`, {
        token: api().tokenA,
        body: { status: 'in_progress', settings: { fps: 24 } },
      });
      assert.equal(patched.status, 200);
      assert.equal((patched.body.project as { status: string }).status, 'in_progress');
      assert.deepEqual((patched.body.project as { settings: unknown }).settings, { fps: 24 });

      assert.equal((await call('DELETE', `/projects/${projectA.id}`, { token: api().tokenA })).status, 204);
      assert.equal((await call('GET', `/projects/${projectA.id}`, { token: api().tokenA })).status, 404);
    });

    it('GIVEN bad input THEN 400 with a code, not 500', async () => {
      assert.equal(
        (await call('POST', '/projects', { token: api().tokenA, body: { title: '' } })).status,
        400,
      );
      const badStatus = await call('POST', '/projects', {
        token: api().tokenA,
        body: { title: 't', status: 'nope' },
      });
      assert.equal(badStatus.status, 400);
      assert.equal((badStatus.body.error as { code: string }).code, 'INVALID_FIELD');
      assert.equal((await call('GET', '/projects/not-a-uuid', { token: api().tokenA })).status, 400);
      const badJson = await fetch(`${base()}/projects`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${api().tokenA}`, 'Content-Type': 'application/json' },
        body: '{nope',
      });
      assert.equal(badJson.status, 400);
    });
  });

  describe('assets (presigned PUT, public URL)', () => {
    it('GIVEN an upload URL WHEN the browser PUTs the image THEN it is readable at its public URL and can be registered', async () => {
      const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
      const issued = await call('POST', '/assets/upload-url', {
        token: api().tokenA,
        body: { filename: 'My Cover (1).png', contentType: 'image/png', size: png.length, bucket: 'images' },
      });
      assert.equal(issued.status, 201);
      const { url, key, publicUrl, headers } = issued.body as {
        url: string;
        key: string;
        publicUrl: string;
        headers: Record<string, string>;
      };
      assert.ok(key.startsWith(`${api().users.a}/`));
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
        token: api().tokenA,
        body: { key, bucket: 'images', name: 'cover' },
      });
      assert.equal(registered.status, 201);
      const asset = registered.body.asset as Record<string, unknown>;
      assert.equal(asset.public_url, publicUrl);
      assert.equal(Number(asset.size_bytes), png.length);

      const project = await call('POST', '/projects', {
        token: api().tokenA,
        body: { title: 'With cover', cover_image_url: publicUrl },
      });
      assert.equal((project.body.project as { cover_image_url: string }).cover_image_url, publicUrl);
    });

    it("GIVEN bad upload requests THEN refused: wrong type, no size, another user's key, nothing uploaded", async () => {
      assert.equal(
        (
          await call('POST', '/assets/upload-url', {
            token: api().tokenA,
            body: { filename: 'x.exe', contentType: 'application/x-msdownload', size: 10 },
          })
        ).status,
        400,
      );
      assert.equal(
        (
          await call('POST', '/assets/upload-url', {
            token: api().tokenA,
            body: { filename: 'x.png', contentType: 'image/png' },
          })
        ).status,
        400,
      );
      assert.equal(
        (await call('POST', '/assets', { token: api().tokenB, body: { key: `${api().users.a}/x/y.png` } }))
          .status,
        403,
      );
      assert.equal(
        (
          await call('POST', '/assets', {
            token: api().tokenA,
            body: { key: `${api().users.a}/never/uploaded.png` },
          })
        ).status,
        404,
      );
    });
  });

  describe('videos (queue, status, presigned GET)', () => {
    it('GIVEN a queued job WHEN the worker completes it THEN its status carries a presigned URL that serves the video', async () => {
      const project = (
        await call('POST', '/projects', { token: api().tokenA, body: { title: 'Video project' } })
      ).body.project as { id: string };
      const queued = await call('POST', '/videos', {
        token: api().tokenA,
        body: { projectId: project.id, prompt: 'a cat on a skateboard' },
      });
      assert.equal(queued.status, 202);
      const jobId = (queued.body.job as { id: string }).id;

      const before = await call('GET', `/videos/${jobId}`, { token: api().tokenA });
      assert.equal((before.body.job as { status: string }).status, 'queued');
      assert.equal(before.body.video, null);
      assert.equal(
        (await call('GET', `/videos/${jobId}`, { token: api().tokenB })).status,
        404,
        "B cannot see A's job",
      );
      assert.equal(
        (await call('POST', '/videos', { token: api().tokenB, body: { projectId: project.id, prompt: 'x' } }))
          .status,
        404,
      );

      const outcome = await api().runWorker();
      assert.equal(outcome?.status, 'completed');

      const after = await call('GET', `/videos/${jobId}`, { token: api().tokenA });
      assert.equal((after.body.job as { status: string }).status, 'completed');
      const video = after.body.video as { url: string; expiresIn: number };
      assert.match(video.url, /X-Amz-Signature=/);
      const bytes = Buffer.from(await (await fetch(video.url)).arrayBuffer());
      assert.equal(bytes.length, 24 + 8 + 4096);
      assert.equal(bytes.subarray(4, 8).toString('latin1'), 'ftyp');
    });
  });
}
