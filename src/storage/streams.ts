/**
 * Stream pieces for the copy: a pass-through that hashes and counts what flows, and a splitter that hands
 * out consecutive parts of one stream as streams of exact length.
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { StorageError } from '../core/errors.ts';

/** SHA-256 and byte count of everything that passes through; `onBytes` reports progress. */
export class HashTap extends Transform {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly onBytes?: (n: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes?.(chunk.length);
    done(null, chunk);
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
