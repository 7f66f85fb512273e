import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { Router } from 'express';
import type pg from 'pg';
import type { Storage } from '../storage.ts';

export interface Check {
  ok: boolean;
  ms: number;
  /** An error code (never a message that could carry a host or user). */
  error?: string;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function check(fn: () => Promise<unknown>, timeoutMs: number): Promise<Check> {
  const start = performance.now();
  try {
    await withTimeout(fn(), timeoutMs);
    return { ok: true, ms: Math.round(performance.now() - start) };
  } catch (error) {
    const e = error as { code?: string; name?: string };
    return { ok: false, ms: Math.round(performance.now() - start), error: e.code ?? e.name ?? 'ERROR' };
  }
}

/**
 * GET /health: the database (SELECT 1) and every bucket (HeadBucket), each within `timeoutMs`;
 * 200 when all answer, else 503 (the ALB takes the task out of service).
 * GET /health/live: the process only (for a container liveness check that should not restart the task
 * when RDS or S3 has a bad minute).
 */
export function healthRouter(deps: { pool: pg.Pool; storage: Storage; timeoutMs: number }): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/health', async (_req, res) => {
    const { buckets } = deps.storage.settings;
    const [database, ...bucketChecks] = await Promise.all([
      check(() => deps.pool.query('SELECT 1'), deps.timeoutMs),
      ...Object.values(buckets).map((bucket) =>
        check(() => deps.storage.s3.send(new HeadBucketCommand({ Bucket: bucket })), deps.timeoutMs),
      ),
    ]);
    const failed = bucketChecks.find((c) => !c.ok);
    const storage: Check = {
      ok: !failed,
      ms: Math.max(...bucketChecks.map((c) => c.ms)),
      ...(failed?.error ? { error: failed.error } : {}),
    };
    const ok = database!.ok && storage.ok;
    res.status(ok ? 200 : 503).setHeader('Cache-Control', 'no-store');
    res.json({ status: ok ? 'ok' : 'unavailable', checks: { database, storage } });
  });
  return router;
}
