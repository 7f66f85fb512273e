import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { abortableDelay, type GeneratedVideo, type VideoJob, type VideoProvider } from './video-provider.ts';

export interface LocalVideoProviderOptions {
  /** Simulated render time, in ms (abortable). @default 0 */
  delayMs?: number;
  /** Bytes of the `mdat` payload. @default 65536 */
  payloadBytes?: number;
}

/**
 * The demo's provider: no network, no cost. Produces a small MP4-shaped byte stream (an `ftyp` box and an
 * `mdat` box) whose bytes depend only on the job ID and prompt, so re-processing a job yields the
 * same object. It is not a playable video.
 */
export class LocalVideoProvider implements VideoProvider {
  readonly name = 'local';
  readonly #delayMs: number;
  readonly #payloadBytes: number;

  constructor(options: LocalVideoProviderOptions = {}) {
    this.#delayMs = options.delayMs ?? 0;
    this.#payloadBytes = options.payloadBytes ?? 64 * 1024;
  }

  async generate(job: VideoJob, { signal }: { signal: AbortSignal }): Promise<GeneratedVideo> {
    if (this.#delayMs > 0) await abortableDelay(this.#delayMs, signal);
    if (signal.aborted) throw signal.reason;
    const bytes = this.#payloadBytes;
    return {
      body: Readable.from(localVideoChunks(job, bytes)),
      contentType: 'video/mp4',
      contentLength: 24 + 8 + bytes,
    };
  }
}

/** The deterministic bytes, in 16 KiB chunks: ftyp(isom) + mdat(SHA-256 counter stream of id and prompt). */
export function* localVideoChunks(
  job: Pick<VideoJob, 'id' | 'prompt'>,
  payloadBytes: number,
): Generator<Buffer> {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftypisom', 4, 'latin1');
  ftyp.writeUInt32BE(0x200, 12);
  ftyp.write('isommp41', 16, 'latin1');
  const mdatHeader = Buffer.alloc(8);
  mdatHeader.writeUInt32BE(8 + payloadBytes, 0);
  mdatHeader.write('mdat', 4, 'latin1');
  yield Buffer.concat([ftyp, mdatHeader]);
  const seed = createHash('sha256').update(job.id).update('\0').update(job.prompt).digest();
  let left = payloadBytes;
  let counter = 0;
  while (left > 0) {
    const size = Math.min(left, 16 * 1024);
    const chunk = Buffer.alloc(size);
    for (let offset = 0; offset < size; offset += 32) {
      createHash('sha256').update(seed).update(String(counter++)).digest().copy(chunk, offset);
    }
    left -= size;
    yield chunk;
  }
}
