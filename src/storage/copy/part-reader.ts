/** Reading the source of a multipart copy part by part, resuming a failed read from a ranged GET. */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { PartSplitter } from '../streams.ts';

/**
 * The source of a multipart copy, read part by part in order into memory, hashing the whole object on the
 * way. After a failed read the next `read` opens the source again at its part's first byte (`reopen`), the
 * whole-object hash rewound to where that part starts.
 */
export class PartReader {
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
