/**
 * `createStorage()`: a drop-in for `supabase.storage` on S3. App bucket ids (`videos`) map to S3 buckets
 * (`aiuteur-videos`), so code that did `supabase.storage.from('videos').upload(...)` changes one import:
 *
 *   const storage = createStorage({ buckets: { videos: 'aiuteur-videos' }, publicBaseUrl: 'https://cdn.example.com' });
 *   const { data, error } = await storage.from('videos').upload(path, stream, { contentType: 'video/mp4' });
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client, type S3ClientOptions } from './s3-client.ts';
import { StorageBucketApi } from './storage-bucket.ts';

export interface CreateStorageOptions {
  /** An S3 client; else one is made from `s3` (region, credential chain, endpoint override). */
  client?: S3Client;
  s3?: S3ClientOptions;
  /** App bucket id → S3 bucket name. Ids not listed are used as S3 bucket names as they are. */
  buckets?: Record<string, string>;
  /**
   * Where public objects are served: one base for every bucket (`<base>/<bucket>/<key>`), or per app bucket
   * id a base serving that bucket's keys at its root (CloudFront). Else the S3 URL.
   */
  publicBaseUrl?: string | Record<string, string>;
  /** Multipart part size for uploads, bytes. @default 16 MiB */
  partSize?: number;
  /** Parts in flight per upload (memory: partSize × queueSize). @default 4 */
  queueSize?: number;
}

export interface Storage {
  from(bucketId: string): StorageBucketApi;
  /** The S3 bucket an app bucket id maps to. */
  bucketName(bucketId: string): string;
  readonly client: S3Client;
}

export function createStorage(options: CreateStorageOptions = {}): Storage {
  const client = options.client ?? createS3Client(options.s3 ?? {});
  const buckets = options.buckets ?? {};
  const resolve = (bucketId: string) => buckets[bucketId] ?? bucketId;
  const s3 = options.s3 ?? {};
  const cache = new Map<string, StorageBucketApi>();
  return {
    client,
    bucketName: resolve,
    from(bucketId: string) {
      let api = cache.get(bucketId);
      if (!api) {
        const base = options.publicBaseUrl;
        api = new StorageBucketApi({
          client,
          bucketId,
          bucket: resolve(bucketId),
          resolve,
          partSize: options.partSize ?? 16 * 1024 * 1024,
          queueSize: options.queueSize ?? 4,
          publicUrl: {
            ...(typeof base === 'string'
              ? { publicBaseUrl: base }
              : base?.[bucketId]
                ? { bucketBaseUrl: base[bucketId] }
                : {}),
            ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
            ...(s3.region ? { region: s3.region } : {}),
            ...(s3.forcePathStyle !== undefined ? { forcePathStyle: s3.forcePathStyle } : {}),
          },
        });
        cache.set(bucketId, api);
      }
      return api;
    },
  };
}
