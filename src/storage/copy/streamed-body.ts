/** A PUT body streamed from the source through an UploadBody, and which side to blame when it fails. */
import type { Readable } from 'node:stream';
import type { UploadBody } from '../streams.ts';

/**
 * A request body streamed from the source through an UploadBody (hashing, and framing it where asked). If the source fails half-way (a reset),
 * the request it feeds is aborted at once — a piped body that just stops would leave the upload waiting —
 * and `failure` keeps the source's error, so the attempt is reported (and retried) as a read, not a write.
 */
export class StreamedBody {
  readonly body: UploadBody;
  readonly signal: AbortSignal;
  failure: unknown;
  private readonly controller = new AbortController();
  private readonly onOuterAbort = () => this.controller.abort(this.outer.reason);

  constructor(
    from: Readable,
    tap: UploadBody,
    private readonly outer: AbortSignal,
  ) {
    this.signal = this.controller.signal;
    if (outer.aborted) this.controller.abort(outer.reason);
    else outer.addEventListener('abort', this.onOuterAbort, { once: true });
    // The SDK pipes the body into the request and listens for errors on neither: the failure is handled here, by aborting that
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
