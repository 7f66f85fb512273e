/**
 * One object's copy under way: the item, the clients and settings it runs with, what it has written under the
 * final key (the apply loop's `InFlight`, for the clean-up after a stop), its bytes moved and its attempts.
 * Every step of the copy (source.ts, put-object.ts, multipart-upload.ts, confirm.ts, seal.ts) works on one.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { AcquireSlot } from '../../core/concurrency.ts';
import { StorageError } from '../../core/errors.ts';
import { withRetry } from '../../core/retry.ts';
import type { CopyItem } from '../plan.ts';
import { objectS3Error, type Side } from '../s3-errors.ts';
import { copyError, targetChangedError } from './copy-errors.ts';

export interface CopyObjectDeps {
  source: S3Client;
  target: S3Client;
  /** Bytes per part. */
  partSize: number;
  /** Objects larger than this are uploaded in parts. */
  multipartThreshold: number;
  /**
   * Objects up to this size are read whole before the PUT, so their SHA-256 travels with it (as the seal and
   * as the signed payload hash S3 checks) and no separate seal is needed. @default 1 MiB
   */
  bufferBelow?: number;
  /**
   * The target checks and keeps SHA-256 checksums (S3; see target-checksums.ts): every PUT and part carries
   * one, so the target refuses bytes that do not match, and what it kept is confirmed by `HeadObject` in
   * checksum mode instead of reading the object back. @default false (read back)
   */
  checksums?: boolean;
  /** Parts of one object sent at once. @default 4 */
  partUploads?: number;
  /**
   * Slots shared by the whole run, one per part held in memory (read, not yet taken by the target): they cap
   * the memory all multipart copies hold together. @default slots(partUploads), this object's own
   */
  partBuffers?: AcquireSlot;
  /** Attempts per object (whole object for one PUT, per part for multipart), and for its seal. @default 5 */
  attempts?: number;
  signal: AbortSignal;
  /** Called with newly moved bytes (never more than the object's size in all, retries included). */
  onBytes?: (n: number) => void;
  onRetry?: (item: CopyItem, error: unknown, attempt: number) => void;
  onWarning?: (message: string) => void;
  /** Wait between attempts, injectable for tests. */
  backoff?: (attempt: number) => number;
}

/** What the apply loop needs to clean up an interrupted copy. */
export interface InFlight {
  item: CopyItem;
  /** Something may have been written under the final key. */
  wrote: boolean;
  /**
   * The version the last write created, once the target said so (versioned buckets): the one to remove. A
   * write stopped before the target answered has none, and is removed by key (a delete marker there).
   */
  versionId?: string;
  uploadId?: string;
}

export interface CopiedObject {
  sha256: string;
  size: number;
  multipart: boolean;
  parts: number;
  attempts: number;
}

/** What one write put under the final key. */
export interface Written {
  sha256: string;
  etag: string | undefined;
  /** The version it created, in a versioned bucket. */
  versionId: string | undefined;
  /** With checksums: the SHA-256 checksum the target must keep for it (base64, `-N` if composite). */
  checksum?: string;
  /**
   * With checksums: the checksum the target answered the PUT with — the one it checked the bytes against
   * and keeps (S3 answers a PutObject that carried a checksum with it).
   */
  taken?: string;
}

export class CopyJob {
  /** Requests sent for the object's bytes, retries included (reported with the copy). */
  attempts = 0;
  private reported = 0;
  private position = 0;

  constructor(
    readonly item: CopyItem,
    readonly deps: CopyObjectDeps,
    readonly flight: InFlight,
  ) {}

  /** Bytes are read again from `offset`: `progress` reports only those past what was reported before. */
  readFrom(offset: number): void {
    this.position = offset;
  }

  readonly progress = (n: number): void => {
    this.position += n;
    if (this.position > this.reported) {
      this.deps.onBytes?.(this.position - this.reported);
      this.reported = this.position;
    }
  };

  /** The StorageError a failed request of this copy stands for (see copyError). */
  fail(error: unknown, side: Side, action: string): StorageError {
    return copyError(this.item, error, { side, action, targetChanged: () => this.targetChanged() });
  }

  /**
   * Another writer replaced the object under the key between this copy's write and its read-back. Without a
   * version to name, nothing under the key is this copy's any more: a clean-up must not delete it by key.
   */
  targetChanged(): StorageError {
    if (!this.flight.versionId) this.flight.wrote = false;
    return targetChangedError(this.item);
  }

  /** A write under the final key is about to start: whatever it makes must go if the copy stops. */
  startWrite(): void {
    this.flight.wrote = true;
    delete this.flight.versionId;
  }

  /** Notes what the last write created, for the clean-up after a stop. */
  noteWrite(versionId: string | undefined): void {
    if (versionId) this.flight.versionId = versionId;
    else delete this.flight.versionId;
  }

  /** Attempts allowed per retried step. */
  get attemptsAllowed(): number {
    return this.deps.attempts ?? 5;
  }

  /**
   * Runs `fn` up to `attempts` times while what it throws is retryable (by default: a retryable StorageError
   * or S3 error, the copy not stopped), waiting between attempts (src/core/retry.ts). `signal` stops the
   * retrying (@default the copy's); `onRetry` is called before each wait.
   */
  withAttempts<T>(
    fn: (attempt: number) => Promise<T>,
    options: { retryable?: (error: unknown) => boolean; signal?: AbortSignal; onRetry?: () => void } = {},
  ): Promise<T> {
    return withRetry(fn, {
      attempts: this.attemptsAllowed,
      retryable: options.retryable ?? ((error) => this.retryable(error)),
      signal: options.signal ?? this.deps.signal,
      ...(this.deps.backoff ? { backoff: this.deps.backoff } : {}),
      onRetry: (error, attempt) => {
        options.onRetry?.();
        this.deps.onRetry?.(this.item, error, attempt);
      },
    });
  }

  private retryable(error: unknown): boolean {
    if (this.deps.signal.aborted) return false;
    if (error instanceof StorageError) return error.retryable;
    return objectS3Error(error, { side: 'target' }).retryable;
  }
}
