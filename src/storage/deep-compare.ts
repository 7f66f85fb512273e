/**
 * The `--deep` half of the rule for "identical" (object-meta.ts TargetState): both sides read in full, their
 * SHA-256 compared with the target's seal. It proves what the metadata cannot: bytes changed under an
 * unchanged ETag (a multipart ETag is no checksum of the whole, and a stand-in or a writer may keep an ETag
 * while the bytes change). `storage verify --deep` reports these; `storage plan/copy --deep` copies them again.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { InterruptedError } from '../core/errors.ts';
import { withRetry } from '../core/retry.ts';
import { sealedSha256, type TargetHead } from './object-meta.ts';
import { fatalS3Error, objectS3Error } from './s3-errors.ts';
import { digestStream, guardResponseBody } from './streams.ts';

/** Why an object that is identical by its metadata is not, read in full. */
export type DeepDifference = 'sha256-target' | 'sha256-source' | 'unreadable';

export async function sha256Of(
  s3: S3Client,
  bucket: string,
  key: string,
  side: 'source' | 'target',
  signal?: AbortSignal,
): Promise<string | undefined> {
  try {
    return await withRetry(
      async () => {
        const got = await s3.send(guardResponseBody(new GetObjectCommand({ Bucket: bucket, Key: key })), {
          abortSignal: signal,
        });
        return (await digestStream(got.Body as Readable)).sha256;
      },
      { signal, retryable: (e) => objectS3Error(e, { side }).retryable },
    );
  } catch (error) {
    if (signal?.aborted) throw new InterruptedError(`reading ${bucket}/${key}`);
    const fatal = fatalS3Error(error, { side, bucket, key, action: 'reading' });
    if (fatal) throw fatal;
    return undefined;
  }
}

/** Reads both sides of an object judged identical; undefined when both hash to its seal. */
export async function deepDifference(input: {
  source: S3Client;
  target: S3Client;
  sourceBucket: string;
  targetBucket: string;
  key: string;
  head: TargetHead;
  signal?: AbortSignal;
}): Promise<DeepDifference | undefined> {
  const sealed = sealedSha256(input.head);
  const [t, s] = await Promise.all([
    sha256Of(input.target, input.targetBucket, input.key, 'target', input.signal),
    sha256Of(input.source, input.sourceBucket, input.key, 'source', input.signal),
  ]);
  if (t === undefined || s === undefined) return 'unreadable';
  if (t !== sealed) return 'sha256-target';
  if (s !== sealed) return 'sha256-source';
  return undefined;
}
