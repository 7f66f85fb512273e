/**
 * Copies one object: stream, verify, seal.
 *
 * Why no temporary key. The obvious design — upload to a temporary key, verify it, CopyObject it to the final
 * key — costs a second full write of every object on the target (and on s3rver a re-hash too: measured
 * 2× the target's CPU), and CopyObject stops at 5 GiB. A seal written by copying the object onto itself costs
 * that second write too (and a second version in a versioned bucket); tags cost none (bench/storage: the
 * target's CPU a seventh lower). Instead the object is written straight to its final key with write
 * primitives that publish atomically on S3 — one PutObject, or CompleteMultipartUpload — and is *sealed* only
 * after verification:
 *
 *   1. GET the source and stream it to the final key (PutObject; above the multipart threshold, parts read
 *      in order into memory and sent up to four at once), computing SHA-256 as the bytes flow. The object carries `supa2aws-source-etag` but no `sha256` yet.
 *   2. Confirm it. Where the target checks and keeps SHA-256 checksums (S3; target-checksums.ts decides), every
 *      PUT and part carried one — the target refused bytes that did not match — and `HeadObject` in checksum
 *      mode must show the size and the checksum sent (composite for multipart). Elsewhere (s3rver, or
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
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type CompletedPart,
  type GetObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { slots, type AcquireSlot } from '../core/concurrency.ts';
import { StorageError } from '../core/errors.ts';
import { backoffMs, sleep } from '../core/retry.ts';
import {
  checksumOfHex,
  foreignMetadata,
  META_SHA256,
  META_SOURCE_ETAG,
  META_USER_METADATA,
  metadataBytes,
  normaliseEtag,
  sealTags,
} from './object-meta.ts';
import type { CopyItem } from './plan.ts';
import {
  fatalS3Error,
  isChecksumRefusal,
  isNotFound,
  isNotImplemented,
  objectS3Error,
  s3ErrorName,
  taggingUnsupported,
} from './s3-errors.ts';
import {
  digestStream,
  effectivePartSize,
  guardResponseBody,
  compositeSha256,
  HashTap,
  PartSplitter,
  partRanges,
} from './streams.ts';

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
interface Written {
  sha256: string;
  etag: string | undefined;
  /** The version it created, in a versioned bucket. */
  versionId: string | undefined;
  /** With checksums: the SHA-256 checksum the target must keep for it (base64, `-N` if composite). */
  checksum?: string;
}

interface SourceResponse {
  body: Readable;
  headers: TargetHeaders;
  length: number;
}

interface TargetHeaders {
  ContentType?: string;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
  ContentLanguage?: string;
  Metadata: Record<string, string>;
}

