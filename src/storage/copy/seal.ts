import { PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import { StorageError } from '../../core/errors.ts';
import { sealTags } from '../object-meta.ts';
import { isNotImplemented, taggingUnsupported } from '../s3-errors.ts';
import type { CopyJob, Written } from './copy-job.ts';

/**
 * Seals exactly the object that was confirmed — the version it wrote, where the bucket keeps versions — with
 * its SHA-256 and the ETag it was confirmed under, as object tags. No bytes are written and no version is
 * made. Throttling, 5xx and S3's `OperationAborted` (a conflicting request on the key) are retried.
 */
export async function seal(job: CopyJob, written: Written, readEtag: string | undefined): Promise<void> {
  const { item, deps } = job;
  if (!readEtag) {
    throw new StorageError(
      'STORAGE_TARGET_NO_ETAG',
      `${item.targetBucket}/${item.key}: the target returned no ETag, which the seal names`,
      {
        exit: 'environment',
        hint: 'The target must be S3 or S3-compatible and return ETags; check target.s3.endpoint.',
      },
    );
  }
  await job.withAttempts(async () => {
    try {
      await deps.target.send(
        new PutObjectTaggingCommand({
          Bucket: item.targetBucket,
          Key: item.key,
          ...(written.versionId ? { VersionId: written.versionId } : {}),
          Tagging: { TagSet: sealTags(written.sha256, readEtag, written.checksum) },
        }),
        { abortSignal: deps.signal },
      );
    } catch (error) {
      if (isNotImplemented(error)) throw taggingUnsupported(item.targetBucket, error);
      throw job.fail(error, 'target', 'Sealing');
    }
  });
}
