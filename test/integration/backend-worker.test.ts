/**
 * The VideoJobExecutor against the sandbox (PostgreSQL 16 + s3rver): exactly-once processing across
 * workers, lease take-over after a worker dies, graceful stop (finish or release), idempotent re-runs,
 * retries and final failure.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { getTestSandbox } from '../helpers/sandbox.ts';
import { setUpBackend, type Backend } from '../../examples/backend/test/harness.ts';
import { closePool, createPool } from '@supa2aws/runtime/db';
import { LocalVideoProvider } from '../../examples/backend/src/worker/local-video-provider.ts';
import { createVideoJobExecutor, videoKey } from '../../examples/backend/src/worker/video-job-executor.ts';
import {
  type GeneratedVideo,
  type VideoJob,
  type VideoProvider,
} from '../../examples/backend/src/worker/video-provider.ts';

let be: Backend;
let projectId: string;
let sceneId: string;

/** Wraps a provider, counting calls per job: the proof of "processed exactly once". */
class CountingProvider implements VideoProvider {
  readonly name = 'counting';
  readonly calls = new Map<string, number>();
  constructor(private readonly inner: VideoProvider) {}
  generate(job: VideoJob, options: { signal: AbortSignal }): Promise<GeneratedVideo> {
    this.calls.set(job.id, (this.calls.get(job.id) ?? 0) + 1);
    return this.inner.generate(job, options);
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A provider that waits until the test opens the gate (or the signal aborts). */
class GatedProvider implements VideoProvider {
  readonly name = 'gated';
  started = deferred<VideoJob>();
  #gate = deferred<void>();
  constructor(private readonly ignoreAbort = false) {}
  open(): void {
    this.#gate.resolve(undefined);
  }
  async generate(job: VideoJob, { signal }: { signal: AbortSignal }): Promise<GeneratedVideo> {
    this.started.resolve(job);
    if (this.ignoreAbort) await this.#gate.promise;
    else
      await Promise.race([
        this.#gate.promise,
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
        ),
      ]);
    return new LocalVideoProvider({ payloadBytes: 1024 }).generate(job, {
      signal: new AbortController().signal,
    });
  }
}

class FailingProvider implements VideoProvider {
  readonly name = 'failing';
  async generate(): Promise<GeneratedVideo> {
    throw new Error('quota exceeded at the provider');
  }
}

async function queueJobs(n: number, prompt = 'a prompt'): Promise<string[]> {
  const { rows } = await be.pool.query<{ id: string }>(
    `INSERT INTO public.video_jobs (project_id, scene_id, user_id, prompt, created_at)
     SELECT $1, $2, $3, $4 || ' #' || g, now() + g * interval '1 millisecond' FROM generate_series(1, $5) g
     RETURNING id`,
    [projectId, sceneId, be.users.a, prompt, n],
  );
  return rows.map((r) => r.id);
}

async function job(id: string) {
  return (await be.pool.query('SELECT * FROM public.video_jobs WHERE id = $1', [id])).rows[0];
}

before(async () => {
  const sb = await getTestSandbox();
  be = await setUpBackend(sb, { poolMax: 4 });
  projectId = (
    await be.pool.query(`INSERT INTO public.projects (user_id, title) VALUES ($1, 'p') RETURNING id`, [
      be.users.a,
    ])
  ).rows[0].id;
  sceneId = (
    await be.pool.query(
      `INSERT INTO public.scenes (project_id, user_id, position, prompt) VALUES ($1, $2, 1, 's') RETURNING id`,
      [projectId, be.users.a],
    )
  ).rows[0].id;
});

beforeEach(async () => {
  await be.pool.query('DELETE FROM public.video_jobs');
});

after(async () => {
  await closePool(be.pool);
  be.storage.s3.destroy();
});

describe('VideoJobExecutor', () => {
  it('GIVEN two workers polling the same queue WHEN 16 jobs are queued THEN every job is generated exactly once', async () => {
    const ids = await queueJobs(16);
    const provider = new CountingProvider(new LocalVideoProvider({ delayMs: 5, payloadBytes: 2048 }));
    // Separate pools: two processes as far as PostgreSQL can tell.
    const pools = [
      createPool({ connectionString: be.db.url, max: 3 }),
      createPool({ connectionString: be.db.url, max: 3 }),
    ];
    const workers = pools.map((pool, i) =>
      createVideoJobExecutor({ pool, storage: be.storage, provider, workerId: `w${i}`, pollIntervalMs: 20 }),
    );
    try {
      for (const w of workers) w.start();
      for (let i = 0; i < 500; i++) {
        const { rows } = await be.pool.query(
          `SELECT count(*)::int AS n FROM public.video_jobs WHERE status = 'completed'`,
        );
        if (rows[0].n === ids.length) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await Promise.all(workers.map((w) => w.stop()));
      const { rows } = await be.pool.query(
        `SELECT id, status, attempts, locked_by, storage_path FROM public.video_jobs`,
      );
      assert.equal(rows.length, ids.length);
      for (const row of rows) {
        assert.equal(row.status, 'completed', row.id);
        assert.equal(row.attempts, 1, `job ${row.id} was claimed once`);
        assert.equal(row.locked_by, null);
        assert.equal(provider.calls.get(row.id), 1, `job ${row.id} generated once`);
      }
      assert.equal(
        [...provider.calls.values()].reduce((a, b) => a + b, 0),
        ids.length,
      );
    } finally {
      await Promise.all(pools.map((p) => closePool(p)));
    }
  });

  it('GIVEN many claims racing at once on two pools THEN no job is handed to two of them', async () => {
    const ids = await queueJobs(8);
    const provider = new CountingProvider(new LocalVideoProvider({ payloadBytes: 512 }));
    const pools = [
      createPool({ connectionString: be.db.url, max: 6 }),
      createPool({ connectionString: be.db.url, max: 6 }),
    ];
    try {
      const workers = pools.map((pool, i) =>
        createVideoJobExecutor({ pool, storage: be.storage, provider, workerId: `race${i}` }),
      );
      const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => workers[i % 2]!.runOnce()));
      const completed = outcomes.filter((o) => o?.status === 'completed').map((o) => o!.jobId);
      assert.equal(completed.length, ids.length);
      assert.equal(new Set(completed).size, ids.length, 'no job completed twice');
      assert.equal(outcomes.filter((o) => o === null).length, 4);
    } finally {
      await Promise.all(pools.map((p) => closePool(p)));
    }
  });

  it('GIVEN a worker that died holding a job WHEN its lease runs out THEN another worker takes it and completes it', async () => {
    const [id] = await queueJobs(1);
    // The dead worker's claim, as claimJob leaves it, with a lease that is already over.
    await be.pool.query(
      `UPDATE public.video_jobs SET status = 'processing', attempts = 1, locked_by = 'dead-worker',
              lease_expires_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    const live = createVideoJobExecutor({
      pool: be.pool,
      storage: be.storage,
      provider: new LocalVideoProvider(),
      workerId: 'live',
    });
    const outcome = await live.runOnce();
    assert.deepEqual(outcome && { jobId: outcome.jobId, status: outcome.status }, {
      jobId: id,
      status: 'completed',
    });
    const row = await job(id!);
    assert.equal(row.status, 'completed');
    assert.equal(row.attempts, 2);
    assert.equal(row.storage_path, videoKey({ id: id!, projectId, userId: be.users.a }));
    const scene = (
      await be.pool.query('SELECT video_url, status FROM public.scenes WHERE id = $1', [sceneId])
    ).rows[0];
    assert.equal(scene.status, 'video_ready');
    assert.equal(scene.video_url, row.video_url);
  });

  it('GIVEN a job whose lease has not run out THEN no other worker takes it', async () => {
    const [id] = await queueJobs(1);
    await be.pool.query(
      `UPDATE public.video_jobs SET status = 'processing', attempts = 1, locked_by = 'busy-worker',
              lease_expires_at = now() + interval '5 minutes' WHERE id = $1`,
      [id],
    );
    const other = createVideoJobExecutor({
      pool: be.pool,
      storage: be.storage,
      provider: new LocalVideoProvider(),
    });
    assert.equal(await other.runOnce(), null);
    assert.equal((await job(id!)).locked_by, 'busy-worker');
  });

  it('GIVEN SIGTERM (stop) while a job runs WHEN it finishes within the deadline THEN it completes', async () => {
    const [id] = await queueJobs(1);
    const provider = new GatedProvider();
    const worker = createVideoJobExecutor({
      pool: be.pool,
      storage: be.storage,
      provider,
      pollIntervalMs: 20,
    });
    worker.start();
    await provider.started.promise;
    const stopping = worker.stop({ timeoutMs: 10_000 });
    setTimeout(() => provider.open(), 50);
    assert.deepEqual(await stopping, { released: [] });
    assert.equal((await job(id!)).status, 'completed');
  });

  it('GIVEN SIGTERM (stop) while a job runs WHEN the deadline passes THEN the job is released for another worker', async () => {
    const [id] = await queueJobs(1);
    const provider = new GatedProvider();
    const worker = createVideoJobExecutor({
      pool: be.pool,
      storage: be.storage,
      provider,
      pollIntervalMs: 20,
    });
    worker.start();
    await provider.started.promise;
    const result = await worker.stop({ timeoutMs: 100 });
    assert.deepEqual(result, { released: [id] });
    const row = await job(id!);
    assert.deepEqual(
      { status: row.status, locked_by: row.locked_by, lease: row.lease_expires_at, attempts: row.attempts },
      { status: 'queued', locked_by: null, lease: null, attempts: 0 },
    );
    const next = createVideoJobExecutor({
      pool: be.pool,
      storage: be.storage,
      provider: new LocalVideoProvider(),
    });
    assert.equal((await next.runOnce())?.status, 'completed');
  });

  it('GIVEN a provider that ignores the abort WHEN the deadline passes THEN stop still releases the job and returns', async () => {
    const [id] = await queueJobs(1);
    const provider = new GatedProvider(true);
    const worker = createVideoJobExecutor({
      pool: be.pool,
      storage: be.storage,
      provider,
      pollIntervalMs: 20,
    });
    worker.start();
    await provider.started.promise;
    const result = await Promise.race([
      worker.stop({ timeoutMs: 100 }),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 8000).unref()),
    ]);
    assert.deepEqual(result, { released: [id] });
    assert.equal((await job(id!)).status, 'queued');
    provider.open(); // its late completion must not claim the job back
    await new Promise((r) => setTimeout(r, 300));
    const row = await job(id!);
    assert.equal(row.status, 'queued');
    assert.equal(row.locked_by, null);
  });

  it('GIVEN a job re-processed after its video was uploaded THEN the same object is reused, not duplicated', async () => {
    const [id] = await queueJobs(1);
    const provider = new CountingProvider(new LocalVideoProvider({ payloadBytes: 1024 }));
    const worker = createVideoJobExecutor({
      pool: be.pool,
      storage: be.storage,
      provider,
      workerId: 'first',
    });
    assert.equal((await worker.runOnce())?.status, 'completed');
    const key = (await job(id!)).storage_path as string;
    const first = await be.storage.s3.send(
      new HeadObjectCommand({ Bucket: be.settings.buckets.videos, Key: key }),
    );
    // As if the worker had died after the upload, before recording it: back to processing with an expired lease.
    await be.pool.query(
      `UPDATE public.video_jobs SET status = 'processing', locked_by = 'crashed', lease_expires_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    const again = await worker.runOnce();
    assert.deepEqual(again && { status: again.status, reused: 'reused' in again && again.reused }, {
      status: 'completed',
      reused: true,
    });
    assert.equal(provider.calls.get(id!), 1, 'the provider was not paid twice');
    const second = await be.storage.s3.send(
      new HeadObjectCommand({ Bucket: be.settings.buckets.videos, Key: key }),
    );
    assert.equal(second.ETag, first.ETag);
    const body = await be.storage.s3.send(
      new GetObjectCommand({ Bucket: be.settings.buckets.videos, Key: key }),
    );
    assert.equal((await body.Body!.transformToByteArray()).length, 24 + 8 + 1024);
  });

  it('GIVEN a provider that fails THEN the job is retried until maxAttempts, then failed with the error', async () => {
    const [id] = await queueJobs(1);
    const worker = createVideoJobExecutor({
      pool: be.pool,
      storage: be.storage,
      provider: new FailingProvider(),
      maxAttempts: 2,
    });
    assert.equal((await worker.runOnce())?.status, 'retry');
    assert.equal((await job(id!)).status, 'queued');
    assert.equal((await worker.runOnce())?.status, 'failed');
    const row = await job(id!);
    assert.equal(row.status, 'failed');
    assert.equal(row.attempts, 2);
    assert.match(row.error, /quota exceeded/);
    assert.equal(await worker.runOnce(), null, 'a failed job is not claimed again');
  });

  it('GIVEN a job whose worker died on its last attempt THEN it is failed, not retried forever', async () => {
    const [id] = await queueJobs(1);
    await be.pool.query(
      `UPDATE public.video_jobs SET status = 'processing', attempts = 3, locked_by = 'dead',
              lease_expires_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    const worker = createVideoJobExecutor({
      pool: be.pool,
      storage: be.storage,
      provider: new LocalVideoProvider(),
      maxAttempts: 3,
    });
    assert.equal(await worker.runOnce(), null);
    const row = await job(id!);
    assert.equal(row.status, 'failed');
    assert.match(row.error, /lease expired/);
  });

  it('GIVEN a long job WHEN it outlives its lease THEN the heartbeat keeps it, and nobody else takes it', async () => {
    const [id] = await queueJobs(1);
    const provider = new GatedProvider();
    const worker = createVideoJobExecutor({
      pool: be.pool,
      storage: be.storage,
      provider,
      leaseSeconds: 1,
      heartbeatMs: 100,
    });
    const running = worker.runOnce();
    await provider.started.promise;
    await new Promise((r) => setTimeout(r, 1500));
    const rival = createVideoJobExecutor({
      pool: be.pool,
      storage: be.storage,
      provider: new LocalVideoProvider(),
    });
    assert.equal(await rival.runOnce(), null, 'the renewed lease keeps the job');
    provider.open();
    assert.equal((await running)?.status, 'completed');
    assert.equal((await job(id!)).attempts, 1);
  });
});
