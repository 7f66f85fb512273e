/**
 * Storage test data beside the fixture: a bucket of its own in the source s3rver, with storage.buckets and
 * storage.objects rows in a fresh source database, so each test controls its orphans, ghosts, odd keys,
 * zero-byte and multipart-size objects without touching anyone else's.
 */
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Config } from '../../src/config/index.ts';
import { headTarget, sealedSha256 } from '../../src/storage/index.ts';
import { until } from '../helpers/pg-query.ts';
import type { TestDatabase, TestSandbox } from '../helpers/sandbox.ts';

export interface TestObject {
  key: string;
  size: number;
  contentType?: string;
  cacheControl?: string;
  /** x-amz-meta-* on the source object. */
  metadata?: Record<string, string>;
  /** storage.objects.user_metadata. */
  userMetadata?: Record<string, unknown>;
  /** Bytes at the source (false: a ghost row). @default true */
  object?: boolean;
  /** A storage.objects row (false: an orphan). @default true */
  row?: boolean;
}

/** Deterministic bytes for a key. */
export function bytesFor(key: string, size: number, salt = ''): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(`${salt}${key}`).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export async function withAdmin<T>(db: TestDatabase, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: db.adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates `bucket` at the source with the given objects and rows. */
export async function seedBucket(
  sb: TestSandbox,
  db: TestDatabase,
  bucket: string,
  objects: TestObject[],
): Promise<void> {
  await sb.sourceS3.send(new CreateBucketCommand({ Bucket: bucket }));
  const etags = new Map<string, string>();
  for (const o of objects) {
    if (o.object === false) continue;
    const body = bytesFor(o.key, o.size);
    const out = await sb.sourceS3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: o.key,
        Body: body,
        ContentLength: body.length,
        ContentType: o.contentType ?? 'application/octet-stream',
        CacheControl: o.cacheControl ?? 'max-age=3600',
        ...(o.metadata ? { Metadata: o.metadata } : {}),
      }),
    );
    etags.set(o.key, out.ETag ?? '');
  }
  await withAdmin(db, async (client) => {
    await client.query(`insert into storage.buckets (id, name, public) values ($1, $1, false)`, [bucket]);
    for (const o of objects) {
      if (o.row === false) continue;
      await client.query(
        `insert into storage.objects (bucket_id, name, metadata, user_metadata) values ($1, $2, $3, $4)`,
        [
          bucket,
          o.key,
          {
            size: o.size,
            mimetype: o.contentType ?? 'application/octet-stream',
            cacheControl: o.cacheControl ?? 'max-age=3600',
            eTag: etags.get(o.key),
          },
          o.userMetadata ?? null,
        ],
      );
    }
  });
}

/** A config whose storage.buckets map only `buckets` (source id → target name). */
export function storageConfig(
  sb: TestSandbox,
  sourceDb: TestDatabase,
  buckets: Record<string, string>,
  overrides: Partial<Config['storage']> = {},
): Config {
  const config = sb.config({ sourceDb });
  config.storage = {
    ...config.storage,
    ...overrides,
    buckets: Object.fromEntries(
      Object.entries(buckets).map(([id, target]) => [id, { target, access: 'private' as const }]),
    ),
  };
  return config;
}

export interface TargetObject {
  key: string;
  size: number;
  etag: string | undefined;
  lastModified: string | undefined;
  metadata: Record<string, string>;
  /** Its tags, read when the metadata carries no seal. */
  tags: Record<string, string> | undefined;
  /** The SHA-256 it is sealed with (metadata or tags), if it is. */
  sealed: string | undefined;
}

/** Every object of a target bucket with its metadata and seal (as `storage plan` reads them). */
export async function targetObjects(s3: S3Client, bucket: string): Promise<Map<string, TargetObject>> {
  const out = new Map<string, TargetObject>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const head = await headTarget(s3, bucket, o.Key as string);
      if (!head) continue;
      out.set(o.Key as string, {
        key: o.Key as string,
        size: head.size,
        etag: head.etag,
        lastModified: head.lastModified,
        metadata: head.metadata,
        tags: head.tags,
        sealed: sealedSha256(head),
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/**
 * The target's objects once the requests a killed copy had already sent have landed: a process killed with
 * SIGKILL can leave a PUT or a seal that the server finishes after the process is gone, so two listings 300 ms
 * apart must agree on what exists and what is sealed.
 */
export async function settledTargetObjects(s3: S3Client, bucket: string): Promise<Map<string, TargetObject>> {
  const shape = (objects: Map<string, TargetObject>) =>
    [...objects.values()].map((o) => `${o.key}:${o.etag}:${o.sealed ?? ''}`).join('\n');
  let last = await targetObjects(s3, bucket);
  let settled = last;
  await until(`the objects in ${bucket} to settle`, async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    settled = await targetObjects(s3, bucket);
    const same = shape(settled) === shape(last);
    last = settled;
    return same;
  });
  return settled;
}
