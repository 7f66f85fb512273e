import { z } from 'zod';

/** How a bucket may be read on the target. */

/** Most objects copied at once (config and `--concurrency`). */
export const STORAGE_MAX_CONCURRENCY = 64;
/** S3's part sizes, in MiB: 5 MiB to 5 GiB (also the bounds of the multipart threshold). */
export const PART_MIB = { min: 5, max: 5120 } as const;
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

export const corsSchema = z
  .object({
    /** Origins allowed to upload and read from the browser. @default ['*'] */
    allowedOrigins: z.array(z.string().min(1)).min(1).default(['*']),
    /** @default ['GET', 'HEAD', 'PUT', 'POST'] */
    allowedMethods: z
      .array(z.enum(['GET', 'HEAD', 'PUT', 'POST', 'DELETE']))
      .default(['GET', 'HEAD', 'PUT', 'POST']),
    /** @default 3000 */
    maxAgeSeconds: z.number().int().min(0).default(3000),
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
    concurrency: z.number().int().min(1).max(STORAGE_MAX_CONCURRENCY).default(8),
    /**
     * Multipart part size in MiB. A part is held in memory from its read until the target took it: the run
     * holds at most 64 MiB of parts (four of 16 MiB), and one part of any larger size. @default 16
     */
    partSizeMiB: z.number().int().min(PART_MIB.min).max(PART_MIB.max).default(16),
    /**
     * Objects larger than this go up in parts (read in order, up to four sent at once); smaller ones in one
     * streamed PUT.
     * S3 takes at most 5 GiB in one PUT. @default 1024
     */
    multipartThresholdMiB: z.number().int().min(PART_MIB.min).max(PART_MIB.max).default(1024),
    /** CORS rules `storage setup` puts on every target bucket (browser uploads with presigned URLs). */
    cors: corsSchema.default({}),
    /** Turn on bucket versioning in `storage setup`. @default true */
    versioning: z.boolean().default(true),
    /** Rows per transaction in `storage rewrite-urls` / `restore-urls`. @default 500 */
    urlBatchSize: z.number().int().min(1).max(10_000).default(500),
  })
  .strict();

export type StorageConfig = z.infer<typeof storageConfigSchema>;
export type BucketMapping = z.infer<typeof bucketMappingSchema>;
export type UrlColumn = z.infer<typeof urlColumnSchema>;
