/** The errors one object's copy reports, each with the bucket and key it concerns and the next step. */
import { StorageError } from '../../core/errors.ts';
import type { CopyItem } from '../plan.ts';
import {
  fatalS3Error,
  isChecksumRefusal,
  isNotFound,
  objectS3Error,
  s3ErrorName,
  type Side,
} from '../s3-errors.ts';

/**
 * What a failed request of this copy means for it: fatal to the run, refused bytes, gone or changed at the
 * source, replaced on the target (`targetChanged`, which the caller builds), or a per-object failure.
 */
export function copyError(
  item: CopyItem,
  error: unknown,
  failure: { side: Side; action: string; targetChanged: () => StorageError },
): StorageError {
  const { side, action } = failure;
  const context = {
    side,
    bucket: side === 'source' ? item.sourceBucket : item.targetBucket,
    key: item.key,
    action,
  };
  const fatal = fatalS3Error(error, context);
  if (fatal) return fatal;
  if (side === 'target' && isChecksumRefusal(error)) {
    return new StorageError(
      'STORAGE_CHECKSUM_REFUSED',
      `${action} ${item.targetBucket}/${item.key}: the target refused the bytes it received, whose SHA-256 did not match the checksum sent (${s3ErrorName(error)})`,
      {
        retryable: true,
        cause: error,
        details: { bucket: item.targetBucket, key: item.key },
        hint: 'The bytes were corrupted on the way and nothing was kept; run the same command again, and if it repeats, check the network and any proxy in between.',
      },
    );
  }
  if (side === 'source' && isNotFound(error)) {
    return new StorageError(
      'STORAGE_SOURCE_OBJECT_GONE',
      `${item.sourceBucket}/${item.key} is no longer at the source`,
      {
        details: { bucket: item.sourceBucket, key: item.key },
        hint: 'The app deleted it during the copy; run `supa2aws storage plan` to see the current state.',
      },
    );
  }
  if (
    s3ErrorName(error) === 'PreconditionFailed' ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412
  ) {
    if (side === 'target') return failure.targetChanged();
    return new StorageError(
      'STORAGE_SOURCE_CHANGED',
      `${item.sourceBucket}/${item.key} changed while it was being copied`,
      {
        retryable: true,
        details: { bucket: item.sourceBucket, key: item.key },
        hint: 'Run the same command again: it copies the new version.',
      },
    );
  }
  return objectS3Error(error, context);
}

/** Another writer replaced the object under the key between this copy's write and its read-back. */
export function targetChangedError(item: CopyItem): StorageError {
  return new StorageError(
    'STORAGE_TARGET_CHANGED',
    `${item.targetBucket}/${item.key} was replaced on the target while it was being read back`,
    {
      retryable: true,
      details: { bucket: item.targetBucket, key: item.key },
      hint: 'Something else writes to this key; stop it, then run the same command again.',
    },
  );
}

/** What the target kept is not what was sent; the same command sends it again. */
export function checksumMismatch(
  item: CopyItem,
  message: string,
  details: Record<string, string | number>,
): StorageError {
  return new StorageError('STORAGE_CHECKSUM_MISMATCH', message, {
    retryable: true,
    exit: 'verifyFailed',
    details: { bucket: item.targetBucket, key: item.key, ...details },
    hint: 'Run the same command again; if it repeats, check the target endpoint and any proxy in between.',
  });
}
