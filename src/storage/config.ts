import { z } from 'zod';

/** How a bucket may be read on the target. */
export const bucketAccess = z.enum(['private', 'public-read']);

export const bucketMappingSchema = z
  .object({
    /** Target S3 bucket name. */
    target: z.string().min(3).max(63),
    /** @default 'private' */
    access: bucketAccess.default('private'),
    /** Public base URL for objects in this bucket (CloudFront), overriding the S3 URL. */
    publicBaseUrl: z.string().url().optional(),
  })
  .strict();

export const urlColumnSchema = z
  .object({
    schema: z.string().default('public'),
    table: z.string().min(1),
    column: z.string().min(1),
    /** @default 'text' */
    kind: z.enum(['text', 'jsonb']).default('text'),
    /** For bare paths: the source bucket the path lives in. */
    bucket: z.string().optional(),
  })
  .strict();

export const storageConfigSchema = z
  .object({
    /** Source bucket id → target bucket. */
    buckets: z.record(z.string(), bucketMappingSchema).default({}),
    /** Columns holding storage URLs or paths, rewritten by `storage rewrite-urls`. */
    urlColumns: z.array(urlColumnSchema).default([]),
    /** What signed Supabase URLs become: a stable public URL, or a bare `bucket/path` the app presigns. @default 'path' */
    signedUrls: z.enum(['public', 'path']).default('path'),
    /** Objects copied at once. @default 8 */
    concurrency: z.number().int().min(1).max(64).default(8),
    /** Multipart part size in MiB. @default 16 */
    partSizeMiB: z.number().int().min(5).max(5120).default(16),
  })
  .strict();

export type StorageConfig = z.infer<typeof storageConfigSchema>;
