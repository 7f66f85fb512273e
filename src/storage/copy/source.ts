/** Reading the source object: a GET pinned to the planned ETag, and the headers the target copy carries. */
import { GetObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { StorageError } from '../../core/errors.ts';
import { foreignMetadata, META_SOURCE_ETAG, META_USER_METADATA, metadataBytes } from '../object-meta.ts';
import type { CopyItem } from '../plan.ts';
import { guardResponseBody } from '../streams.ts';
import type { CopyJob } from './copy-job.ts';

/** The headers the target object is written with, taken from the source's response and its row. */
export interface TargetHeaders {
  ContentType?: string;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
  ContentLanguage?: string;
  Metadata: Record<string, string>;
}

export interface SourceResponse {
  body: Readable;
  headers: TargetHeaders;
}

function headersFor(item: CopyItem, g: GetObjectCommandOutput, warn?: (m: string) => void): TargetHeaders {
  const metadata: Record<string, string> = foreignMetadata(g.Metadata);
  if (item.sourceEtag) metadata[META_SOURCE_ETAG] = item.sourceEtag.replace(/"/g, '');
  if (item.userMetadata) {
    if (metadataBytes({ ...metadata, [META_USER_METADATA]: item.userMetadata }) + 80 <= 2048) {
      metadata[META_USER_METADATA] = item.userMetadata;
    } else {
      warn?.(
        `${item.sourceBucket}/${item.key}: user_metadata is over S3's 2 KB metadata limit and was not copied`,
      );
    }
  }
  const contentType = g.ContentType ?? item.contentType;
  const cacheControl = g.CacheControl ?? item.cacheControl;
  return {
    ...(contentType ? { ContentType: contentType } : {}),
    ...(cacheControl ? { CacheControl: cacheControl } : {}),
    ...(g.ContentDisposition ? { ContentDisposition: g.ContentDisposition } : {}),
    ...(g.ContentEncoding ? { ContentEncoding: g.ContentEncoding } : {}),
    ...(g.ContentLanguage ? { ContentLanguage: g.ContentLanguage } : {}),
    Metadata: metadata,
  };
}

/**
 * GETs the source object from byte `from` on, only while it still has the planned ETag; read whole, it must
 * have the planned size too (else STORAGE_SOURCE_CHANGED: the next run plans afresh).
 */
export async function openSource(job: CopyJob, from = 0): Promise<SourceResponse> {
  const { item, deps } = job;
  try {
    const got = await deps.source.send(
      guardResponseBody(
        new GetObjectCommand({
          Bucket: item.sourceBucket,
          Key: item.key,
          ...(from > 0 ? { Range: `bytes=${from}-` } : {}),
          ...(item.sourceEtag ? { IfMatch: item.sourceEtag } : {}),
        }),
      ),
      { abortSignal: deps.signal },
    );
    const length = got.ContentLength ?? 0;
    if (from === 0 && length !== item.size) {
      (got.Body as Readable | undefined)?.destroy();
      throw new StorageError(
        'STORAGE_SOURCE_CHANGED',
        `${item.sourceBucket}/${item.key} is ${length} bytes at the source, the plan said ${item.size}`,
        { retryable: false, hint: 'Run `supa2aws storage copy` again: it plans afresh.' },
      );
    }
    return { body: got.Body as Readable, headers: headersFor(item, got, deps.onWarning) };
  } catch (error) {
    throw job.fail(error, 'source', 'Reading');
  }
}
