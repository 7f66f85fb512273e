/**
 * Image uploads without the bytes passing through the API: the browser asks for a presigned PUT URL,
 * uploads straight to S3, then registers the asset; images are served from their public URL.
 * Keys start with the user's ID (`<userId>/<uuid>/<name>`), Supabase Storage's per-user folder convention.
 */
import { randomUUID } from 'node:crypto';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { Router } from 'express';
import type pg from 'pg';
import { body, HttpError, text } from '../http.ts';
import { presignPut, publicUrl, type Storage } from '../storage.ts';
import { withUser } from '@supa2aws/runtime/db';
import { currentUser } from './projects.ts';

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];
/** @default 10 MiB */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

function bucketFor(storage: Storage, name: unknown): { bucket: string; bucketId: string } {
  const { images, assetImages } = storage.settings.buckets;
  if (name === undefined || name === 'asset-images') return { bucket: assetImages, bucketId: 'asset-images' };
  if (name === 'images') return { bucket: images, bucketId: 'images' };
  throw new HttpError(400, 'INVALID_FIELD', 'bucket must be images or asset-images');
}

function safeName(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? 'file';
  const cleaned = base
    .normalize('NFKC')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[-.]+/, '')
    .slice(-100);
  return cleaned || 'file';
}

export function assetsRouter(deps: { pool: pg.Pool; storage: Storage }): Router {
  const router = Router();
  const { pool, storage } = deps;

  /** POST /assets/upload-url {filename, contentType, size, bucket?} → {url, method, headers, key, bucket, publicUrl, expiresIn} */
  router.post('/assets/upload-url', async (req, res) => {
    const user = currentUser(req);
    const input = body(req);
    const filename = text(input, 'filename', { required: true, max: 255 }) as string;
    const contentType = text(input, 'contentType', { required: true, max: 100 }) as string;
    if (!IMAGE_TYPES.includes(contentType)) {
      throw new HttpError(400, 'INVALID_FIELD', `contentType must be one of ${IMAGE_TYPES.join(', ')}`);
    }
    const size = input.size;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_IMAGE_BYTES) {
      throw new HttpError(
        400,
        'INVALID_FIELD',
        `size must be the file's byte count, 1 to ${MAX_IMAGE_BYTES}`,
      );
    }
    const { bucket, bucketId } = bucketFor(storage, input.bucket);
    const key = `${user.id}/${randomUUID()}/${safeName(filename)}`;
    const url = await presignPut(storage, { bucket, key, contentType, contentLength: size });
    res.status(201).json({
      url,
      method: 'PUT',
      headers: { 'Content-Type': contentType },
      key,
      bucket: bucketId,
      publicUrl: publicUrl(storage.settings, bucket, key),
      expiresIn: storage.settings.presignExpiresSeconds,
    });
  });

  /** POST /assets {key, bucket?, name?} after the upload: checks the object exists, records it. */
  router.post('/assets', async (req, res) => {
    const user = currentUser(req);
    const input = body(req);
    const key = text(input, 'key', { required: true, max: 1024 }) as string;
    if (!key.startsWith(`${user.id}/`))
      throw new HttpError(403, 'FORBIDDEN', "that key is not in the user's folder");
    const { bucket, bucketId } = bucketFor(storage, input.bucket);
    let head;
    try {
      head = await storage.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      if ((error as { name?: string }).name === 'NotFound') {
        throw new HttpError(
          404,
          'NOT_UPLOADED',
          'no object at that key: PUT the file to the upload URL first',
        );
      }
      throw error;
    }
    const name = (text(input, 'name', { max: 255 }) as string | undefined) ?? key.split('/').pop()!;
    const asset = await withUser(pool, user, async (client) => {
      const { rows } = await client.query(
        `INSERT INTO public.assets (user_id, kind, name, bucket_id, storage_path, public_url, mime_type, size_bytes)
         VALUES ($1, 'image', $2, $3, $4, $5, $6, $7)
         RETURNING id, kind, name, bucket_id, storage_path, public_url, mime_type, size_bytes, created_at`,
        [
          user.id,
          name,
          bucketId,
          key,
          publicUrl(storage.settings, bucket, key),
          head.ContentType ?? null,
          head.ContentLength ?? null,
        ],
      );
      return rows[0];
    });
    res.status(201).json({ asset });
  });

  return router;
}
