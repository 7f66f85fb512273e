/**
 * Errors shaped like supabase-js storage's (`StorageError`, `StorageApiError`, `StorageUnknownError`,
 * `isStorageError`), so code that checks `error.statusCode === '404'` or `isStorageError(e)` keeps working.
 */

export class StorageError extends Error {
  protected readonly __isStorageError = true;
  status: number | undefined;
  statusCode: string | undefined;
  /** The S3 error code (NoSuchKey, AccessDenied...) when there is one. */
  code?: string;
  error?: string;

  constructor(message: string, status?: number, statusCode?: string) {
    super(message);
    this.name = 'StorageError';
    this.status = status;
    this.statusCode = statusCode;
  }

  toJSON() {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      statusCode: this.statusCode,
      ...(this.code !== undefined ? { code: this.code } : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }
}

/** An error answered by the storage service (here: S3). */
export class StorageApiError extends StorageError {
  override status: number;
  override statusCode: string;

  constructor(message: string, status: number, statusCode: string, code?: string, error?: string) {
    super(message, status, statusCode);
    this.name = 'StorageApiError';
    this.status = status;
    this.statusCode = statusCode;
    if (code !== undefined) this.code = code;
    if (error !== undefined) this.error = error;
  }
}

/** Anything else (network, bad input); the original is kept. */
export class StorageUnknownError extends StorageError {
  originalError: unknown;

  constructor(message: string, originalError: unknown) {
    super(message);
    this.name = 'StorageUnknownError';
    this.originalError = originalError;
  }
}

export function isStorageError(error: unknown): error is StorageError {
  return typeof error === 'object' && error !== null && '__isStorageError' in error;
}

interface S3Failure {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Maps an S3 SDK error to the supabase-js error an app expects. */
export function toStorageError(error: unknown): StorageError {
  if (isStorageError(error)) return error;
  const e = (error ?? {}) as S3Failure;
  const code = e.Code ?? e.name;
  const status = e.$metadata?.httpStatusCode;
  if (code === 'NoSuchKey' || code === 'NotFound' || (status === 404 && code !== 'NoSuchBucket')) {
    return new StorageApiError('Object not found', 404, '404', code ?? 'NoSuchKey', 'not_found');
  }
  if (code === 'NoSuchBucket')
    return new StorageApiError('Bucket not found', 404, '404', code, 'Bucket not found');
  if (code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || status === 412) {
    return new StorageApiError('The resource already exists', 409, '409', code, 'Duplicate');
  }
  if (status === 403 || code === 'AccessDenied')
    return new StorageApiError(e.message ?? 'Access denied', 403, '403', code, 'Unauthorized');
  if (status !== undefined)
    return new StorageApiError(e.message ?? String(code), status, String(status), code);
  return new StorageUnknownError(e.message ?? String(error), error);
}
