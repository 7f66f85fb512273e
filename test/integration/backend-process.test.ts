/**
 * The backend as the image runs it: the runtime package built (`npm run build -w @supa2aws/runtime`, to
 * packages/runtime/dist, git-ignored) and the backend compiled against it by
 * `tsc -p examples/backend/tsconfig.build.json` (the Dockerfile's build steps), started as `node .../server.js` and `node .../worker.js` child processes with
 * configuration from environment variables only, stopped with a real SIGTERM. Against the sandbox.
 * (The Docker image itself cannot be built here: no engine.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBackendProcess, type BackendProcess } from '../helpers/backend-process.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { s3Endpoint, setUpBackend, SUPABASE_URL, type Backend } from '../../examples/backend/test/harness.ts';
import { closePool } from '@supa2aws/runtime/db';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const backendDir = path.join(root, 'examples/backend');
// Under examples/backend (so node finds the workspace's node_modules) in a dist/ folder (git-ignored).
const outDir = path.join(backendDir, 'dist', `test-${randomBytes(4).toString('hex')}`);
const entry = (name: string) => path.join(outDir, 'examples/backend/src', `${name}.js`);

let sb: TestSandbox;
let be: Backend;
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function start(name: 'server' | 'worker', env: Record<string, string>): BackendProcess {
  const started = startBackendProcess([entry(name)], { name, cwd: backendDir, env });
  children.push(started.child);
  return started;
}

function baseEnv(): Record<string, string> {
  return {
    DATABASE_URL: be.db.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    S3_ENDPOINT: s3Endpoint(sb),
    S3_VIDEOS_BUCKET: be.settings.buckets.videos,
    S3_IMAGES_BUCKET: be.settings.buckets.images,
    S3_ASSET_IMAGES_BUCKET: be.settings.buckets.assetImages,
    SUPABASE_URL,
    SUPABASE_JWT_SECRET: 'test-only-supabase-jwt-secret-0123456789abcdef',
    SUPABASE_JWKS_URL: 'off',
    // No Cognito pool is needed for Supabase tokens; an issuer nobody serves keeps the config valid.
    COGNITO_ISSUER: 'http://127.0.0.1:9/local_pool',
    COGNITO_CLIENT_ID: 'test-client',
  };
}

before(async () => {
  execFileSync('npm', ['run', '-s', 'build', '--workspace', '@supa2aws/runtime'], {
    cwd: root,
    stdio: 'pipe',
  });
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir],
    {
      cwd: backendDir,
      stdio: 'pipe',
    },
  );
  sb = await getTestSandbox();
  be = await setUpBackend(sb);
});

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(outDir, { recursive: true, force: true });
  await closePool(be.pool);
  be.storage.s3.destroy();
});

describe('the compiled backend as separate processes', () => {
  it('GIVEN env-only config WHEN the API and worker run THEN a video job goes through, and SIGTERM exits both cleanly', async () => {
    const port = await freePort();
    const api = start('server', { ...baseEnv(), PORT: String(port) });
    await api.waitFor('api listening');
    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 200, await health.text());

    const token = await be.token(be.users.a);
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const project = (await (
      await fetch(`${base}/projects`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ title: 'from a process' }),
      })
    ).json()) as {
      project: { id: string };
    };
    const queued = await fetch(`${base}/videos`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ projectId: project.project.id, prompt: 'a lighthouse at dusk' }),
    });
    assert.equal(queued.status, 202);
    const jobId = ((await queued.json()) as { job: { id: string } }).job.id;

    const worker = start('worker', { ...baseEnv(), VIDEO_POLL_INTERVAL_MS: '100' });
    await worker.waitFor('video job completed');
    const status = (await (await fetch(`${base}/videos/${jobId}`, { headers })).json()) as {
      job: { status: string };
      video: { url: string };
    };
    assert.equal(status.job.status, 'completed');
    assert.equal((await fetch(status.video.url)).status, 200);

    worker.child.kill('SIGTERM');
    api.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
    assert.equal(await api.exited, 0);
    assert.ok(worker.logs.some((l) => l.message === 'stopped'));
    const everything = JSON.stringify([...api.logs, ...worker.logs]);
    assert.ok(
      !everything.includes(decodeURIComponent(new URL(be.db.url).password)),
      'no database password in the logs',
    );
  });

  it('GIVEN a job mid-render WHEN the worker gets SIGTERM with a short stop timeout THEN it releases the job and exits 0', async () => {
    const { rows } = await be.pool.query(
      `INSERT INTO public.projects (user_id, title) VALUES ($1, 'slow') RETURNING id`,
      [be.users.a],
    );
    const job = await be.pool.query(
      `INSERT INTO public.video_jobs (project_id, user_id, prompt) VALUES ($1, $2, 'slow render') RETURNING id`,
      [rows[0].id, be.users.a],
    );
    const jobId = job.rows[0].id;
    const worker = start('worker', {
      ...baseEnv(),
      VIDEO_POLL_INTERVAL_MS: '100',
      LOCAL_VIDEO_DELAY_MS: '60000',
      WORKER_STOP_TIMEOUT_MS: '300',
    });
    await worker.waitFor('video job executor started');
    for (let i = 0; i < 100; i++) {
      const { rows: r } = await be.pool.query('SELECT status FROM public.video_jobs WHERE id = $1', [jobId]);
      if (r[0].status === 'processing') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
    const stopped = worker.logs.find((l) => l.message === 'stopped');
    assert.deepEqual(stopped?.released, [jobId]);
    const { rows: after } = await be.pool.query(
      'SELECT status, locked_by, attempts FROM public.video_jobs WHERE id = $1',
      [jobId],
    );
    assert.deepEqual(after[0], { status: 'queued', locked_by: null, attempts: 0 });
  });

  it('GIVEN SECRETS_ID WHEN the API boots THEN DATABASE_URL and the buckets come from the Secrets Manager secret', async () => {
    // A local endpoint speaking Secrets Manager's JSON protocol (GetSecretValue), as in the unit tests.
    const { DATABASE_URL, S3_VIDEOS_BUCKET, S3_IMAGES_BUCKET, S3_ASSET_IMAGES_BUCKET, ...rest } = baseEnv();
    const secret = { DATABASE_URL, S3_VIDEOS_BUCKET, S3_IMAGES_BUCKET, S3_ASSET_IMAGES_BUCKET, PORT: '1' };
    const targets: string[] = [];
    const secrets = http.createServer((req, res) => {
      targets.push(String(req.headers['x-amz-target']));
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end(
          JSON.stringify({ Name: 'aiuteur/backend', VersionId: 'v1', SecretString: JSON.stringify(secret) }),
        );
      });
    });
    await new Promise<void>((resolve) => secrets.listen(0, '127.0.0.1', resolve));
    try {
      const port = await freePort();
      const api = start('server', {
        ...rest,
        PORT: String(port), // set explicitly: wins over the secret's PORT
        SECRETS_ID: 'aiuteur/backend',
        SECRETS_ENDPOINT: `http://127.0.0.1:${(secrets.address() as net.AddressInfo).port}`,
      });
      const loaded = await api.waitFor('secrets loaded');
      assert.deepEqual(loaded.kept, ['PORT']);
      assert.ok(!JSON.stringify(api.logs).includes(decodeURIComponent(new URL(be.db.url).password)));
      await api.waitFor('api listening');
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(targets, ['secretsmanager.GetSecretValue']);
      api.child.kill('SIGTERM');
      assert.equal(await api.exited, 0);
    } finally {
      secrets.close();
    }
  });
});
