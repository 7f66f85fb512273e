/**
 * `storage.from(bucket)`: the supabase-js StorageFileApi surface on S3. Every method resolves to
 * `{ data, error }` and never throws for a storage failure, as supabase-js does.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { StorageApiError, StorageUnknownError, toStorageError } from './errors.ts';
import { encodeKey, publicObjectUrl, type PublicUrlOptions } from './public-url.ts';
import type { FileBody, FileObject, FileOptions, Result, SearchOptions, TransformOptions } from './types.ts';

/** User metadata is stored as one value, JSON then percent-encoded (S3 metadata must be ASCII). */
export const USER_METADATA_KEY = 'supabase-user-metadata';
/** SigV4 presigned URLs live at most 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
const DEFAULT_CONTENT_TYPE = 'text/plain;charset=UTF-8';

export interface BucketApiOptions {
  client: S3Client;
  /** The bucket id the app uses (e.g. `videos`). */
  bucketId: string;
  /** The S3 bucket it lives in (e.g. `aiuteur-videos`). */
  bucket: string;
  publicUrl: PublicUrlOptions;
  /** Multipart part size for uploads. @default 16 MiB */
  partSize: number;
  /** Parts uploaded at once per upload. @default 4 */
  queueSize: number;
  /** Resolves another app bucket id to its S3 bucket (move/copy with destinationBucket). */
  resolve: (bucketId: string) => string;
}

function ok<T>(data: T): Result<T> {
  return { data, error: null };
}

function fail<T>(error: unknown): Result<T> {
  return { data: null, error: toStorageError(error) };
}

function cleanPath(path: string): string {
  return path.replace(/^\/|\/$/g, '').replace(/\/+/g, '/');
}

function cacheControlHeader(value: string | undefined): string {
  const v = value ?? '3600';
  return /^\d+$/.test(v) ? `max-age=${v}` : v;
}

