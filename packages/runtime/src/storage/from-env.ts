/**
 * Storage configured from the environment, as the guide's backend does:
 *   AWS_REGION, S3_ENDPOINT (local stand-ins only), S3_FORCE_PATH_STYLE,
 *   S3_<ID>_BUCKET for each app bucket id (S3_VIDEOS_BUCKET → `videos`, S3_ASSET_IMAGES_BUCKET → `asset-images`),
 *   S3_<ID>_PUBLIC_BASE_URL for a public bucket served at a base URL's root (the infra stacks set
 *   S3_IMAGES_PUBLIC_BASE_URL and S3_ASSET_IMAGES_PUBLIC_BASE_URL), else S3_PUBLIC_BASE_URL serving every
 *   bucket as `<base>/<bucket>/<key>`.
 * Credentials come from the AWS default chain (ECS task role in production).
 */
import { createStorage, type CreateStorageOptions, type Storage } from './create-storage.ts';

/** `S3_ASSET_IMAGES_BUCKET=x` → `{ 'asset-images': 'x' }`. */
export function bucketsFromEnv(
  env: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const m = /^S3_([A-Z0-9_]+)_BUCKET$/.exec(name);
    if (m?.[1] && value) out[m[1].toLowerCase().replace(/_/g, '-')] = value;
  }
  return out;
}

/** `S3_ASSET_IMAGES_PUBLIC_BASE_URL=x` → `{ 'asset-images': 'x' }`. */
export function bucketBaseUrlsFromEnv(
  env: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const m = /^S3_([A-Z0-9_]+)_PUBLIC_BASE_URL$/.exec(name);
    if (m?.[1] && value) out[m[1].toLowerCase().replace(/_/g, '-')] = value;
  }
  return out;
}

export function storageOptionsFromEnv(
  env: Record<string, string | undefined> = process.env,
): CreateStorageOptions {
  const endpoint = env.S3_ENDPOINT;
  const bucketBaseUrls = bucketBaseUrlsFromEnv(env);
  return {
    buckets: bucketsFromEnv(env),
    ...(Object.keys(bucketBaseUrls).length
      ? { publicBaseUrl: bucketBaseUrls }
      : env.S3_PUBLIC_BASE_URL
        ? { publicBaseUrl: env.S3_PUBLIC_BASE_URL }
        : {}),
    s3: {
      ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(env.S3_FORCE_PATH_STYLE ? { forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true' } : {}),
      ...(env.S3_CHECKSUMS_WHEN_REQUIRED === 'true' ? { checksumsWhenRequired: true } : {}),
    },
  };
}

export function createStorageFromEnv(env: Record<string, string | undefined> = process.env): Storage {
  return createStorage(storageOptionsFromEnv(env));
}
