/**
 * Confirming a write before it is sealed: by the SHA-256 checksum the target checked and kept (in the PUT's
 * answer, else `HeadObject` in checksum mode) where it keeps one, else by reading the object back and hashing
 * it. Either returns the ETag
 * the object was confirmed under, the one the seal names.
 */
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { normaliseEtag } from '../object-meta.ts';
import { digestStream, guardResponseBody } from '../streams.ts';
import { checksumMismatch } from './copy-errors.ts';
import type { CopyJob, Written } from './copy-job.ts';

/** Confirms what was written: by the target's own checksum where it keeps one, else by reading it back. */
export async function confirmWritten(job: CopyJob, written: Written): Promise<string | undefined> {
  if (!written.checksum) return readBack(job, written);
  // The target answered the PUT with the checksum it checked the bytes against: asking again would only
  // hear the same answer. (A target that does not answer with one is asked below.)
  if (written.taken === written.checksum) return written.etag;
  const { item, deps } = job;
  let head;
  try {
    head = await deps.target.send(
      new HeadObjectCommand({
        Bucket: item.targetBucket,
        Key: item.key,
        ChecksumMode: 'ENABLED',
        ...(written.versionId ? { VersionId: written.versionId } : {}),
        ...(written.etag ? { IfMatch: written.etag } : {}),
      }),
      { abortSignal: deps.signal },
    );
  } catch (error) {
    throw job.fail(error, 'target', 'Checking');
  }
  // A target that took the checksum and keeps none to show (a partial S3 imitation): read back instead.
  if (!head.ChecksumSHA256) return readBack(job, written);
  if (head.ContentLength !== item.size || head.ChecksumSHA256 !== written.checksum) {
    const sent = `${item.size} bytes with ${written.checksum}`;
    throw checksumMismatch(
      item,
      `${item.targetBucket}/${item.key}: the target keeps ${head.ContentLength ?? '?'} bytes with SHA-256 checksum ${head.ChecksumSHA256}, sent ${sent}`,
      { sent },
    );
  }
  if (written.etag && head.ETag && normaliseEtag(head.ETag) !== normaliseEtag(written.etag)) {
    throw job.targetChanged();
  }
  return head.ETag ?? written.etag;
}

/**
 * Reads back what was written — that version, where the target named one — and checks size and SHA-256
 * against what was sent. Returns the ETag it was read under, the one the seal names.
 */
async function readBack(job: CopyJob, written: Written): Promise<string | undefined> {
  const { item, deps } = job;
  let got;
  let back;
  try {
    got = await deps.target.send(
      guardResponseBody(
        new GetObjectCommand({
          Bucket: item.targetBucket,
          Key: item.key,
          ...(written.versionId ? { VersionId: written.versionId } : {}),
          ...(written.etag ? { IfMatch: written.etag } : {}),
        }),
      ),
      { abortSignal: deps.signal },
    );
    back = await digestStream(got.Body as Readable);
  } catch (error) {
    throw job.fail(error, 'target', 'Reading back');
  }
  if (back.size !== item.size || back.sha256 !== written.sha256) {
    throw checksumMismatch(
      item,
      `${item.targetBucket}/${item.key} read back as ${back.size} bytes sha256 ${back.sha256.slice(0, 12)}…, sent ${item.size} bytes sha256 ${written.sha256.slice(0, 12)}…`,
      { sent: written.sha256, read: back.sha256, size: back.size },
    );
  }
  if (written.etag && got.ETag && normaliseEtag(got.ETag) !== normaliseEtag(written.etag)) {
    // The target ignored If-Match and served another object (another writer's) that happens to hold the
    // same bytes: the seal would name an object this copy did not write.
    throw job.targetChanged();
  }
  return got.ETag ?? written.etag;
}
