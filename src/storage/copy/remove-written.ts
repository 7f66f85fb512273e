/** Removing what a copy wrote and did not verify, so no unsealed object or stray version stays behind. */
import { DeleteObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { fatalS3Error, isNotFound, s3ErrorName } from '../s3-errors.ts';
import type { CopyJob } from './copy-job.ts';

/**
 * Removes what a copy wrote under a key: the very version, where the target named one (no delete marker,
 * nothing left noncurrent), else the key. If deleting the version is refused (no s3:DeleteObjectVersion,
 * MFA Delete, Object Lock), the key is deleted instead — only while that version is still the current one, so
 * another writer's newer object is never hidden — and `warn` says what stays behind.
 */
export async function removeWritten(
  target: S3Client,
  bucket: string,
  key: string,
  versionId: string | undefined,
  warn?: (message: string) => void,
): Promise<void> {
  const remove = (version?: string) =>
    target.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(version ? { VersionId: version } : {}) }),
    );
  if (!versionId) {
    await remove();
    return;
  }
  try {
    await remove(versionId);
  } catch (error) {
    if (fatalS3Error(error, { side: 'target' })?.code !== 'STORAGE_ACCESS_DENIED') throw error;
    // Which version is current: a 404 means none (a delete marker), so nothing of ours is visible.
    const current = await target.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      (head) => ({ versionId: head.VersionId }),
      (headError: unknown) => (isNotFound(headError) ? { versionId: undefined } : { error: headError }),
    );
    const hidden = 'versionId' in current && current.versionId === versionId;
    if (hidden) await remove();
    const left =
      'error' in current
        ? ` and whether it is still current could not be checked (${s3ErrorName(current.error)}); it may be served unsealed until the next run replaces it`
        : hidden
          ? '; it stays as a noncurrent version behind a delete marker'
          : '; it stays as a noncurrent version (it is not the current one)';
    warn?.(
      `${bucket}/${key}: deleting version ${versionId}, which this copy wrote and did not verify, was refused${left}. Grant s3:DeleteObjectVersion (guide 02) or remove it by hand.`,
    );
  }
}

/** Removes what this copy wrote (see `removeWritten`); a failure is a warning, the next run replaces it. */
export async function removeTarget(job: CopyJob, versionId: string | undefined): Promise<void> {
  const { item, deps, flight } = job;
  try {
    await removeWritten(deps.target, item.targetBucket, item.key, versionId, deps.onWarning);
    flight.wrote = false;
    delete flight.versionId;
  } catch (error) {
    deps.onWarning?.(
      `could not remove ${item.targetBucket}/${item.key}, which this copy wrote and did not verify: ${(error as Error).message} (it stays unsealed; the next run replaces it)`,
    );
  }
}
