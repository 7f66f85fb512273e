/**
 * The VideoJobExecutor: polls public.video_jobs, claims one job at a time with a lease, has the provider
 * render it, streams the result to the videos bucket under a key that depends only on the job, and
 * records it in one transaction. Safe to run as many workers as you like (SKIP LOCKED); a worker that dies
 * leaves its job to be taken again when its lease runs out; stop() (SIGTERM) finishes the current job
 * within a deadline or releases it.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import os from 'node:os';
import type pg from 'pg';
import { silentLogger, type Logger } from '../http.ts';
import { publicUrl, type Storage } from '../storage.ts';
import { claimJob, completeJob, failAttempt, failExhausted, releaseJob, renewLease } from './job-store.ts';
import { abortableDelay, type VideoJob, type VideoProvider } from './video-provider.ts';

export interface VideoJobExecutorDeps {
  pool: pg.Pool;
  storage: Storage;
  provider: VideoProvider;
  /** Unique per process; written to video_jobs.locked_by. @default `<hostname>:<pid>:<random>` */
  workerId?: string;
  /** Wait between polls when the queue is empty, in ms. @default 10000 */
  pollIntervalMs?: number;
  /** Lease of a claimed job, in seconds; renewed while it runs. @default 300 */
  leaseSeconds?: number;
  /** How often the lease is renewed, in ms. @default a third of the lease */
  heartbeatMs?: number;
  /** Attempts before a job is failed. @default 3 */
  maxAttempts?: number;
  /** How long stop() lets the current job finish before releasing it, in ms. @default 25000 (ECS waits 30 s) */
  stopTimeoutMs?: number;
  /** @default silentLogger */
  logger?: Logger;
}

export type JobOutcome =
  | { jobId: string; status: 'completed'; key: string; reused: boolean }
  | { jobId: string; status: 'retry' | 'failed'; error: string }
  | { jobId: string; status: 'released' | 'lost' };

export interface StopResult {
  /** Jobs given back to the queue because they could not finish before the deadline. */
  released: string[];
}

export interface VideoJobExecutor {
  readonly workerId: string;
  /** Starts the poll loop (returns at once). */
  start(): void;
  /** Claims and processes at most one job; null when none is runnable. */
  runOnce(): Promise<JobOutcome | null>;
  /** Stops polling; lets running jobs finish for up to `timeoutMs`, then aborts and releases them. */
  stop(options?: { timeoutMs?: number }): Promise<StopResult>;
  /** IDs of jobs being processed now. */
  readonly inFlight: readonly string[];
}

class StopRequested extends Error {
  constructor() {
    super('the worker is stopping');
  }
}
class LeaseLost extends Error {
  constructor() {
    super('the lease ran out and another worker took the job');
  }
}

/** `<userId>/<projectId>/<jobId>.mp4`: one object per job, whichever attempt writes it. */
export function videoKey(job: Pick<VideoJob, 'id' | 'projectId' | 'userId'>): string {
  return `${job.userId}/${job.projectId}/${job.id}.mp4`;
}

