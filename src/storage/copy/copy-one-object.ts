/**
 * Copies one object: stream, confirm, seal — the steps, each in its own file of this folder.
 *
 * Why no temporary key. The obvious design — upload to a temporary key, verify it, CopyObject it to the final
 * key — costs a second full write of every object on the target, and CopyObject stops at 5 GiB. A seal
 * written by copying the object onto itself costs that second write too (and a second version in a versioned
 * bucket); tags cost none (figures in bench/storage/README.md). Instead the object is written straight to its final key with write
 * primitives that publish atomically on S3 — one PutObject, or CompleteMultipartUpload — and is *sealed* only
 * after verification:
 *
 *   1. GET the source and stream it to the final key (PutObject; above the multipart threshold, parts read
 *      in order into memory and sent up to four at once), computing SHA-256 as the bytes flow. The object carries `supa2aws-source-etag` but no `sha256` yet.
 *   2. Confirm it. Where the target checks and keeps SHA-256 checksums (S3; target-checksums.ts decides), every
 *      PUT and part carried one — the target refused bytes that did not match — and the PUT's answer (S3
 *      answers with the checksum it checked), or else `HeadObject` in checksum mode, must show the checksum
 *      sent (for multipart, `HeadObject` shows the composite one and the size). Elsewhere (s3rver, or
 *      `--read-back`) read the target back and compare size and SHA-256.
 *   3. Seal: tag exactly that object (that version, in a versioned bucket) with its SHA-256 and the ETag it
 *      was read back under (`sealTags`). Tagging rewrites no bytes and makes no new version, and the ETag in
 *      the tags ties the seal to these bytes. Only now is it done.
 *
 * Objects up to `bufferBelow` (1 MiB) are read whole first, so one PUT carries their SHA-256 both as the
 * seal and as the signed payload hash (`x-amz-content-sha256`, which S3 checks against the body); they are
 * read back all the same, and removed if that does not match.
 *
 * The invariant: an object under a final key that carries a seal (`sealedSha256`) holds exactly the bytes
 * it names — it was read back and matched, or (small objects) the target took it whole against a checked
 * payload hash. `storage plan` and the next `copy` count as identical only sealed objects of the right size
 * and source ETag; anything unsealed (an interrupted copy) is copied again, `storage verify` reports it, and
 * a Ctrl-C deletes what the copies it interrupted had written (the very version, in a versioned bucket, as
 * does a copy that fails there; `removeWritten` says what happens when deleting a version is refused). On
 * S3 no partial object can ever appear under a final key (PutObject and CompleteMultipartUpload are atomic;
 * parts of an interrupted upload are aborted on Ctrl-C and on the next run). s3rver writes a PUT body in place
 * and implements neither AbortMultipartUpload nor ListMultipartUploads: after a SIGKILL (not Ctrl-C) it can
 * show a truncated, unsealed object under the key until the next run replaces it, and it keeps the parts of
 * interrupted uploads in its own directory.
 */
import { StorageError } from '../../core/errors.ts';
import type { CopyItem } from '../plan.ts';
import { confirmWritten } from './confirm.ts';
import { CopyJob, type CopiedObject, type CopyObjectDeps, type InFlight } from './copy-job.ts';
import { uploadInParts } from './multipart-upload.ts';
import { putBuffered, putStreamed } from './put-object.ts';
import { removeTarget } from './remove-written.ts';
import { seal } from './seal.ts';

/** A whole multipart upload is sent again only for these: what completed did not read back as sent. */
const AFTER_COMPLETION_RETRIES = new Set(['STORAGE_CHECKSUM_MISMATCH', 'STORAGE_TARGET_CHANGED']);

/**
 * One PUT (read whole first up to `bufferBelow`, else streamed), confirmed, then sealed; each attempt starts
 * from a fresh GET. What did not confirm goes: a buffered object carries its seal already, and in a versioned
 * bucket the next attempt would leave it behind as a noncurrent version. Not when another writer has replaced
 * it under the key (`targetChanged`: the write is no longer this copy's).
 */
async function copyInOnePut(job: CopyJob): Promise<CopiedObject> {
  const { item, deps, flight } = job;
  const buffered = item.size <= (deps.bufferBelow ?? 1024 * 1024);
  const put = await job.withAttempts(async (attempt) => {
    job.attempts = attempt;
    const written = buffered ? await putBuffered(job) : await putStreamed(job);
    try {
      return { ...written, readEtag: await confirmWritten(job, written) };
    } catch (error) {
      if (flight.wrote && (written.versionId || buffered)) await removeTarget(job, written.versionId);
      throw error;
    }
  });
  if (!buffered) await seal(job, put, put.readEtag);
  return { sha256: put.sha256, size: item.size, multipart: false, parts: 1, attempts: job.attempts };
}

/**
 * A multipart upload, confirmed and sealed. Parts retry on their own; the whole upload is sent again only when
 * what completed did not confirm, its version removed first.
 */
async function copyInParts(job: CopyJob): Promise<CopiedObject> {
  const { item, deps } = job;
  const retryable = (error: unknown) =>
    error instanceof StorageError && AFTER_COMPLETION_RETRIES.has(error.code);
  const up = await job.withAttempts(
    async (attempt) => {
      const written = await uploadInParts(job);
      try {
        await seal(job, written, await confirmWritten(job, written));
      } catch (error) {
        // Sent again next: not left behind as a noncurrent version by that attempt.
        const again = retryable(error) && attempt < job.attemptsAllowed && !deps.signal.aborted;
        if (again && written.versionId) await removeTarget(job, written.versionId);
        throw error;
      }
      return written;
    },
    { retryable },
  );
  return { sha256: up.sha256, size: item.size, multipart: true, parts: up.parts, attempts: job.attempts };
}

/** Copies, confirms and seals one object. Throws StorageError (fatal ones abort the whole run). */
export async function copyOneObject(
  item: CopyItem,
  deps: CopyObjectDeps,
  flight: InFlight,
): Promise<CopiedObject> {
  const job = new CopyJob(item, deps, flight);
  try {
    return item.size > deps.multipartThreshold ? await copyInParts(job) : await copyInOnePut(job);
  } catch (error) {
    // A version this copy wrote and could not verify goes now: the next run's write would keep it as a
    // noncurrent version. (After a stop, the apply loop's clean-up removes it.)
    if (!deps.signal.aborted && flight.versionId) await removeTarget(job, flight.versionId);
    throw error;
  }
}
