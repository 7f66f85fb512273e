/**
 * A backup kept in a bucket (`s3://bucket/prefix`): the files are written locally first, then uploaded with
 * their SHA-256 as object metadata and checked by reading the heads back; the manifest goes last, so a
 * backup with a manifest is complete.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { BACKUP_MANIFEST, type BackupManifest } from './backup.ts';

export interface BucketLocation {
  bucket: string;
  prefix: string;
}

/** `s3://bucket/some/prefix` → { bucket, prefix: 'some/prefix/' }; undefined for a local path. */
export function parseBucketLocation(target: string): BucketLocation | undefined {
  if (!target.startsWith('s3://')) return undefined;
  const [bucket, ...rest] = target.slice(5).split('/');
  if (!bucket) {
    throw new ConfigError('BACKUP_BUCKET_INVALID', `no bucket in ${target}`, {
      exit: 'usage',
      hint: 'Use --out s3://<bucket>/<prefix>, or a local directory.',
    });
  }
  const prefix = rest.filter(Boolean).join('/');
  return { bucket, prefix: prefix ? `${prefix}/` : '' };
}

export async function uploadBackup(
  dir: string,
  manifest: BackupManifest,
  s3: S3Client,
  where: BucketLocation,
): Promise<void> {
  const put = async (name: string, sha256?: string) => {
    const file = path.join(dir, name);
    await s3.send(
      new PutObjectCommand({
        Bucket: where.bucket,
        Key: `${where.prefix}${name}`,
        Body: createReadStream(file),
        ContentLength: statSync(file).size,
        ...(sha256 ? { Metadata: { sha256 } } : {}),
      }),
    );
  };
  for (const file of manifest.files) await put(file.name, file.sha256);
  const problems = await checkBucketBackupFiles(manifest, s3, where);
  if (problems.length > 0) {
    throw new ConfigError(
      'BACKUP_UPLOAD_MISMATCH',
      `the uploaded backup does not match: ${problems.join('; ')}`,
      {
        exit: 'verifyFailed',
        hint: 'Run `supa2aws backup` again; the manifest is only written once every file checks out.',
      },
    );
  }
  await put(BACKUP_MANIFEST);
}

async function checkBucketBackupFiles(
  manifest: BackupManifest,
  s3: S3Client,
  where: BucketLocation,
): Promise<string[]> {
  const problems: string[] = [];
  for (const file of manifest.files) {
    try {
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: where.bucket, Key: `${where.prefix}${file.name}` }),
      );
      if (head.ContentLength !== file.bytes) problems.push(`${file.name}: size differs from the manifest`);
      else if (head.Metadata?.sha256 !== file.sha256)
        problems.push(`${file.name}: SHA-256 differs from the manifest`);
    } catch {
      problems.push(`${file.name}: missing`);
    }
  }
  return problems;
}

/** Checks a backup in a bucket against its manifest (sizes and the SHA-256 recorded at upload). */
export async function checkBucketBackup(
  s3: S3Client,
  where: BucketLocation,
): Promise<{ ok: boolean; problems: string[]; manifest?: BackupManifest }> {
  let manifest: BackupManifest;
  try {
    const out = await s3.send(
      new GetObjectCommand({ Bucket: where.bucket, Key: `${where.prefix}${BACKUP_MANIFEST}` }),
    );
    manifest = JSON.parse(await (out.Body?.transformToString() ?? Promise.resolve(''))) as BackupManifest;
  } catch {
    return { ok: false, problems: [`no ${BACKUP_MANIFEST} at s3://${where.bucket}/${where.prefix}`] };
  }
  const problems = await checkBucketBackupFiles(manifest, s3, where);
  return { ok: problems.length === 0, problems, manifest };
}