function headersFor(item: CopyItem, g: GetObjectCommandOutput, warn?: (m: string) => void): TargetHeaders {
  const metadata: Record<string, string> = foreignMetadata(g.Metadata);
  if (item.sourceEtag) metadata[META_SOURCE_ETAG] = item.sourceEtag.replace(/"/g, '');
  if (item.userMetadata) {
    if (metadataBytes({ ...metadata, [META_USER_METADATA]: item.userMetadata }) + 80 <= 2048) {
      metadata[META_USER_METADATA] = item.userMetadata;
    } else {
      warn?.(
        `${item.sourceBucket}/${item.key}: user_metadata is over S3's 2 KB metadata limit and was not copied`,
      );
    }
  }
  const contentType = g.ContentType ?? item.contentType;
  const cacheControl = g.CacheControl ?? item.cacheControl;
  return {
    ...(contentType ? { ContentType: contentType } : {}),
    ...(cacheControl ? { CacheControl: cacheControl } : {}),
    ...(g.ContentDisposition ? { ContentDisposition: g.ContentDisposition } : {}),
    ...(g.ContentEncoding ? { ContentEncoding: g.ContentEncoding } : {}),
    ...(g.ContentLanguage ? { ContentLanguage: g.ContentLanguage } : {}),
    Metadata: metadata,
  };
}

/**
 * A request body streamed from the source through a hashing tap. If the source fails half-way (a reset),
 * the request it feeds is aborted at once — a piped body that just stops would leave the upload waiting —
 * and `failure` keeps the source's error, so the attempt is reported (and retried) as a read, not a write.
 */
class StreamedBody {
  readonly body: HashTap;
  readonly signal: AbortSignal;
  failure: unknown;
  private readonly controller = new AbortController();
  private readonly onOuterAbort = () => this.controller.abort(this.outer.reason);

  constructor(
    from: Readable,
    tap: HashTap,
    private readonly outer: AbortSignal,
  ) {
    this.signal = this.controller.signal;
    if (outer.aborted) this.controller.abort(outer.reason);
    else outer.addEventListener('abort', this.onOuterAbort, { once: true });
    // The SDK pipes the body into the request — through its own aws-chunked stream when it adds checksums,
    // as it does for AWS — and listens for errors on neither: the failure is handled here, by aborting that
    // request, and the body is destroyed *without* an error, which would otherwise travel on into the SDK's
    // stream and crash the process.
    tap.on('error', () => undefined);
    from.once('error', (error) => {
      this.failure ??= error;
      this.controller.abort(error);
      tap.destroy();
    });
    this.body = from.pipe(tap);
  }

  /** The error to report for a failed send: the source's, if it was the source that failed. */
  blame(error: unknown): { error: unknown; side: 'source' | 'target' } {
    return this.failure === undefined ? { error, side: 'target' } : { error: this.failure, side: 'source' };
  }

  dispose(): void {
    this.outer.removeEventListener('abort', this.onOuterAbort);
  }
}

class ObjectCopier {
  private reported = 0;
  private position = 0;
  attempts = 0;

  constructor(
    private readonly item: CopyItem,
    private readonly deps: CopyObjectDeps,
    private readonly flight: InFlight,
  ) {}

  private progress = (n: number) => {
    this.position += n;
    if (this.position > this.reported) {
      this.deps.onBytes?.(this.position - this.reported);
      this.reported = this.position;
    }
  };

  private fail(error: unknown, side: 'source' | 'target', action: string): StorageError {
    const context = {
      side,
      bucket: side === 'source' ? this.item.sourceBucket : this.item.targetBucket,
      key: this.item.key,
      action,
    };
    const fatal = fatalS3Error(error, context);
    if (fatal) return fatal;
    if (side === 'target' && isChecksumRefusal(error)) {
      return new StorageError(
        'STORAGE_CHECKSUM_REFUSED',
        `${action} ${this.item.targetBucket}/${this.item.key}: the target refused the bytes it received, whose SHA-256 did not match the checksum sent (${s3ErrorName(error)})`,
        {
          retryable: true,
          cause: error,
          details: { bucket: this.item.targetBucket, key: this.item.key },
          hint: 'The bytes were corrupted on the way and nothing was kept; run the same command again, and if it repeats, check the network and any proxy in between.',
        },
      );
    }
    if (side === 'source' && isNotFound(error)) {
      return new StorageError(
        'STORAGE_SOURCE_OBJECT_GONE',
        `${this.item.sourceBucket}/${this.item.key} is no longer at the source`,
        {
          details: { bucket: this.item.sourceBucket, key: this.item.key },
          hint: 'The app deleted it during the copy; run `supa2aws storage plan` to see the current state.',
        },
      );
    }
    if (
      s3ErrorName(error) === 'PreconditionFailed' ||
      (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412
    ) {
      if (side === 'target') return this.targetChanged();
      return new StorageError(
        'STORAGE_SOURCE_CHANGED',
        `${this.item.sourceBucket}/${this.item.key} changed while it was being copied`,
        {
          retryable: side === 'source',
          details: { bucket: this.item.sourceBucket, key: this.item.key },
          hint: 'Run the same command again: it copies the new version.',
        },
      );
    }
    return objectS3Error(error, context);
  }

  private async openSource(from = 0): Promise<SourceResponse> {
    const { source, signal } = this.deps;
    try {
      const got = await source.send(
        guardResponseBody(
          new GetObjectCommand({
            Bucket: this.item.sourceBucket,
            Key: this.item.key,
            ...(from > 0 ? { Range: `bytes=${from}-` } : {}),
            ...(this.item.sourceEtag ? { IfMatch: this.item.sourceEtag } : {}),
          }),
        ),
        { abortSignal: signal },
      );
      const length = got.ContentLength ?? 0;
      if (from === 0 && length !== this.item.size) {
        (got.Body as Readable | undefined)?.destroy();
        throw new StorageError(
          'STORAGE_SOURCE_CHANGED',
          `${this.item.sourceBucket}/${this.item.key} is ${length} bytes at the source, the plan said ${this.item.size}`,
          { retryable: false, hint: 'Run `supa2aws storage copy` again: it plans afresh.' },
        );
      }
      return {
        body: got.Body as Readable,
        headers: headersFor(this.item, got, this.deps.onWarning),
        length,
      };
    } catch (error) {
      throw this.fail(error, 'source', 'Reading');
    }
  }

  private retryable(error: unknown): boolean {
    if (this.deps.signal.aborted) return false;
    if (error instanceof StorageError) return error.retryable;
    return objectS3Error(error, { side: 'target' }).retryable;
  }

  private async wait(attempt: number): Promise<void> {
    await sleep((this.deps.backoff ?? ((a) => backoffMs(a)))(attempt), this.deps.signal);
  }

  /**
   * One attempt for a small object: read it whole (hashing), then one PUT carrying its SHA-256 as the seal
   * and as `x-amz-content-sha256`. S3 refuses a body that does not match that hash, and a stand-in that does
   * not check it (s3rver) writes the metadata only once the whole body has arrived; the object is still
   * read back before it counts, and removed if that does not match.
   */
  private async putBuffered(): Promise<Written> {
    const { target, signal } = this.deps;
    const src = await this.openSource();
    this.position = 0;
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of src.body as AsyncIterable<Buffer>) {
        hash.update(chunk);
        this.progress(chunk.length);
        chunks.push(chunk);
      }
    } catch (error) {
      throw this.fail(error, 'source', 'Reading');
    }
    const body = Buffer.concat(chunks);
    if (body.length !== this.item.size) {
      throw new StorageError(
        'STORAGE_SOURCE_CHANGED',
        `${this.item.sourceBucket}/${this.item.key} sent ${body.length} bytes, expected ${this.item.size}`,
        { retryable: true },
      );
    }
    const sha256 = hash.digest('hex');
    this.startWrite();
    const command = new PutObjectCommand({
      Bucket: this.item.targetBucket,
      Key: this.item.key,
      Body: body,
      ContentLength: body.length,
      ...src.headers,
      Metadata: { ...src.headers.Metadata, [META_SHA256]: sha256 },
      ...(this.deps.checksums ? { ChecksumSHA256: checksumOfHex(sha256) } : {}),
    });
    signPayloadHash(command, sha256);
    try {
      const out = await target.send(command, { abortSignal: signal });
      this.noteWrite(out.VersionId);
      return {
        sha256,
        etag: out.ETag,
        versionId: out.VersionId,
        ...(this.deps.checksums ? { checksum: checksumOfHex(sha256) } : {}),
      };
    } catch (error) {
      throw this.fail(error, 'target', 'Writing');
    }
  }

  /** One attempt of a single-PUT copy: GET → PUT (hashing) → read back. */
  private async putOnce(): Promise<Written> {
    const { target, signal } = this.deps;
    const src = await this.openSource();
    this.position = 0;
    const tap = new HashTap(this.progress);
    const streamed = this.item.size === 0 ? undefined : new StreamedBody(src.body, tap, signal);
    if (!streamed) src.body.resume();
    this.startWrite();
    let etag: string | undefined;
    let versionId: string | undefined;
    try {
      const out = await target.send(
        new PutObjectCommand({
          Bucket: this.item.targetBucket,
          Key: this.item.key,
          Body: streamed?.body ?? Buffer.alloc(0),
          ContentLength: this.item.size,
          ...src.headers,
          // The SDK hashes the body as it sends it and sends the SHA-256 after it (a trailing checksum).
          ...(this.deps.checksums ? { ChecksumAlgorithm: 'SHA256' as const } : {}),
        }),
        { abortSignal: streamed?.signal ?? signal },
      );
      etag = out.ETag;
      versionId = out.VersionId;
      this.noteWrite(versionId);
    } catch (error) {
      src.body.destroy();
      const blamed = streamed?.blame(error) ?? { error, side: 'target' as const };
      throw this.fail(blamed.error, blamed.side, blamed.side === 'source' ? 'Reading' : 'Writing');
    } finally {
      streamed?.dispose();
    }
    const sha256 = tap.hash.digest('hex');
    return {
      sha256,
      etag,
      versionId,
      ...(this.deps.checksums ? { checksum: checksumOfHex(sha256) } : {}),
    };
  }

  /** Runs `fn` up to `attempts` times while what it throws is retryable, waiting between attempts. */
  private async withAttempts<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
    const attempts = this.deps.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (error) {
        if (attempt >= attempts || !this.retryable(error)) throw error;
        this.deps.onRetry?.(this.item, error, attempt);
        await this.wait(attempt);
      }
    }
  }

  private putWithRetry(buffered: boolean): Promise<Written & { readEtag: string | undefined }> {
    return this.withAttempts(async (attempt) => {
      this.attempts = attempt;
      const put = buffered ? await this.putBuffered() : await this.putOnce();
      try {
        return { ...put, readEtag: await this.check(put) };
      } catch (error) {
        // What did not read back right goes: a buffered object carries its seal already, and in a versioned
        // bucket the next attempt would leave it behind as a noncurrent version. Not when another writer has
        // replaced it under the key (`targetChanged`: the write is no longer this copy's).
        if (this.flight.wrote && (put.versionId || buffered)) await this.removeTarget(put.versionId);
        throw error;
      }
    });
  }

  /**
   * Parts read in order from one GET (the whole object's SHA-256 computed as they come) into memory, and up to
   * `partUploads` of them sent at once, as rclone does. A part's bytes are held until the target took them, so
   * a failed send is repeated from memory; only a failed read opens the source again, ranged at the part's
   * first byte, with the hash rewound. `partBuffers` caps the parts held by all the run's objects together.
   */
  private async multipart(): Promise<Written & { parts: number }> {
    const { target, signal } = this.deps;
    const first = await this.openSource();
    let uploadId: string;
    try {
      const created = await target.send(
        new CreateMultipartUploadCommand({
          Bucket: this.item.targetBucket,
          Key: this.item.key,
          ...first.headers,
          ...(this.deps.checksums ? { ChecksumAlgorithm: 'SHA256' as const } : {}),
        }),
        { abortSignal: signal },
      );
      uploadId = created.UploadId as string;
    } catch (error) {
      first.body.destroy();
      throw this.fail(error, 'target', 'Starting the upload of');
    }
    this.flight.uploadId = uploadId;
    this.attempts = 1;
    const reader = new PartReader(first.body, (from) => this.openSource(from).then((r) => r.body));
    const ranges = partRanges(this.item.size, effectivePartSize(this.item.size, this.deps.partSize));
    const done: CompletedPart[] = [];
    const partDigests: Buffer[] = [];
    const holdPart = this.deps.partBuffers ?? slots(this.deps.partUploads ?? 4);
    const most = Math.max(1, this.deps.partUploads ?? 4);
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let failure: { error: unknown } | undefined;
    const sending = new Set<Promise<void>>();
    try {
      for (const range of ranges) {
        while (sending.size >= most && !failure) await Promise.race(sending);
        if (failure || stop.signal.aborted) break;
        const release = await holdPart();
        let part: { body: Buffer; digest: Buffer };
        try {
          part = await this.readPart(reader, range);
        } catch (error) {
          release();
          throw error;
        }
        partDigests[range.number - 1] = part.digest;
        const sent: Promise<void> = this.sendPart(uploadId, range.number, part, stop.signal)
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
      signal.removeEventListener('abort', onAbort);
      await reader.close();
    }
    if (failure) throw failure.error;
    if (signal.aborted) throw signal.reason;
    this.startWrite();
    let etag: string | undefined;
    let versionId: string | undefined;
    try {
      const out = await target.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.item.targetBucket,
          Key: this.item.key,
          UploadId: uploadId,
          MultipartUpload: { Parts: done },
        }),
        { abortSignal: signal },
      );
      etag = out.ETag;
      versionId = out.VersionId;
      this.noteWrite(versionId);
    } catch (error) {
      throw this.fail(error, 'target', 'Completing the upload of');
    }
    delete this.flight.uploadId;
    return {
      sha256: reader.sha256(),
      etag,
      versionId,
      parts: ranges.length,
      ...(this.deps.checksums ? { checksum: compositeSha256(partDigests) } : {}),
    };
  }

  /** Reads one part into memory, in order; a failed read is retried from a ranged GET at the part's start. */
  private async readPart(
    reader: PartReader,
    range: { number: number; start: number; length: number },
  ): Promise<{ body: Buffer; digest: Buffer }> {
    const attempts = this.deps.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      this.position = range.start;
      try {
        return await reader.read(range, this.progress);
      } catch (error) {
        const failure =
          error instanceof StorageError
            ? error
            : this.fail(error, 'source', `Reading part ${range.number} of`);
        if (attempt >= attempts || !this.retryable(failure)) throw failure;
        this.attempts++;
        this.deps.onRetry?.(this.item, failure, attempt);
        await this.wait(attempt);
      }
    }
  }

  /** Sends one part from memory, again while the failure is retryable. */
  private async sendPart(
    uploadId: string,
    number: number,
    part: { body: Buffer; digest: Buffer },
    signal: AbortSignal,
  ): Promise<CompletedPart> {
    const attempts = this.deps.attempts ?? 5;
    const checksum = part.digest.toString('base64');
    for (let attempt = 1; ; attempt++) {
      try {
        const command = new UploadPartCommand({
          Bucket: this.item.targetBucket,
          Key: this.item.key,
          UploadId: uploadId,
          PartNumber: number,
          Body: part.body,
          ContentLength: part.body.length,
          ...(this.deps.checksums ? { ChecksumAlgorithm: 'SHA256' as const, ChecksumSHA256: checksum } : {}),
        });
        signPayloadHash(command, part.digest.toString('hex'));
        const out = await this.deps.target.send(command, { abortSignal: signal });
        if (this.deps.checksums) this.checkPart(number, part.digest, out.ChecksumSHA256);
        return {
          PartNumber: number,
          ETag: out.ETag,
          ...(this.deps.checksums ? { ChecksumSHA256: checksum } : {}),
        };
      } catch (error) {
        const failure =
          error instanceof StorageError ? error : this.fail(error, 'target', `Writing part ${number} of`);
        if (attempt >= attempts || signal.aborted || !this.retryable(failure)) throw failure;
        this.attempts++;
        this.deps.onRetry?.(this.item, failure, attempt);
        await this.wait(attempt);
      }
    }
  }

  /** The checksum the target took a part under must be the part's own SHA-256 (else the part is sent again). */
  private checkPart(part: number, digest: Buffer, kept: string | undefined): void {
    if (kept === undefined || kept === digest.toString('base64')) return;
    throw this.mismatch(`part ${part} was taken with SHA-256 ${kept}`, digest.toString('base64'));
  }

  private mismatch(what: string, sent: string): StorageError {
    return new StorageError(
      'STORAGE_CHECKSUM_MISMATCH',
      `${this.item.targetBucket}/${this.item.key}: ${what}, sent ${sent}`,
      {
        retryable: true,
        exit: 'verifyFailed',
        details: { bucket: this.item.targetBucket, key: this.item.key, sent },
        hint: 'Run the same command again; if it repeats, check the target endpoint and any proxy in between.',
      },
    );
  }

  /** Confirms what was written: by the target's own checksum where it keeps one, else by reading it back. */
  private async check(written: Written): Promise<string | undefined> {
    if (!written.checksum) return this.readBack(written);
    const { target, signal } = this.deps;
    let head;
    try {
      head = await target.send(
        new HeadObjectCommand({
          Bucket: this.item.targetBucket,
          Key: this.item.key,
          ChecksumMode: 'ENABLED',
          ...(written.versionId ? { VersionId: written.versionId } : {}),
          ...(written.etag ? { IfMatch: written.etag } : {}),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw this.fail(error, 'target', 'Checking');
    }
    // A target that took the checksum and keeps none to show (a partial S3 imitation): read back instead.
    if (!head.ChecksumSHA256) return this.readBack(written);
    if (head.ContentLength !== this.item.size || head.ChecksumSHA256 !== written.checksum) {
      throw this.mismatch(
        `the target keeps ${head.ContentLength ?? '?'} bytes with SHA-256 checksum ${head.ChecksumSHA256}`,
        `${this.item.size} bytes with ${written.checksum}`,
      );
    }
    if (written.etag && head.ETag && normaliseEtag(head.ETag) !== normaliseEtag(written.etag)) {
      throw this.targetChanged();
    }
    return head.ETag ?? written.etag;
  }

  /**
   * Reads back what was written — that version, where the target named one — and checks size and SHA-256
   * against what was sent. Returns the ETag it was read under, the one the seal names.
   */
  async readBack(written: Written): Promise<string | undefined> {
    const { target, signal } = this.deps;
    let got;
    try {
      got = await target.send(
        guardResponseBody(
          new GetObjectCommand({
            Bucket: this.item.targetBucket,
            Key: this.item.key,
            ...(written.versionId ? { VersionId: written.versionId } : {}),
            ...(written.etag ? { IfMatch: written.etag } : {}),
          }),
        ),
        { abortSignal: signal },
      );
    } catch (error) {
      throw this.fail(error, 'target', 'Reading back');
    }
    let back;
    try {
      back = await digestStream(got.Body as Readable);
    } catch (error) {
      throw this.fail(error, 'target', 'Reading back');
    }
    if (back.size !== this.item.size || back.sha256 !== written.sha256) {
      throw new StorageError(
        'STORAGE_CHECKSUM_MISMATCH',
        `${this.item.targetBucket}/${this.item.key} read back as ${back.size} bytes sha256 ${back.sha256.slice(0, 12)}…, sent ${this.item.size} bytes sha256 ${written.sha256.slice(0, 12)}…`,
        {
          retryable: true,
          exit: 'verifyFailed',
          details: {
            bucket: this.item.targetBucket,
            key: this.item.key,
            sent: written.sha256,
            read: back.sha256,
            size: back.size,
          },
          hint: 'Run the same command again; if it repeats, check the target endpoint and any proxy in between.',
        },
      );
    }
    if (written.etag && got.ETag && normaliseEtag(got.ETag) !== normaliseEtag(written.etag)) {
      // The target ignored If-Match and served another object (another writer's) that happens to hold the
      // same bytes: the seal would name an object this copy did not write.
      throw this.targetChanged();
    }
    return got.ETag ?? written.etag;
  }

  /**
   * Another writer replaced the object under the key between this copy's write and its read-back. Without a
   * version to name, nothing under the key is this copy's any more: a clean-up must not delete it by key.
   */
  private targetChanged(): StorageError {
    if (!this.flight.versionId) this.flight.wrote = false;
    return new StorageError(
      'STORAGE_TARGET_CHANGED',
      `${this.item.targetBucket}/${this.item.key} was replaced on the target while it was being read back`,
      {
        retryable: true,
        details: { bucket: this.item.targetBucket, key: this.item.key },
        hint: 'Something else writes to this key; stop it, then run the same command again.',
      },
    );
  }

  /**
   * Seals exactly the object that was read back — the version it wrote, where the bucket keeps versions — with
   * its SHA-256 and the ETag it was read under, as object tags. No bytes are written and no version is made.
   * Throttling, 5xx and S3's `OperationAborted` (a conflicting request on the key) are retried.
   */
  async seal(written: Written, readEtag: string | undefined): Promise<void> {
    const { target, signal } = this.deps;
    if (!readEtag) {
      throw new StorageError(
        'STORAGE_TARGET_NO_ETAG',
        `${this.item.targetBucket}/${this.item.key}: the target returned no ETag, which the seal names`,
        {
          exit: 'environment',
          hint: 'The target must be S3 or S3-compatible and return ETags; check target.s3.endpoint.',
        },
      );
    }
    await this.withAttempts(async () => {
      try {
        await target.send(
          new PutObjectTaggingCommand({
            Bucket: this.item.targetBucket,
            Key: this.item.key,
            ...(written.versionId ? { VersionId: written.versionId } : {}),
            Tagging: { TagSet: sealTags(written.sha256, readEtag, written.checksum) },
          }),
          { abortSignal: signal },
        );
      } catch (error) {
        if (isNotImplemented(error)) throw taggingUnsupported(this.item.targetBucket, error);
        throw this.fail(error, 'target', 'Sealing');
      }
    });
  }

  /** A write under the final key is about to start: whatever it makes must go if the copy stops. */
  private startWrite(): void {
    this.flight.wrote = true;
    delete this.flight.versionId;
  }

  /** Notes what the last write created, for the clean-up after a stop. */
  private noteWrite(versionId: string | undefined): void {
    if (versionId) this.flight.versionId = versionId;
    else delete this.flight.versionId;
  }

  /** Removes what this copy wrote (see `removeWritten`); a failure is a warning, the next run replaces it. */
  async removeTarget(versionId: string | undefined): Promise<void> {
    const { item, deps } = this;
    try {
      await removeWritten(deps.target, item.targetBucket, item.key, versionId, deps.onWarning);
      this.flight.wrote = false;
      delete this.flight.versionId;
    } catch (error) {
      deps.onWarning?.(
        `could not remove ${item.targetBucket}/${item.key}, which this copy wrote and did not verify: ${(error as Error).message} (it stays unsealed; the next run replaces it)`,
      );
    }
  }

  async run(): Promise<CopiedObject> {
    const multipart = this.item.size > this.deps.multipartThreshold;
    if (!multipart) {
      const buffered = this.item.size <= (this.deps.bufferBelow ?? 1024 * 1024);
      const put = await this.putWithRetry(buffered);
      if (!buffered) await this.seal(put, put.readEtag);
      return {
        sha256: put.sha256,
        size: this.item.size,
        multipart: false,
        parts: 1,
        attempts: this.attempts,
      };
    }
    const attempts = this.deps.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      let up: (Written & { parts: number }) | undefined;
      try {
        up = await this.multipart();
        await this.seal(up, await this.check(up));
        return {
          sha256: up.sha256,
          size: this.item.size,
          multipart: true,
          parts: up.parts,
          attempts: this.attempts,
        };
      } catch (error) {
        // Parts retry on their own; a whole-object retry is for a mismatch after completion.
        if (
          !(error instanceof StorageError && AFTER_COMPLETION_RETRIES.has(error.code)) ||
          attempt >= attempts ||
          this.deps.signal.aborted
        )
          throw error;
        // Not left behind as a noncurrent version by the next attempt.
        if (up?.versionId) await this.removeTarget(up.versionId);
        this.deps.onRetry?.(this.item, error, attempt);
        await this.wait(attempt);
      }
    }
  }
}

/** A whole multipart upload is sent again only for these: what completed did not read back as sent. */
const AFTER_COMPLETION_RETRIES = new Set(['STORAGE_CHECKSUM_MISMATCH', 'STORAGE_TARGET_CHANGED']);

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

/**
 * The payload hash SigV4 signs is the SHA-256 already computed: S3 checks it against the body it receives,
 * and the SDK need not hash the body a second time.
 */
function signPayloadHash(command: PutObjectCommand | UploadPartCommand, sha256Hex: string): void {
  // The middleware touches only the request's headers, the same for either command's input.
  (command.middlewareStack as PutObjectCommand['middlewareStack']).add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] = sha256Hex;
      return next(args);
    },
    { step: 'build', name: 'supa2awsPayloadSha256' },
  );
}

