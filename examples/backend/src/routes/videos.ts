/** Video jobs: queue one for a project (POST /videos), read its status with a presigned GET (GET /videos/:jobId). */
import { Router } from 'express';
import type pg from 'pg';
import { body, HttpError, text, uuidParam } from '../http.ts';
import { presignGet, type Storage } from '../storage.ts';
import { withUser } from '@supa2aws/runtime/db';
import { currentUser } from './projects.ts';

export function videosRouter(deps: { pool: pg.Pool; storage: Storage }): Router {
  const router = Router();
  const { pool, storage } = deps;

  router.post('/videos', async (req, res) => {
    const user = currentUser(req);
    const input = body(req);
    const projectId = uuidParam(input.projectId, 'projectId');
    const sceneId =
      input.sceneId === undefined || input.sceneId === null ? null : uuidParam(input.sceneId, 'sceneId');
    const prompt = text(input, 'prompt', { required: true, max: 4000 }) as string;
    const job = await withUser(pool, user, async (client) => {
      // RLS hides other users' projects, so this also checks ownership.
      const project = await client.query('SELECT 1 FROM public.projects WHERE id = $1', [projectId]);
      if (project.rowCount === 0) throw new HttpError(404, 'NOT_FOUND', `no project ${projectId}`);
      const { rows } = await client.query(
        `INSERT INTO public.video_jobs (project_id, scene_id, user_id, prompt) VALUES ($1, $2, $3, $4)
         RETURNING id, status, created_at`,
        [projectId, sceneId, user.id, prompt],
      );
      return rows[0];
    });
    res.status(202).location(`/videos/${job.id}`).json({ job });
  });

  router.get('/videos/:jobId', async (req, res) => {
    const user = currentUser(req);
    const id = uuidParam(req.params.jobId, 'jobId');
    const job = await withUser(
      pool,
      user,
      async (client) =>
        (
          await client.query(
            `SELECT id, project_id, scene_id, status, attempts, error, storage_path, created_at, updated_at
               FROM public.video_jobs WHERE id = $1`,
            [id],
          )
        ).rows[0],
      { readOnly: true },
    );
    if (!job) throw new HttpError(404, 'NOT_FOUND', `no video job ${id}`);
    const { storage_path: storagePath, ...rest } = job;
    const video =
      job.status === 'completed' && storagePath
        ? {
            url: await presignGet(storage, { bucket: storage.settings.buckets.videos, key: storagePath }),
            expiresIn: storage.settings.presignExpiresSeconds,
          }
        : null;
    res.setHeader('Cache-Control', 'no-store');
    res.json({ job: rest, video });
  });

  return router;
}
