/**
 * Stream pieces for the copy: an upload body that hashes and counts what flows (framed as aws-chunked where
 * the target checks checksums), and a splitter that hands out consecutive parts of one stream as streams of
 * exact length.
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { StorageError } from '../core/errors.ts';

/** The trailer an aws-chunked upload body ends with: the SHA-256 S3 checks the decoded body against. */
export const SHA256_TRAILER = 'x-amz-checksum-sha256';
/** The data of an aws-chunked body is framed in chunks of this size (the last one shorter). */
export const AWS_CHUNK_SIZE = 1024 * 1024;

/** A frame of `aws-chunked`: the size in hex, CRLF, the data, CRLF. */
const frameHead = (length: number) => `${length.toString(16)}\r\n`;
/** The end of an aws-chunked body: the zero-length chunk, the trailer with the checksum, a blank line. */
const trailer = (sha256Base64: string) => `0\r\n${SHA256_TRAILER}:${sha256Base64}\r\n\r\n`;

/**
 * The length on the wire of `size` bytes sent as `aws-chunked` with the SHA-256 trailer (UploadBody with
 * `awsChunked`), which is what Content-Length must say; the decoded size goes in
 * `x-amz-decoded-content-length`.
 */
export function awsChunkedLength(size: number): number {
  const full = Math.floor(size / AWS_CHUNK_SIZE);
  const rest = size % AWS_CHUNK_SIZE;
  const framed = (n: number) => frameHead(n).length + n + 2;
  return full * framed(AWS_CHUNK_SIZE) + (rest > 0 ? framed(rest) : 0) + trailer('='.repeat(44)).length;
}

/**
 * An upload body made from a source stream: hashes (SHA-256) and counts every byte as it passes, `onBytes`
 * reporting progress. With `awsChunked` it frames the bytes as `aws-chunked` in pieces of `AWS_CHUNK_SIZE` and
 * ends the body with the SHA-256 as a trailer (S3's STREAMING-UNSIGNED-PAYLOAD-TRAILER upload): the one hash of
 * the bytes is both the checksum the target checks and the one the copy seals with, and the socket takes one
 * write per MiB. Without, the bytes pass as they came (gathering them into larger pieces measured no faster
 * on s3rver: the copy costs what the writes save). `digest` is set once the source has ended.
 */
export class UploadBody extends Transform {
  private readonly hash: Hash = createHash('sha256');
  digest: Buffer | undefined;
  bytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly options: { awsChunked: boolean; onBytes?: (n: number) => void }) {
    super(options.awsChunked ? { readableHighWaterMark: AWS_CHUNK_SIZE } : {});
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.options.onBytes?.(chunk.length);
    if (!this.options.awsChunked) {
      done(null, chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= AWS_CHUNK_SIZE) this.push(this.piece(AWS_CHUNK_SIZE));
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.pendingBytes > 0) this.push(this.piece(this.pendingBytes));
    this.digest = this.hash.digest();
    if (this.options.awsChunked) this.push(Buffer.from(trailer(this.digest.toString('base64')), 'latin1'));
    done();
  }

  /** The next `length` bytes held, framed, in one buffer. */
  private piece(length: number): Buffer {
    const head = frameHead(length);
    const out = Buffer.allocUnsafe(head.length + length + 2);
    let at = out.write(head, 'latin1');
    let left = length;
    while (left > 0) {
      const chunk = this.pending[0] as Buffer;
      const take = Math.min(chunk.length, left);
      chunk.copy(out, at, 0, take);
      at += take;
      left -= take;
      if (take === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(take);
    }
    this.pendingBytes -= length;
    out.write('\r\n', at, 'latin1');
    return out;
  }
}

/** SHA-256 and size of a whole stream, consumed. */
export async function digestStream(
  stream: Readable | NodeJS.ReadableStream,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * Cuts a stream into consecutive parts: `next(length)` returns a Readable of exactly `length` bytes taken
 * from where the previous part ended. Parts must be consumed in order, one at a time.
 */
export class PartSplitter {
  private readonly iterator: AsyncIterator<Buffer>;
  private carry: Buffer | undefined;

  constructor(source: Readable) {
    this.iterator = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  next(length: number): Readable {
    return Readable.from(this.part(length), { objectMode: false });
  }

  private async *part(length: number): AsyncGenerator<Buffer> {
    let left = length;
    while (left > 0) {
      let chunk = this.carry;
      this.carry = undefined;
      if (!chunk) {
        const { value, done } = await this.iterator.next();
        if (done) {
          // A body cut short without an error (some proxies close that way): worth another ranged read.
          throw new StorageError(
            'STORAGE_SOURCE_SHORT',
            `the source stream ended ${left} bytes before the end of the part`,
            {
              retryable: true,
              hint: 'Run the same command again; if it repeats, check the source endpoint.',
            },
          );
        }
        chunk = value;
      }
      if (chunk.length > left) {
        this.carry = chunk.subarray(left);
        chunk = chunk.subarray(0, left);
      }
      left -= chunk.length;
      yield chunk;
    }
  }

  /** Stops reading the source (after an error, or when done). */
  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

/**
 * The checksum S3 keeps for a multipart upload whose parts were sent with SHA-256 checksums (a composite
 * checksum): base64 of the SHA-256 of the parts' raw SHA-256 digests in part order, then `-<parts>`.
 */
export function compositeSha256(partDigests: readonly Buffer[]): string {
  const hash = createHash('sha256');
  for (const digest of partDigests) hash.update(digest);
  return `${hash.digest('base64')}-${partDigests.length}`;
}

/** The byte ranges of the parts of an object of `size` bytes. */
export function partRanges(
  size: number,
  partSize: number,
): Array<{ number: number; start: number; length: number }> {
  const parts: Array<{ number: number; start: number; length: number }> = [];
  for (let start = 0, n = 1; start < size; start += partSize, n++) {
    parts.push({ number: n, start, length: Math.min(partSize, size - start) });
  }
  return parts;
}

/** S3 allows 10,000 parts: the part size to use for `size` bytes, at least `partSize`. */
export function effectivePartSize(size: number, partSize: number): number {
  const MAX_PARTS = 10_000;
  const MiB = 1024 * 1024;
  if (Math.ceil(size / partSize) <= MAX_PARTS) return partSize;
  return Math.ceil(size / MAX_PARTS / MiB) * MiB;
}

interface MiddlewareCommand {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<{ response: unknown }>,
      ) => (args: unknown) => Promise<{ response: unknown }>,
      options: { step: 'deserialize'; name: string; priority: 'low' },
    ): void;
  };
}

/**
 * Adds a no-op error listener to a response body the moment the HTTP response arrives, before the SDK's
 * deserializers run: a connection reset in that window would otherwise be an uncaught exception. Whoever
 * consumes the body still sees the error.
 */
export function guardResponseBody<T>(command: T): T {
  (command as unknown as MiddlewareCommand).middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const body = (out.response as { body?: { on?: (event: string, fn: () => void) => void } }).body;
      body?.on?.('error', () => undefined);
      return out;
    },
    { step: 'deserialize', name: 'supa2awsGuardBody', priority: 'low' },
  );
  return command;
}
