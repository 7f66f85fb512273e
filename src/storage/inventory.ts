/**
 * What each side holds: storage.objects rows (what the app believes exists) and S3 listings (what does).
 * One bucket at a time, as compact maps keyed by object key: memory grows with the number of keys in the
 * largest bucket (~150 bytes a key), never with object sizes.
 */
import {
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { InterruptedError, StorageError } from '../core/errors.ts';
import type { Reporter } from '../core/reporter.ts';
import { withRetry } from '../core/retry.ts';
import {
  fatalS3Error,
  isNotFound,
  isNotImplemented,
  objectS3Error,
  s3ErrorName,
  taggingUnsupported,
  type Side,
} from './s3-errors.ts';
import type { PgClient } from '../core/pg.ts';
import { META_SHA256, type TargetHead } from './object-meta.ts';

/** One storage.objects row. */
export interface ObjectRow {
  key: string;
  /** metadata->>'size' (what Storage recorded at upload), if any. */
  size: number | undefined;
  mimetype: string | undefined;
  cacheControl: string | undefined;
  eTag: string | undefined;
  userMetadata: unknown;
}

/** One object in an S3 listing. */
export interface ListedObject {
  size: number;
  etag: string | undefined;
  lastModified: string | undefined;
}

/** Every storage.objects row of a bucket, read in keyset pages. */
export async function readBucketRows(
  db: PgClient,
  bucket: string,
  pageSize = 5000,
): Promise<Map<string, ObjectRow>> {
  const rows = new Map<string, ObjectRow>();
  let after: string | null = null;
  for (;;) {
    const { rows: page }: { rows: Array<Record<string, unknown>> } = await db.query(
      `select name, metadata, user_metadata
         from storage.objects
        where bucket_id = $1 and name is not null and ($2::text is null or name collate "C" > $2::text collate "C")
        order by name collate "C"
        limit $3`,
      [bucket, after, pageSize],
    );
    for (const r of page) {
      const meta = (r.metadata ?? {}) as Record<string, unknown>;
      const size = Number(meta.size ?? meta.contentLength);
      rows.set(r.name as string, {
        key: r.name as string,
        size: Number.isFinite(size) ? size : undefined,
        mimetype: typeof meta.mimetype === 'string' ? meta.mimetype : undefined,
        cacheControl: typeof meta.cacheControl === 'string' ? meta.cacheControl : undefined,
        eTag: typeof meta.eTag === 'string' ? meta.eTag : undefined,
        userMetadata: r.user_metadata ?? undefined,
      });
    }
    if (page.length < pageSize) break;
    after = page[page.length - 1]?.name as string;
  }
  return rows;
}

/** Bucket ids in storage.buckets with their public flag and row counts (for unmapped-bucket warnings). */
export async function readBuckets(
  db: PgClient,
): Promise<Array<{ id: string; public: boolean; objects: number }>> {
  const { rows } = await db.query<{ id: string; public: boolean | null; objects: string }>(
    `select b.id, b.public, (select count(*) from storage.objects o where o.bucket_id = b.id) as objects
       from storage.buckets b order by b.id`,
  );
  return rows.map((r) => ({ id: r.id, public: r.public === true, objects: Number(r.objects) }));
}

/** Whether the database has Supabase's storage schema at all. */
export async function hasStorageSchema(db: PgClient): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(`select to_regclass('storage.objects') is not null as ok`);
  return rows[0]?.ok === true;
}

export interface ListOptions {
  side: Side;
  signal?: AbortSignal;
  /** Optional key prefix to list under. */
  prefix?: string;
}

/**
 * Every object in a bucket (ListObjectsV2 pages of 1000). Returns `undefined` for a missing target bucket;
 * a missing source bucket, bad credentials and access denied throw their coded errors.
 */
export async function listBucket(
  s3: S3Client,
  bucket: string,
  options: ListOptions,
): Promise<Map<string, ListedObject> | undefined> {
  const out = new Map<string, ListedObject>();
  let token: string | undefined;
  do {
    let page;
    try {
      page = await withRetry(
        () =>
          s3.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              ContinuationToken: token,
              ...(options.prefix ? { Prefix: options.prefix } : {}),
            }),
            { abortSignal: options.signal },
          ),
        { signal: options.signal },
      );
    } catch (error) {
      if (options.signal?.aborted) throw new InterruptedError(`listing ${bucket}`);
      if (options.side === 'target' && s3ErrorName(error) === 'NoSuchBucket') return undefined;
      throw (
        fatalS3Error(error, { side: options.side, bucket, action: 'listing' }) ??
        objectS3Error(error, { side: options.side, bucket, action: 'Listing' }, 'STORAGE_LIST_FAILED')
      );
    }
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined) continue;
      out.set(o.Key, {
        size: o.Size ?? 0,
        etag: o.ETag,
        lastModified: o.LastModified?.toISOString(),
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/**
 * HeadObject on the target: size and user metadata, or undefined when there is no object. An object whose
 * metadata carries no seal has its tags read too (GetObjectTagging, of the version the HEAD saw), where the
 * seal of a streamed object lives.
 */
export async function headTarget(
  s3: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<TargetHead | undefined> {
  const retryable = (e: unknown) =>
    !isNotFound(e) && !isNotImplemented(e) && objectS3Error(e, { side: 'target' }).retryable;
  try {
    const head = await withRetry(
      () =>
        s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }), {
          abortSignal: signal,
        }),
      { signal, retryable },
    );
    const metadata = head.Metadata ?? {};
    let tags: Record<string, string> | undefined;
    if (!metadata[META_SHA256]) {
      const tagging = await withRetry(
        () =>
          s3.send(
            new GetObjectTaggingCommand({
              Bucket: bucket,
              Key: key,
              ...(head.VersionId ? { VersionId: head.VersionId } : {}),
            }),
            { abortSignal: signal },
          ),
        { signal, retryable },
      ).catch((error: unknown) => {
        throw isNotImplemented(error) ? taggingUnsupported(bucket, error) : error;
      });
      tags = Object.fromEntries((tagging.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    }
    return {
      size: head.ContentLength ?? 0,
      metadata,
      ...(tags ? { tags } : {}),
      ...(head.ETag ? { etag: head.ETag } : {}),
      ...(head.LastModified ? { lastModified: head.LastModified.toISOString() } : {}),
      ...(head.ChecksumSHA256 ? { checksumSha256: head.ChecksumSHA256 } : {}),
    };
  } catch (error) {
    if (signal?.aborted) throw new InterruptedError(`inspecting ${bucket}/${key}`);
    if (isNotFound(error)) return undefined;
    throw (
      fatalS3Error(error, { side: 'target', bucket, key, action: 'reading object metadata and tags' }) ??
      objectS3Error(error, { side: 'target', bucket, key, action: 'Inspecting' })
    );
  }
}

/** A progress event every `every` target objects inspected (HeadObject, tags), and one at the end. */
export function inspectProgress(reporter: Reporter, bucket: string, total: number, every = 50): () => void {
  let done = 0;
  return () => {
    done++;
    if (done % every === 0 || done === total)
      reporter.emit({ type: 'progress', task: `inspect ${bucket}`, done, total, unit: 'objects' });
  };
}

export function assertStorageSchema(present: boolean): void {
  if (!present) {
    throw new StorageError('STORAGE_NO_OBJECTS_TABLE', 'The source database has no storage.objects table', {
      exit: 'environment',
      hint: 'Point source.db.url at the Supabase project database (the session pooler works), then run `supa2aws storage plan`.',
    });
  }
}
