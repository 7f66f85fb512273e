/**
 * The SQL of the video job queue (public.video_jobs). Run as the pool's login role, the table owner,
 * which RLS does not restrict: the worker serves every user. Leases use the database clock (now()), so
 * workers on different hosts agree on when a lease ran out.
 */
import type pg from 'pg';
import { withTransaction } from '@supa2aws/runtime/db';
import type { VideoJob } from './video-provider.ts';

interface JobRow {
  id: string;
  project_id: string;
  scene_id: string | null;
  user_id: string;
  prompt: string;
  attempts: number;
}

/**
 * Claims the oldest runnable job: queued, or processing with an expired lease (its worker died), and
 * not out of attempts. FOR UPDATE SKIP LOCKED makes concurrent workers take different rows; the
 * re-check of the WHERE clause on the locked row (READ COMMITTED) stops a row another worker just
 * claimed from being taken again.
 */
export async function claimJob(
  pool: pg.Pool,
  options: { workerId: string; leaseSeconds: number; maxAttempts: number },
): Promise<VideoJob | undefined> {
  const { rows } = await pool.query<JobRow>(
    `WITH next AS (
       SELECT id FROM public.video_jobs
        WHERE (status = 'queued' OR (status = 'processing' AND lease_expires_at < now()))
          AND attempts < $3
        ORDER BY created_at, id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
     )
     UPDATE public.video_jobs j
        SET status = 'processing', attempts = j.attempts + 1, locked_by = $1,
            lease_expires_at = now() + make_interval(secs => $2)
       FROM next
      WHERE j.id = next.id
     RETURNING j.id, j.project_id, j.scene_id, j.user_id, j.prompt, j.attempts`,
    [options.workerId, options.leaseSeconds, options.maxAttempts],
  );
  const row = rows[0];
  return row
    ? {
        id: row.id,
        projectId: row.project_id,
        sceneId: row.scene_id,
        userId: row.user_id,
        prompt: row.prompt,
        attempts: row.attempts,
      }
    : undefined;
}

/** Jobs whose worker died on their last allowed attempt: failed, with the reason. */
export async function failExhausted(pool: pg.Pool, maxAttempts: number): Promise<number> {
  const result = await pool.query(
    `UPDATE public.video_jobs
        SET status = 'failed', locked_by = NULL, lease_expires_at = NULL,
            error = coalesce(error, 'lease expired on the last allowed attempt')
      WHERE status = 'processing' AND lease_expires_at < now() AND attempts >= $1`,
    [maxAttempts],
  );
  return result.rowCount ?? 0;
}

/** Extends our lease; false when the job is no longer ours (the lease ran out and another worker took it). */
export async function renewLease(
  pool: pg.Pool,
  jobId: string,
  workerId: string,
  leaseSeconds: number,
): Promise<boolean> {
  const result = await pool.query(
    `UPDATE public.video_jobs SET lease_expires_at = now() + make_interval(secs => $3)
      WHERE id = $1 AND locked_by = $2 AND status = 'processing'`,
    [jobId, workerId, leaseSeconds],
  );
  return result.rowCount === 1;
}

/**
 * Records the finished video in one transaction: the job (completed, video_url, storage_path, lease
 * cleared) and its scene (video_url, status video_ready). Only while the job is still ours; false if not.
 */
export async function completeJob(
  pool: pg.Pool,
  job: VideoJob,
  result: { workerId: string; videoUrl: string; storagePath: string },
): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const updated = await client.query(
      `UPDATE public.video_jobs
          SET status = 'completed', video_url = $3, storage_path = $4, error = NULL,
              locked_by = NULL, lease_expires_at = NULL
        WHERE id = $1 AND locked_by = $2 AND status = 'processing'`,
      [job.id, result.workerId, result.videoUrl, result.storagePath],
    );
    if (updated.rowCount !== 1) return false;
    if (job.sceneId) {
      await client.query(`UPDATE public.scenes SET video_url = $2, status = 'video_ready' WHERE id = $1`, [
        job.sceneId,
        result.videoUrl,
      ]);
    }
    return true;
  });
}

/** Gives the job back to the queue without counting the attempt (a graceful shutdown is not its fault). */
export async function releaseJob(pool: pg.Pool, jobId: string, workerId: string): Promise<boolean> {
  const result = await pool.query(
    `UPDATE public.video_jobs
        SET status = 'queued', locked_by = NULL, lease_expires_at = NULL, attempts = greatest(attempts - 1, 0)
      WHERE id = $1 AND locked_by = $2 AND status = 'processing'`,
    [jobId, workerId],
  );
  return result.rowCount === 1;
}

/** A failed attempt: back to the queue while attempts remain, else failed. The error text is kept short. */
export async function failAttempt(
  pool: pg.Pool,
  job: VideoJob,
  options: { workerId: string; maxAttempts: number; error: string },
): Promise<'retry' | 'failed' | 'lost'> {
  const final = job.attempts >= options.maxAttempts;
  const result = await pool.query(
    `UPDATE public.video_jobs
        SET status = $3, error = $4, locked_by = NULL, lease_expires_at = NULL
      WHERE id = $1 AND locked_by = $2 AND status = 'processing'`,
    [job.id, options.workerId, final ? 'failed' : 'queued', options.error.slice(0, 500)],
  );
  if (result.rowCount !== 1) return 'lost';
  return final ? 'failed' : 'retry';
}
