/**
 * Whether the target checks and keeps SHA-256 checksums, so `storage copy` can send one with every PUT and
 * part (the target refuses bytes that do not match) and confirm each object with `HeadObject` in checksum
 * mode instead of reading it back:
 *  - AWS S3 (no endpoint, or an `*.amazonaws.com` one): yes, documented;
 *  - `target.s3.s3rver`: no (s3rver ignores checksums, DESIGN §4): read back;
 *  - any other endpoint: probed once per run — a small PUT to one of the plan's keys with a checksum that
 *    does not match its body. An endpoint that checks refuses it (400 BadDigest) and nothing is written; one
 *    that stores it does not check, and what it stored is removed at once (the key is one the run is about to
 *    write anyway).
 * `storage copy --read-back` reads every object back whatever the endpoint.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { removeWritten } from './copy/index.ts';
import type { CopyItem } from './plan.ts';
import { fatalS3Error, isChecksumRefusal, s3ErrorName } from './s3-errors.ts';

/** What is known before the run: yes, no, or ask the endpoint. */
export type ChecksumSupport = 'yes' | 'no' | 'probe';

export function checksumSupport(target: { endpoint?: string; s3rver?: boolean }): ChecksumSupport {
  if (target.s3rver) return 'no';
  if (!target.endpoint) return 'yes';
  let host: string;
  try {
    host = new URL(target.endpoint).hostname;
  } catch {
    return 'probe';
  }
  return /\.amazonaws\.com(\.cn)?$/.test(host) ? 'yes' : 'probe';
}

/** Asks the endpoint (see above); `warn` says why the answer is no. */
export async function probeChecksums(
  target: S3Client,
  item: CopyItem,
  signal: AbortSignal,
  warn: (message: string) => void,
): Promise<boolean> {
  const body = Buffer.from('supa2aws checksum probe: refused by an endpoint that checks checksums\n');
  const wrong = createHash('sha256').update('not the body').digest('base64');
  try {
    const out = await target.send(
      new PutObjectCommand({
        Bucket: item.targetBucket,
        Key: item.key,
        Body: body,
        ContentLength: body.length,
        ChecksumSHA256: wrong,
      }),
      { abortSignal: signal },
    );
    await removeWritten(target, item.targetBucket, item.key, out.VersionId, warn);
    warn(
      `the target endpoint took a PUT whose SHA-256 checksum did not match: it does not check checksums, so every object is read back`,
    );
    return false;
  } catch (error) {
    if (isChecksumRefusal(error)) return true;
    const fatal = fatalS3Error(error, { side: 'target', bucket: item.targetBucket, action: 'writing' });
    if (fatal) throw fatal;
    warn(
      `could not tell whether the target endpoint checks checksums (${s3ErrorName(error)}): every object is read back`,
    );
    return false;
  }
}
