/**
 * S3 failures by class: bad credentials, access denied and missing buckets stop the whole run at once with
 * a hint; throttling, 5xx and resets are retried (src/core/retry.ts); the rest fail the one object.
 */
import { awsCredentialHint } from '../core/aws/aws-context.ts';
import { StorageError } from '../core/errors.ts';
import { isRetryable } from '../core/retry.ts';

export type Side = 'source' | 'target';

interface S3LikeError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The S3 error code (`NoSuchBucket`, `AccessDenied`...) of anything the SDK threw. */
export function s3ErrorName(error: unknown): string {
  if (error === null || typeof error !== 'object') return 'Error';
  const e = error as S3LikeError;
  return e.Code ?? e.name ?? e.code ?? 'Error';
}

export function httpStatus(error: unknown): number | undefined {
  return (error as S3LikeError | null)?.$metadata?.httpStatusCode;
}

/**
 * The endpoint does not implement the operation (s3rver: policies, versioning, public access blocks,
 * multipart listing and abort): `NotImplemented` (501), or `MethodNotAllowed` (405) for sub-resources it
 * does not route at all.
 */
export function isNotImplemented(error: unknown): boolean {
  const name = s3ErrorName(error);
  const status = httpStatus(error);
  return name === 'NotImplemented' || name === 'MethodNotAllowed' || status === 501 || status === 405;
}

export function isNotFound(error: unknown): boolean {
  const name = s3ErrorName(error);
  return (
    name === 'NotFound' || name === 'NoSuchKey' || (httpStatus(error) === 404 && name !== 'NoSuchBucket')
  );
}

const CREDENTIAL_ERRORS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
]);

export interface ErrorContext {
  side: Side;
  bucket?: string;
  key?: string;
  /** What was being done, e.g. `listing`, `reading`, `writing`. */
  action?: string;
}

/**
 * The fatal StorageError for credential, permission and missing-bucket failures, or undefined when the
 * error concerns only one object (or is worth a retry).
 */
export function fatalS3Error(error: unknown, context: ErrorContext): StorageError | undefined {
  if (error instanceof StorageError) return error.retryable ? undefined : error;
  const name = s3ErrorName(error);
  const status = httpStatus(error);
  const where = context.bucket ? ` (bucket ${context.bucket})` : '';
  const details = { side: context.side, bucket: context.bucket, s3Error: name, status };
  if (name === 'CredentialsProviderError' && context.side === 'target') {
    return new StorageError('AWS_CREDENTIALS_MISSING', `No AWS credentials for the target S3${where}`, {
      exit: 'permission',
      cause: error,
      details,
      hint: awsCredentialHint('missing'),
    });
  }
  if (CREDENTIAL_ERRORS.has(name) || name === 'CredentialsProviderError') {
    return new StorageError(
      'STORAGE_BAD_CREDENTIALS',
      `The ${context.side} S3 endpoint refused the credentials${where}: ${name}`,
      {
        exit: 'permission',
        cause: error,
        details,
        hint:
          context.side === 'source'
            ? 'Check source.storage.accessKeyId and secretAccessKey (Supabase: Project Settings → Storage → S3 access keys), then run `supa2aws doctor`.'
            : `If target.s3.accessKeyId is set, check it and secretAccessKey. ${awsCredentialHint('refused')}`,
      },
    );
  }
  if (name === 'AccessDenied' || name === 'AllAccessDisabled' || status === 403) {
    return new StorageError(
      'STORAGE_ACCESS_DENIED',
      `The ${context.side} S3 endpoint denied ${context.action ?? 'access'}${where}: ${name}`,
      {
        exit: 'permission',
        cause: error,
        details,
        hint:
          context.side === 'source'
            ? 'Use Supabase S3 access keys (they bypass RLS) and check the bucket id in storage.buckets.'
            : 'Grant the target credentials s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject, s3:AbortMultipartUpload, s3:GetObjectTagging and s3:PutObjectTagging on the buckets, and s3:GetObjectVersion, s3:GetObjectVersionTagging, s3:PutObjectVersionTagging and s3:DeleteObjectVersion on versioned ones (see the guide, 02-s3-storage-migration).',
      },
    );
  }
  if (name === 'NoSuchBucket') {
    return context.side === 'source'
      ? new StorageError(
          'STORAGE_SOURCE_BUCKET_MISSING',
          `The source S3 endpoint has no bucket ${context.bucket ?? '(unknown)'}`,
          {
            exit: 'environment',
            cause: error,
            details,
            hint: 'Check storage.buckets in the config against `select id from storage.buckets` and source.storage.endpoint, then run `supa2aws storage plan`.',
          },
        )
      : new StorageError(
          'STORAGE_TARGET_BUCKET_MISSING',
          `The target S3 endpoint has no bucket ${context.bucket ?? '(unknown)'}`,
          {
            exit: 'environment',
            cause: error,
            details,
            hint: 'Create the target buckets first: `supa2aws storage setup`.',
          },
        );
  }
  return undefined;
}

/** The seal of objects over 1 MiB is a pair of object tags: an endpoint without tagging cannot hold it. */
export function taggingUnsupported(bucket: string, error: unknown): StorageError {
  return new StorageError(
    'STORAGE_TAGGING_UNSUPPORTED',
    `The target S3 endpoint does not support object tagging (bucket ${bucket}), where supa2aws keeps the seal of objects over 1 MiB`,
    {
      exit: 'environment',
      cause: error,
      details: { side: 'target', bucket, s3Error: s3ErrorName(error), status: httpStatus(error) },
      hint: 'Use an S3 endpoint with object tagging (AWS S3 has it); check target.s3.endpoint.',
    },
  );
}

/** S3 refused a body whose checksum did not match what it received (400 BadDigest): corrupted on the way. */
export function isChecksumRefusal(error: unknown): boolean {
  return ['BadDigest', 'InvalidDigest', 'XAmzContentChecksumMismatch'].includes(s3ErrorName(error));
}

/** Wraps a per-object failure in a StorageError that keeps whether a retry may help. */
export function objectS3Error(
  error: unknown,
  context: ErrorContext,
  code = 'STORAGE_OBJECT_FAILED',
): StorageError {
  if (error instanceof StorageError) return error;
  const name = s3ErrorName(error);
  const message = (error as S3LikeError | null)?.message ?? String(error);
  return new StorageError(
    code,
    `${context.action ?? 'Copying'} ${context.bucket ?? ''}/${context.key ?? ''} on the ${context.side} failed: ${name}: ${message}`,
    {
      cause: error,
      retryable: isRetryable(error),
      details: {
        side: context.side,
        bucket: context.bucket,
        key: context.key,
        s3Error: name,
        status: httpStatus(error),
      },
      hint: 'Run the same command again: objects already copied and verified are not copied twice.',
    },
  );
}
