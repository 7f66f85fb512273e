/**
 * One attempt of a single-PUT copy, written straight to the final key: a small object read whole and sent with
 * its SHA-256 (`putBuffered`), or a larger one streamed from the source through a hashing tap (`putStreamed`).
 */
import { PutObjectCommand, type PutObjectCommandOutput } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { StorageError } from '../../core/errors.ts';
import { checksumOfHex, META_SHA256 } from '../object-meta.ts';
import { UploadBody } from '../streams.ts';
import type { CopyJob, Written } from './copy-job.ts';
import { sendAwsChunked, signPayloadHash } from './payload-hash.ts';
import { openSource } from './source.ts';
import { StreamedBody } from './streamed-body.ts';

/** Reads the whole source into memory, hashing it; its size must be the planned one. */
async function readWhole(
  job: CopyJob,
  body: AsyncIterable<Buffer>,
): Promise<{ body: Buffer; sha256: string }> {
  const { item } = job;
  job.readFrom(0);
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body) {
      hash.update(chunk);
      job.progress(chunk.length);
      chunks.push(chunk);
    }
  } catch (error) {
    throw job.fail(error, 'source', 'Reading');
  }
  const whole = Buffer.concat(chunks);
  if (whole.length !== item.size) {
    throw new StorageError(
      'STORAGE_SOURCE_CHANGED',
      `${item.sourceBucket}/${item.key} sent ${whole.length} bytes, expected ${item.size}`,
      { retryable: true },
    );
  }
  return { body: whole, sha256: hash.digest('hex') };
}

/**
 * One attempt for a small object: read it whole (hashing), then one PUT carrying its SHA-256 as the seal
 * and as `x-amz-content-sha256`. S3 refuses a body that does not match that hash, and a stand-in that does
 * not check it (s3rver) writes the metadata only once the whole body has arrived; the object is still
 * read back before it counts, and removed if that does not match.
 */
export async function putBuffered(job: CopyJob): Promise<Written> {
  const { item, deps } = job;
  const src = await openSource(job);
  const { body, sha256 } = await readWhole(job, src.body as AsyncIterable<Buffer>);
  job.startWrite();
  const command = new PutObjectCommand({
    Bucket: item.targetBucket,
    Key: item.key,
    Body: body,
    ContentLength: body.length,
    ...src.headers,
    Metadata: { ...src.headers.Metadata, [META_SHA256]: sha256 },
    ...(deps.checksums ? { ChecksumSHA256: checksumOfHex(sha256) } : {}),
  });
  signPayloadHash(command, sha256);
  try {
    const out = await deps.target.send(command, { abortSignal: deps.signal });
    job.noteWrite(out.VersionId);
    return {
      sha256,
      etag: out.ETag,
      versionId: out.VersionId,
      ...(deps.checksums ? { checksum: checksumOfHex(sha256) } : {}),
      ...(out.ChecksumSHA256 ? { taken: out.ChecksumSHA256 } : {}),
    };
  } catch (error) {
    throw job.fail(error, 'target', 'Writing');
  }
}

/**
 * One attempt of a single-PUT copy: GET → PUT, hashing the bytes as they flow. Where the target checks
 * checksums the body goes aws-chunked with that hash as its trailer, so one SHA-256 serves the target's check
 * and the seal.
 */
export async function putStreamed(job: CopyJob): Promise<Written> {
  const { item, deps } = job;
  const src = await openSource(job);
  job.readFrom(0);
  const awsChunked = deps.checksums === true && item.size > 0;
  const tap = new UploadBody({ awsChunked, onBytes: job.progress });
  const streamed = item.size === 0 ? undefined : new StreamedBody(src.body, tap, deps.signal);
  if (!streamed) src.body.resume();
  job.startWrite();
  let out: PutObjectCommandOutput;
  try {
    const command = new PutObjectCommand({
      Bucket: item.targetBucket,
      Key: item.key,
      Body: streamed?.body ?? Buffer.alloc(0),
      ContentLength: item.size,
      ...src.headers,
    });
    if (awsChunked) sendAwsChunked(command, item.size);
    out = await deps.target.send(command, { abortSignal: streamed?.signal ?? deps.signal });
    job.noteWrite(out.VersionId);
  } catch (error) {
    src.body.destroy();
    const blamed = streamed?.blame(error) ?? { error, side: 'target' as const };
    throw job.fail(blamed.error, blamed.side, blamed.side === 'source' ? 'Reading' : 'Writing');
  } finally {
    streamed?.dispose();
  }
  if (tap.bytes !== item.size) {
    // Unsealed, so no run counts it as copied; the next attempt writes it again.
    throw new StorageError(
      'STORAGE_SOURCE_CHANGED',
      `${item.sourceBucket}/${item.key} sent ${tap.bytes} bytes, expected ${item.size}`,
      { retryable: true },
    );
  }
  const digest = tap.digest ?? createHash('sha256').digest();
  return {
    sha256: digest.toString('hex'),
    etag: out.ETag,
    versionId: out.VersionId,
    ...(deps.checksums ? { checksum: digest.toString('base64') } : {}),
    ...(out.ChecksumSHA256 ? { taken: out.ChecksumSHA256 } : {}),
  };
}
