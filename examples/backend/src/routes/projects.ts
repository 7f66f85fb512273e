/**
 * Projects CRUD, every query through withUser: the RLS policies kept from Supabase decide which rows a
 * user sees and may change ("Users can view their own projects" ...), as they did behind PostgREST.
 */
import { Router, type Request } from 'express';
import type pg from 'pg';
import { body, HttpError, text, uuidParam } from '../http.ts';
import { withUser } from '@supa2aws/runtime/db';
import type { AuthUser } from '@supa2aws/runtime/auth';

const COLUMNS = `id, user_id, title, description, status, style_capsule_id, cover_image_url, aspect_ratio,
  settings, created_at, updated_at`;
const STATUSES = ['draft', 'in_progress', 'rendering', 'completed', 'archived'];

export function currentUser(req: Request): AuthUser {
  if (!req.user) throw new HttpError(401, 'UNAUTHENTICATED', 'sign in first');
  return req.user;
}

/** The writable fields of a project from a request body (only those present). */
function projectFields(input: Record<string, unknown>, creating: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const title = text(input, 'title', { required: creating, max: 200 });
  if (title !== undefined) {
    if (title === null || title.trim() === '')
      throw new HttpError(400, 'INVALID_FIELD', 'title must not be empty');
    out.title = title;
  }
  const description = text(input, 'description', { max: 5000, nullable: true });
  if (description !== undefined) out.description = description;
  const status = text(input, 'status', { max: 20 });
  if (status !== undefined) {
    if (!STATUSES.includes(status as string)) {
      throw new HttpError(400, 'INVALID_FIELD', `status must be one of ${STATUSES.join(', ')}`);
    }
    out.status = status;
  }
  const aspect = text(input, 'aspect_ratio', { max: 16 });
  if (aspect !== undefined) out.aspect_ratio = aspect;
  const cover = text(input, 'cover_image_url', { max: 2048, nullable: true });
  if (cover !== undefined) out.cover_image_url = cover;
  if (input.style_capsule_id !== undefined) {
    out.style_capsule_id =
      input.style_capsule_id === null ? null : uuidParam(input.style_capsule_id, 'style_capsule_id');
  }
  if (input.settings !== undefined) {
    if (input.settings === null || typeof input.settings !== 'object' || Array.isArray(input.settings)) {
      throw new HttpError(400, 'INVALID_FIELD', 'settings must be a JSON object');
    }
    out.settings = JSON.stringify(input.settings);
  }
  return out;
}

export function projectsRouter(deps: { pool: pg.Pool }): Router {
  const router = Router();
  const { pool } = deps;

  router.get('/projects', async (req, res) => {
    const user = currentUser(req);
    const limit = Math.min(Math.max(Number(req.query.limit ?? 50) || 50, 1), 100);
    const offset = Math.max(Number(req.query.offset ?? 0) || 0, 0);
    const q = typeof req.query.q === 'string' && req.query.q.trim() ? req.query.q.trim().slice(0, 200) : null;
    const projects = await withUser(
      pool,
      user,
      async (client) =>
        (
          await client.query(
            `SELECT ${COLUMNS} FROM public.projects
              WHERE $3::text IS NULL OR search_vector @@ websearch_to_tsquery('english', $3::text)
              ORDER BY updated_at DESC, id LIMIT $1 OFFSET $2`,
            [limit, offset, q],
          )
        ).rows,
      { readOnly: true },
    );
    res.json({ projects, limit, offset });
  });

  router.get('/projects/:id', async (req, res) => {
    const user = currentUser(req);
    const id = uuidParam(req.params.id, 'id');
    const project = await withUser(
      pool,
      user,
      async (client) =>
        (await client.query(`SELECT ${COLUMNS} FROM public.projects WHERE id = $1`, [id])).rows[0],
      { readOnly: true },
    );
    if (!project) throw new HttpError(404, 'NOT_FOUND', `no project ${id}`);
    res.json({ project });
  });

  router.post('/projects', async (req, res) => {
    const user = currentUser(req);
    const fields = { ...projectFields(body(req), true), user_id: user.id };
    const names = Object.keys(fields);
    const project = await withUser(pool, user, async (client) => {
      const { rows } = await client.query(
        `INSERT INTO public.projects (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})
         RETURNING ${COLUMNS}`,
        Object.values(fields),
      );
      return rows[0];
    });
    res.status(201).location(`/projects/${project.id}`).json({ project });
  });

  router.patch('/projects/:id', async (req, res) => {
    const user = currentUser(req);
    const id = uuidParam(req.params.id, 'id');
    const fields = projectFields(body(req), false);
    const names = Object.keys(fields);
    if (names.length === 0) throw new HttpError(400, 'INVALID_BODY', 'nothing to update');
    const project = await withUser(pool, user, async (client) => {
      const { rows } = await client.query(
        `UPDATE public.projects SET ${names.map((n, i) => `${n} = $${i + 2}`).join(', ')} WHERE id = $1
         RETURNING ${COLUMNS}`,
        [id, ...Object.values(fields)],
      );
      return rows[0];
    });
    if (!project) throw new HttpError(404, 'NOT_FOUND', `no project ${id}`);
    res.json({ project });
  });

  router.delete('/projects/:id', async (req, res) => {
    const user = currentUser(req);
    const id = uuidParam(req.params.id, 'id');
    const deleted = await withUser(
      pool,
      user,
      async (client) => (await client.query('DELETE FROM public.projects WHERE id = $1', [id])).rowCount,
    );
    if (!deleted) throw new HttpError(404, 'NOT_FOUND', `no project ${id}`);
    res.status(204).end();
  });

  return router;
}