export function createVideoJobExecutor(deps: VideoJobExecutorDeps): VideoJobExecutor {
  const workerId =
    deps.workerId ?? `${os.hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const pollIntervalMs = deps.pollIntervalMs ?? 10_000;
  const leaseSeconds = deps.leaseSeconds ?? 300;
  const heartbeatMs = deps.heartbeatMs ?? Math.max(Math.floor((leaseSeconds * 1000) / 3), 50);
  const maxAttempts = deps.maxAttempts ?? 3;
  const stopTimeoutMs = deps.stopTimeoutMs ?? 25_000;
  const logger = deps.logger ?? silentLogger;
  const { pool, storage, provider } = deps;
  const bucket = storage.settings.buckets.videos;

  const running = new Map<string, { abort: AbortController; done: Promise<JobOutcome> }>();
  const stopController = new AbortController();
  let loop: Promise<void> | undefined;

  async function existingObject(key: string, jobId: string): Promise<boolean> {
    try {
      const head = await storage.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return head.Metadata?.['job-id'] === jobId;
    } catch (error) {
      if ((error as { name?: string }).name === 'NotFound') return false;
      throw error;
    }
  }

  async function upload(job: VideoJob, key: string, signal: AbortSignal): Promise<void> {
    const video = await provider.generate(job, { signal });
    if (signal.aborted) throw signal.reason;
    const upload = new Upload({
      client: storage.s3,
      params: {
        Bucket: bucket,
        Key: key,
        Body: video.body,
        ContentType: video.contentType ?? 'video/mp4',
        ...(video.contentLength !== undefined ? { ContentLength: video.contentLength } : {}),
        Metadata: { 'job-id': job.id },
      },
      queueSize: 2,
      leavePartsOnError: false,
    });
    const onAbort = () => void upload.abort().catch(() => {});
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (signal.aborted) throw signal.reason;
  }

  async function processJob(job: VideoJob, abort: AbortController): Promise<JobOutcome> {
    const key = videoKey(job);
    const heartbeat = setInterval(() => {
      renewLease(pool, job.id, workerId, leaseSeconds)
        .then((ours) => {
          if (!ours) abort.abort(new LeaseLost());
        })
        .catch((error: Error) =>
          logger.warn('lease renewal failed', { jobId: job.id, error: error.message }),
        );
    }, heartbeatMs);
    heartbeat.unref();
    try {
      // Idempotent: an earlier attempt that uploaded but died before recording it left the object;
      // reuse it rather than paying for another render.
      const reused = await existingObject(key, job.id);
      if (!reused) await upload(job, key, abort.signal);
      const videoUrl = publicUrl(storage.settings, bucket, key);
      if (await completeJob(pool, job, { workerId, videoUrl, storagePath: key })) {
        logger.info('video job completed', { jobId: job.id, key, reused, attempts: job.attempts });
        return { jobId: job.id, status: 'completed', key, reused };
      }
      logger.warn('video job lost its lease before completing', { jobId: job.id });
      return { jobId: job.id, status: 'lost' };
    } catch (error) {
      const reason = abort.signal.aborted ? abort.signal.reason : undefined;
      if (reason instanceof LeaseLost) {
        logger.warn('video job lease lost', { jobId: job.id });
        return { jobId: job.id, status: 'lost' };
      }
      if (reason instanceof StopRequested) {
        const released = await releaseJob(pool, job.id, workerId);
        logger.info('video job released on shutdown', { jobId: job.id, released });
        return { jobId: job.id, status: released ? 'released' : 'lost' };
      }
      const message = (error as Error).message ?? String(error);
      const status = await failAttempt(pool, job, { workerId, maxAttempts, error: message });
      logger.warn('video job attempt failed', {
        jobId: job.id,
        attempts: job.attempts,
        status,
        error: message,
      });
      return status === 'lost' ? { jobId: job.id, status } : { jobId: job.id, status, error: message };
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function runOnce(): Promise<JobOutcome | null> {
    if (stopController.signal.aborted) return null;
    await failExhausted(pool, maxAttempts);
    const job = await claimJob(pool, { workerId, leaseSeconds, maxAttempts });
    if (!job) return null;
    if (stopController.signal.aborted) {
      // stop() began while the claim was in flight: hand the job straight back.
      const released = await releaseJob(pool, job.id, workerId);
      return { jobId: job.id, status: released ? 'released' : 'lost' };
    }
    const abort = new AbortController();
    const done = processJob(job, abort);
    running.set(job.id, { abort, done });
    try {
      return await done;
    } finally {
      running.delete(job.id);
    }
  }

  async function pollLoop(): Promise<void> {
    while (!stopController.signal.aborted) {
      let outcome: JobOutcome | null = null;
      try {
        outcome = await runOnce();
      } catch (error) {
        logger.error('poll failed', {
          error: (error as Error).message,
          code: (error as { code?: string }).code,
        });
      }
      if (outcome) continue; // there may be more: poll again at once
      await abortableDelay(pollIntervalMs, stopController.signal).catch(() => {});
    }
  }

  return {
    workerId,
    get inFlight() {
      return [...running.keys()];
    },
    start() {
      if (loop || stopController.signal.aborted) return;
      logger.info('video job executor started', {
        workerId,
        provider: provider.name,
        pollIntervalMs,
        leaseSeconds,
      });
      loop = pollLoop();
    },
    runOnce,
    async stop(options = {}) {
      const timeoutMs = options.timeoutMs ?? stopTimeoutMs;
      stopController.abort(new StopRequested());
      const jobs = [...running.entries()].map(([jobId, job]) => ({
        jobId,
        abort: job.abort,
        done: job.done.catch(() => undefined),
      }));
      const settled = Promise.all(jobs.map((job) => job.done));
      let timer: NodeJS.Timeout | undefined;
      const finishedInTime = await Promise.race([
        settled.then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]);
      clearTimeout(timer);
      const released: string[] = [];
      if (!finishedInTime) {
        for (const job of jobs) job.abort.abort(new StopRequested());
        // Aborted jobs release themselves; one whose provider ignores the signal is released here after
        // a short grace, and its late completion will find the job no longer ours.
        const grace = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 2000)));
        await Promise.race([settled, grace]);
        clearTimeout(timer);
        for (const { jobId, done } of jobs) {
          const outcome = await Promise.race([done, Promise.resolve(null)]);
          if (outcome?.status === 'released') released.push(jobId);
          else if (!outcome && (await releaseJob(pool, jobId, workerId))) released.push(jobId);
        }
      }
      // The loop ends as soon as its current runOnce returns; one stuck in a provider that ignores the
      // abort is not waited for (its job is already released).
      await Promise.race([loop, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      logger.info('video job executor stopped', { workerId, released });
      return { released };
    },
  };
}
