/**
 * S3 for the backend (the plan's backend/src/config/s3.ts): one client, the three bucket names, public
 * URLs for the image buckets and presigned URLs for uploads and private videos.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Settings } from './config.ts';
import { createS3Client } from '@supa2aws/runtime/storage';

export interface Storage {
  s3: S3Client;
  settings: S3Settings;
}

/**
 * The client signs uploads without the SDK's default CRC32 checksum: a presigned PUT made with it
 * carries the checksum of an empty body and S3 rejects the browser's real upload (and s3rver needs it
 * off anyway). Credentials come from the default chain (the ECS task role on Fargate).
 */
export function createStorage(
  settings: S3Settings,
  credentials?: { accessKeyId: string; secretAccessKey: string },
): Storage {
  const s3 = createS3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.forcePathStyle !== undefined ? { forcePathStyle: settings.forcePathStyle } : {}),
    ...(credentials ?? {}),
    checksumsWhenRequired: true,
  });
  return { s3, settings };
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** The URL anyone can GET a public-bucket object at (images, asset-images). */
export function publicUrl(settings: S3Settings, bucket: string, key: string): string {
  const id = (['images', 'assetImages'] as const).find((b) => settings.buckets[b] === bucket);
  const base = id ? settings.publicBaseUrls?.[id] : undefined;
  if (base) return `${base}/${encodeKey(key)}`;
  if (settings.endpoint) return `${settings.endpoint.replace(/\/+$/, '')}/${bucket}/${encodeKey(key)}`;
  return `https://${bucket}.s3.${settings.region}.amazonaws.com/${encodeKey(key)}`;
}

/** A URL the browser PUTs the file to, with exactly this Content-Type and Content-Length. */
export function presignPut(
  storage: Storage,
  input: { bucket: string; key: string; contentType: string; contentLength: number },
): Promise<string> {
  const command = new PutObjectCommand({
    Bucket: input.bucket,
    Key: input.key,
    ContentType: input.contentType,
    ContentLength: input.contentLength,
  });
  return getSignedUrl(storage.s3, command, {
    expiresIn: storage.settings.presignExpiresSeconds,
    // Sign Content-Length so S3 refuses a body of any other size.
    signableHeaders: new Set(['content-type', 'content-length']),
  });
}

/** A time-limited URL to read a private object (videos). */
export function presignGet(storage: Storage, input: { bucket: string; key: string }): Promise<string> {
  return getSignedUrl(storage.s3, new GetObjectCommand({ Bucket: input.bucket, Key: input.key }), {
    expiresIn: storage.settings.presignExpiresSeconds,
  });
}