/** Whatever supabase-js accepts as a body, as something the S3 SDK can stream. */
export function toBody(body: FileBody): { body: Buffer | Readable | string; type?: string } {
  if (typeof body === 'string' || Buffer.isBuffer(body)) return { body };
  if (body instanceof ArrayBuffer) return { body: Buffer.from(body) };
  if (ArrayBuffer.isView(body)) return { body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
  if (typeof Blob !== 'undefined' && body instanceof Blob) {
    return {
      body: Readable.fromWeb(body.stream() as unknown as WebReadableStream),
      ...(body.type ? { type: body.type } : {}),
    };
  }
  if (typeof (body as ReadableStream).getReader === 'function') {
    return { body: Readable.fromWeb(body as unknown as WebReadableStream) };
  }
  if (typeof (body as Readable).pipe === 'function') return { body: body as Readable };
  throw new StorageUnknownError(
    'Unsupported body: pass a Buffer, string, Blob, ArrayBuffer or stream (FormData is not supported)',
    body,
  );
}

export class StorageBucketApi {
  constructor(private readonly o: BucketApiOptions) {}

  private get s3() {
    return this.o.client;
  }

  private async exists0(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.o.bucket, Key: key }));
      return true;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) return false;
      throw error;
    }
  }

  private async put(
    method: 'upload' | 'update',
    path: string,
    fileBody: FileBody,
    options: FileOptions = {},
  ) {
    const key = cleanPath(path);
    try {
      const upsert = method === 'update' || options.upsert === true;
      // S3 refuses atomically with If-None-Match; the HEAD covers stand-ins that ignore it.
      if (!upsert && (await this.exists0(key))) {
        return fail<{ id: string; path: string; fullPath: string }>(
          new StorageApiError('The resource already exists', 409, '409', 'Duplicate', 'Duplicate'),
        );
      }
      const { body, type } = toBody(fileBody);
      const metadata = options.metadata
        ? { [USER_METADATA_KEY]: encodeURIComponent(JSON.stringify(options.metadata)) }
        : undefined;
      const upload = new Upload({
        client: this.s3,
        partSize: this.o.partSize,
        queueSize: this.o.queueSize,
        leavePartsOnError: false,
        params: {
          Bucket: this.o.bucket,
          Key: key,
          Body: body,
          ContentType: options.contentType ?? type ?? DEFAULT_CONTENT_TYPE,
          CacheControl: cacheControlHeader(options.cacheControl),
          ...(options.contentEncoding ? { ContentEncoding: options.contentEncoding } : {}),
          ...(metadata ? { Metadata: metadata } : {}),
          ...(upsert ? {} : { IfNoneMatch: '*' }),
        },
      });
      const out = await upload.done();
      const etag = (out as { ETag?: string }).ETag?.replace(/"/g, '') ?? '';
      return ok({ id: etag, path: key, fullPath: `${this.o.bucketId}/${key}` });
    } catch (error) {
      return fail<{ id: string; path: string; fullPath: string }>(error);
    }
  }

  /** Uploads a file (streamed; multipart above the part size, so multi-GB bodies stay out of memory). */
  upload(
    path: string,
    fileBody: FileBody,
    options?: FileOptions,
  ): Promise<Result<{ id: string; path: string; fullPath: string }>> {
    return this.put('upload', path, fileBody, options);
  }

  /** Replaces a file (upload with upsert). */
  update(
    path: string,
    fileBody: FileBody,
    options?: FileOptions,
  ): Promise<Result<{ id: string; path: string; fullPath: string }>> {
    return this.put('update', path, fileBody, options);
  }

  /** Downloads a file as a Blob (as supabase-js). For big files use `downloadStream`. */
  async download(path: string, _options?: { transform?: TransformOptions }): Promise<Result<Blob>> {
    try {
      const got = await this.s3.send(new GetObjectCommand({ Bucket: this.o.bucket, Key: cleanPath(path) }));
      const bytes = await (
        got.Body as { transformToByteArray(): Promise<Uint8Array> }
      ).transformToByteArray();
      return ok(
        new Blob([bytes as Uint8Array<ArrayBuffer>], { type: got.ContentType ?? 'application/octet-stream' }),
      );
    } catch (error) {
      return fail(error);
    }
  }

  /** Not in supabase-js: the object as a Node stream, for files too big for a Blob. */
  async downloadStream(
    path: string,
  ): Promise<Result<{ stream: Readable; size: number; contentType?: string }>> {
    try {
      const got = await this.s3.send(new GetObjectCommand({ Bucket: this.o.bucket, Key: cleanPath(path) }));
      return ok({
        stream: got.Body as Readable,
        size: got.ContentLength ?? 0,
        ...(got.ContentType ? { contentType: got.ContentType } : {}),
      });
    } catch (error) {
      return fail(error);
    }
  }

  /**
   * The public URL (the bucket must allow public reads, or be behind the configured CloudFront base URL).
   * `download` and `transform` have no S3 equivalent on an unsigned URL and are ignored.
   */
  getPublicUrl(
    path: string,
    _options?: { download?: string | boolean; transform?: TransformOptions },
  ): { data: { publicUrl: string } } {
    return { data: { publicUrl: publicObjectUrl(this.o.bucket, cleanPath(path), this.o.publicUrl) } };
  }

  /** A presigned GET URL valid for `expiresIn` seconds (at most 7 days with SigV4). */
  async createSignedUrl(
    path: string,
    expiresIn: number,
    options?: { download?: string | boolean },
  ): Promise<Result<{ signedUrl: string }>> {
    try {
      if (!(expiresIn > 0) || expiresIn > MAX_PRESIGN_SECONDS) {
        throw new StorageApiError(
          `expiresIn must be 1..${MAX_PRESIGN_SECONDS} seconds (SigV4 limit), got ${expiresIn}`,
          400,
          '400',
          'InvalidArgument',
        );
      }
      const key = cleanPath(path);
      const download = options?.download;
      const disposition =
        download === undefined || download === false
          ? undefined
          : `attachment; filename="${(download === true ? key.slice(key.lastIndexOf('/') + 1) : download).replace(/"/g, '')}"`;
      const signedUrl = await getSignedUrl(
        this.s3,
        new GetObjectCommand({
          Bucket: this.o.bucket,
          Key: key,
          ...(disposition ? { ResponseContentDisposition: disposition } : {}),
        }),
        { expiresIn },
      );
      return ok({ signedUrl });
    } catch (error) {
      return fail(error);
    }
  }

  async createSignedUrls(
    paths: string[],
    expiresIn: number,
    options?: { download?: string | boolean },
  ): Promise<Result<Array<{ error: string | null; path: string | null; signedUrl: string | null }>>> {
    const out: Array<{ error: string | null; path: string | null; signedUrl: string | null }> = [];
    for (const path of paths) {
      const r = await this.createSignedUrl(path, expiresIn, options);
      if (r.error && r.error.statusCode === '400') return fail(r.error);
      out.push({ path, signedUrl: r.data?.signedUrl ?? null, error: r.error ? r.error.message : null });
    }
    return ok(out);
  }

  /** A presigned PUT URL valid for 2 hours (as Storage's signed upload URLs); `token` feeds uploadToSignedUrl. */
  async createSignedUploadUrl(
    path: string,
    options?: { upsert: boolean },
  ): Promise<Result<{ signedUrl: string; token: string; path: string }>> {
    try {
      const key = cleanPath(path);
      if (!options?.upsert && (await this.exists0(key))) {
        throw new StorageApiError('The resource already exists', 409, '409', 'Duplicate', 'Duplicate');
      }
      const signedUrl = await getSignedUrl(
        this.s3,
        new PutObjectCommand({ Bucket: this.o.bucket, Key: key }),
        { expiresIn: 7200 },
      );
      return ok({ signedUrl, token: Buffer.from(signedUrl).toString('base64url'), path });
    } catch (error) {
      return fail(error);
    }
  }

  /** Uploads with a token from createSignedUploadUrl (a plain HTTP PUT, no credentials needed). */
  async uploadToSignedUrl(
    path: string,
    token: string,
    fileBody: FileBody,
    options?: FileOptions,
  ): Promise<Result<{ path: string; fullPath: string }>> {
    try {
      const url = Buffer.from(token, 'base64url').toString();
      const { body, type } = toBody(fileBody);
      const payload =
        typeof body === 'string' || Buffer.isBuffer(body)
          ? body
          : (Readable.toWeb(body) as unknown as BodyInit);
      const response = await fetch(url, {
        method: 'PUT',
        body: payload as BodyInit,
        headers: {
          'content-type': options?.contentType ?? type ?? DEFAULT_CONTENT_TYPE,
          'cache-control': cacheControlHeader(options?.cacheControl),
        },
        ...(typeof body === 'string' || Buffer.isBuffer(body) ? {} : { duplex: 'half' }),
      } as RequestInit);
      if (!response.ok)
        throw new StorageApiError(
          `Upload failed: HTTP ${response.status}`,
          response.status,
          String(response.status),
        );
      const key = cleanPath(path);
      return ok({ path: key, fullPath: `${this.o.bucketId}/${key}` });
    } catch (error) {
      return fail(error);
    }
  }

  /** Deletes files; returns the ones deleted (name = the path given). */
  async remove(paths: string[]): Promise<Result<FileObject[]>> {
    try {
      const removed: FileObject[] = [];
      for (let i = 0; i < paths.length; i += 1000) {
        const batch = paths.slice(i, i + 1000).map(cleanPath);
        const out = await this.s3.send(
          new DeleteObjectsCommand({
            Bucket: this.o.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: false },
          }),
        );
        if (out.Errors?.length && !out.Deleted?.length) {
          const e = out.Errors[0];
          throw toStorageError({ name: e?.Code, message: e?.Message, $metadata: { httpStatusCode: 400 } });
        }
        for (const d of out.Deleted ?? []) {
          removed.push({
            name: d.Key ?? '',
            id: null,
            updated_at: null,
            created_at: null,
            last_accessed_at: null,
            metadata: null,
            bucket_id: this.o.bucketId,
          });
        }
      }
      return ok(removed);
    } catch (error) {
      return fail(error);
    }
  }

  /** Files and folders directly under `prefix`, sorted and paged like Storage's list(). */
  async list(prefix?: string, options: SearchOptions = {}): Promise<Result<FileObject[]>> {
    try {
      const limit = options.limit ?? 100;
      const offset = options.offset ?? 0;
      const column = options.sortBy?.column ?? 'name';
      const descending = (options.sortBy?.order ?? 'asc').toLowerCase() === 'desc';
      const dir = cleanPath(prefix ?? '');
      const base = dir ? `${dir}/` : '';
      const search = (options.search ?? '').toLowerCase();
      const entries: FileObject[] = [];
      // Names in ascending order can stop early; any other order needs the whole folder.
      const enough = column === 'name' && !descending ? offset + limit : Infinity;
      let token: string | undefined;
      do {
        const page = await this.s3.send(
          new ListObjectsV2Command({
            Bucket: this.o.bucket,
            Prefix: base,
            Delimiter: '/',
            ContinuationToken: token,
          }),
        );
        const batch: FileObject[] = [];
        for (const p of page.CommonPrefixes ?? []) {
          const name = (p.Prefix ?? '').slice(base.length).replace(/\/$/, '');
          batch.push({
            name,
            id: null,
            updated_at: null,
            created_at: null,
            last_accessed_at: null,
            metadata: null,
          });
        }
        for (const o of page.Contents ?? []) {
          const name = (o.Key ?? '').slice(base.length);
          if (!name) continue;
          const when = o.LastModified?.toISOString() ?? null;
          const etag = (o.ETag ?? '').replace(/"/g, '');
          batch.push({
            name,
            id: etag,
            updated_at: when,
            created_at: when,
            last_accessed_at: when,
            metadata: {
              eTag: o.ETag ?? '',
              size: o.Size ?? 0,
              lastModified: when ?? '',
              contentLength: o.Size ?? 0,
              httpStatusCode: 200,
            },
          });
        }
        entries.push(...batch.filter((e) => !search || e.name.toLowerCase().startsWith(search)));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token && entries.length < enough);
      const key = (e: FileObject): string => {
        if (column === 'name') return e.name;
        const v = (e as unknown as Record<string, unknown>)[column];
        return typeof v === 'string' ? v : '';
      };
      entries.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (descending ? -1 : 1));
      return ok(entries.slice(offset, offset + limit));
    } catch (error) {
      return fail(error);
    }
  }

  async exists(path: string): Promise<Result<boolean>> {
    try {
      return ok(await this.exists0(cleanPath(path)));
    } catch (error) {
      return fail(error);
    }
  }

  /** Object details (size, type, cache control, user metadata). */
  async info(path: string): Promise<
    Result<{
      id: string;
      name: string;
      bucketId: string;
      size: number;
      contentType?: string;
      cacheControl?: string;
      etag: string;
      lastModified?: string;
      metadata?: unknown;
    }>
  > {
    try {
      const key = cleanPath(path);
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.o.bucket, Key: key }));
      const raw = head.Metadata?.[USER_METADATA_KEY];
      return ok({
        id: (head.ETag ?? '').replace(/"/g, ''),
        name: key,
        bucketId: this.o.bucketId,
        size: head.ContentLength ?? 0,
        etag: head.ETag ?? '',
        ...(head.ContentType ? { contentType: head.ContentType } : {}),
        ...(head.CacheControl ? { cacheControl: head.CacheControl } : {}),
        ...(head.LastModified ? { lastModified: head.LastModified.toISOString() } : {}),
        ...(raw ? { metadata: JSON.parse(decodeURIComponent(raw)) as unknown } : {}),
      });
    } catch (error) {
      return fail(error);
    }
  }

  async copy(
    fromPath: string,
    toPath: string,
    options?: { destinationBucket?: string },
  ): Promise<Result<{ path: string }>> {
    try {
      const bucketId = options?.destinationBucket ?? this.o.bucketId;
      const to = cleanPath(toPath);
      await this.s3.send(
        new CopyObjectCommand({
          Bucket: this.o.resolve(bucketId),
          Key: to,
          CopySource: `${this.o.bucket}/${encodeKey(cleanPath(fromPath))}`,
        }),
      );
      return ok({ path: `${bucketId}/${to}` });
    } catch (error) {
      return fail(error);
    }
  }

  async move(
    fromPath: string,
    toPath: string,
    options?: { destinationBucket?: string },
  ): Promise<Result<{ message: string }>> {
    const copied = await this.copy(fromPath, toPath, options);
    if (copied.error) return { data: null, error: copied.error };
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.o.bucket, Key: cleanPath(fromPath) }));
      return ok({ message: 'Successfully moved' });
    } catch (error) {
      return fail(error);
    }
  }
}
