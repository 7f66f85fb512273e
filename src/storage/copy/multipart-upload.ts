/**
 * One attempt of a multipart copy: parts read in order from one GET (the whole object's SHA-256 computed as
 * they come) into memory, and up to `partUploads` of them sent at once, as rclone does. A part's bytes are held
 * until the target took them, so a failed send is repeated from memory; only a failed read opens the source
 * again, ranged at the part's first byte, with the hash rewound. `partBuffers` caps the parts held by all the
 * run's objects together. Completing the upload publishes the object under its final key at once.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { slots } from '../../core/concurrency.ts';
import { StorageError } from '../../core/errors.ts';
import { compositeSha256, effectivePartSize, partRanges } from '../streams.ts';
import { checksumMismatch } from './copy-errors.ts';
import type { CopyJob, Written } from './copy-job.ts';
import { PartReader } from './part-reader.ts';
import { signPayloadHash } from './payload-hash.ts';
import { openSource, type TargetHeaders } from './source.ts';

interface PartRange {
  number: number;
  start: number;
  length: number;
}

interface PartBytes {
  body: Buffer;
  digest: Buffer;
}

export async function uploadInParts(job: CopyJob): Promise<Written & { parts: number }> {
  const { item, deps } = job;
  const first = await openSource(job);
  let uploadId: string;
  try {
    uploadId = await createUpload(job, first.headers);
  } catch (error) {
    first.body.destroy();
    throw error;
  }
  job.flight.uploadId = uploadId;
  job.attempts = 1;
  const reader = new PartReader(first.body, (from) => openSource(job, from).then((r) => r.body));
  const ranges = partRanges(item.size, effectivePartSize(item.size, deps.partSize));
  const { done, digests } = await sendParts(job, uploadId, reader, ranges);
  if (deps.signal.aborted) throw deps.signal.reason;
  job.startWrite();
  const out = await completeUpload(job, uploadId, done);
  delete job.flight.uploadId;
  return {
    sha256: reader.sha256(),
    ...out,
    parts: ranges.length,
    ...(deps.checksums ? { checksum: compositeSha256(digests) } : {}),
  };
}

async function createUpload(job: CopyJob, headers: TargetHeaders): Promise<string> {
  const { item, deps } = job;
  try {
    const created = await deps.target.send(
      new CreateMultipartUploadCommand({
        Bucket: item.targetBucket,
        Key: item.key,
        ...headers,
        ...(deps.checksums ? { ChecksumAlgorithm: 'SHA256' as const } : {}),
      }),
      { abortSignal: deps.signal },
    );
    return created.UploadId as string;
  } catch (error) {
    throw job.fail(error, 'target', 'Starting the upload of');
  }
}

/**
 * Reads every part in order and sends up to `partUploads` at once; the first failure stops the rest (the
 * reads and the sends in flight) and is thrown once they settled. Returns the parts the target took.
 */
async function sendParts(
  job: CopyJob,
  uploadId: string,
  reader: PartReader,
  ranges: PartRange[],
): Promise<{ done: CompletedPart[]; digests: Buffer[] }> {
  const { deps } = job;
  const done: CompletedPart[] = [];
  const digests: Buffer[] = [];
  const holdPart = deps.partBuffers ?? slots(deps.partUploads ?? 4);
  const most = Math.max(1, deps.partUploads ?? 4);
  const stop = new AbortController();
  const onAbort = () => stop.abort(deps.signal.reason);
  deps.signal.addEventListener('abort', onAbort, { once: true });
  let failure: { error: unknown } | undefined;
  const sending = new Set<Promise<void>>();
  try {
    for (const range of ranges) {
      while (sending.size >= most && !failure) await Promise.race(sending);
      if (failure || stop.signal.aborted) break;
      const release = await holdPart();
      let part: PartBytes;
      try {
        part = await readPart(job, reader, range);
      } catch (error) {
        release();
        throw error;
      }
      digests[range.number - 1] = part.digest;
      const sent: Promise<void> = sendPart(job, uploadId, range.number, part, stop.signal)
        .then(
          (completed) => {
            done[range.number - 1] = completed;
          },
          (error: unknown) => {
            failure ??= { error };
            stop.abort(error);
          },
        )
        .finally(() => {
          release();
          sending.delete(sent);
        });
      sending.add(sent);
    }
  } catch (error) {
    failure ??= { error };
    stop.abort(error);
  } finally {
    await Promise.all(sending);
    deps.signal.removeEventListener('abort', onAbort);
    await reader.close();
  }
  if (failure) throw failure.error;
  return { done, digests };
}

/** Reads one part into memory, in order; a failed read is retried from a ranged GET at the part's start. */
function readPart(job: CopyJob, reader: PartReader, range: PartRange): Promise<PartBytes> {
  return job.withAttempts(
    async () => {
      job.readFrom(range.start);
      try {
        return await reader.read(range, job.progress);
      } catch (error) {
        throw error instanceof StorageError
          ? error
          : job.fail(error, 'source', `Reading part ${range.number} of`);
      }
    },
    { onRetry: () => job.attempts++ },
  );
}

/** Sends one part from memory, again while the failure is retryable and the upload not stopped. */
function sendPart(
  job: CopyJob,
  uploadId: string,
  number: number,
  part: PartBytes,
  signal: AbortSignal,
): Promise<CompletedPart> {
  const { item, deps } = job;
  const checksum = part.digest.toString('base64');
  return job.withAttempts(
    async () => {
      try {
        const command = new UploadPartCommand({
          Bucket: item.targetBucket,
          Key: item.key,
          UploadId: uploadId,
          PartNumber: number,
          Body: part.body,
          ContentLength: part.body.length,
          ...(deps.checksums ? { ChecksumAlgorithm: 'SHA256' as const, ChecksumSHA256: checksum } : {}),
        });
        signPayloadHash(command, part.digest.toString('hex'));
        const out = await deps.target.send(command, { abortSignal: signal });
        if (deps.checksums) checkPart(job, number, part.digest, out.ChecksumSHA256);
        return {
          PartNumber: number,
          ETag: out.ETag,
          ...(deps.checksums ? { ChecksumSHA256: checksum } : {}),
        };
      } catch (error) {
        throw error instanceof StorageError ? error : job.fail(error, 'target', `Writing part ${number} of`);
      }
    },
    { signal, onRetry: () => job.attempts++ },
  );
}

/** The checksum the target took a part under must be the part's own SHA-256 (else the part is sent again). */
function checkPart(job: CopyJob, part: number, digest: Buffer, kept: string | undefined): void {
  const sent = digest.toString('base64');
  if (kept === undefined || kept === sent) return;
  const { item } = job;
  throw checksumMismatch(
    item,
    `${item.targetBucket}/${item.key}: part ${part} was taken with SHA-256 ${kept}, sent ${sent}`,
    { sent },
  );
}

async function completeUpload(
  job: CopyJob,
  uploadId: string,
  done: CompletedPart[],
): Promise<{ etag: string | undefined; versionId: string | undefined }> {
  const { item, deps } = job;
  try {
    const out = await deps.target.send(
      new CompleteMultipartUploadCommand({
        Bucket: item.targetBucket,
        Key: item.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: done },
      }),
      { abortSignal: deps.signal },
    );
    job.noteWrite(out.VersionId);
    return { etag: out.ETag, versionId: out.VersionId };
  } catch (error) {
    throw job.fail(error, 'target', 'Completing the upload of');
  }
}