/**
 * The source of a multipart copy, read part by part in order into memory, hashing the whole object on the
 * way. After a failed read the next `read` opens the source again at its part's first byte (`reopen`), the
 * whole-object hash rewound to where that part starts.
 */
class PartReader {
  private hash = createHash('sha256');
  private splitter: PartSplitter;
  private broken = false;

  constructor(
    private body: Readable,
    private readonly reopen: (from: number) => Promise<Readable>,
  ) {
    this.splitter = new PartSplitter(body);
  }

  async read(
    range: { start: number; length: number },
    onBytes: (n: number) => void,
  ): Promise<{ body: Buffer; digest: Buffer }> {
    const before = this.hash.copy();
    try {
      if (this.broken) {
        this.body = await this.reopen(range.start);
        this.splitter = new PartSplitter(this.body);
        this.broken = false;
      }
      const body = Buffer.allocUnsafe(range.length);
      const partHash = createHash('sha256');
      let at = 0;
      for await (const chunk of this.splitter.next(range.length) as AsyncIterable<Buffer>) {
        chunk.copy(body, at);
        at += chunk.length;
        this.hash.update(chunk);
        partHash.update(chunk);
        onBytes(chunk.length);
      }
      return { body, digest: partHash.digest() };
    } catch (error) {
      this.hash = before;
      this.broken = true;
      await this.close();
      throw error;
    }
  }

  /** The whole object's SHA-256, once every part was read. */
  sha256(): string {
    return this.hash.digest('hex');
  }

  /** Stops reading the source. */
  async close(): Promise<void> {
    await this.splitter.close().catch(() => undefined);
    this.body.destroy();
  }
}

/** Copies, verifies and seals one object. Throws StorageError (fatal ones abort the whole run). */
export async function copyOneObject(
  item: CopyItem,
  deps: CopyObjectDeps,
  flight: InFlight,
): Promise<CopiedObject> {
  const copier = new ObjectCopier(item, deps, flight);
  try {
    return await copier.run();
  } catch (error) {
    // A version this copy wrote and could not verify goes now: the next run's write would keep it as a
    // noncurrent version. (After a stop, the apply loop's clean-up removes it.)
    if (!deps.signal.aborted && flight.versionId) await copier.removeTarget(flight.versionId);
    throw error;
  }
}
