/**
 * A task's rate over its recent samples, and the time left at that rate. Says nothing until it has seen
 * enough: a rate from the first sample or two is noise (a first chunk that landed in 5 ms is no speed).
 */

export interface RateMeterOptions {
  /** Samples older than this are forgotten, so the rate follows the recent speed. @default 10000 */
  windowMs?: number;
  /** Fewest samples before a rate is given. @default 4 */
  minSamples?: number;
  /** Shortest span those samples must cover. @default 2000 */
  minSpanMs?: number;
}

export class RateMeter {
  private readonly samples: Array<{ at: number; amount: number }> = [];
  private readonly windowMs: number;
  private readonly minSamples: number;
  private readonly minSpanMs: number;

  constructor(options: RateMeterOptions = {}) {
    this.windowMs = options.windowMs ?? 10_000;
    this.minSamples = options.minSamples ?? 4;
    this.minSpanMs = options.minSpanMs ?? 2000;
  }

  /** Records that `amount` units were done in all at time `at`. */
  add(at: number, amount: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && amount < last.amount) this.samples.length = 0;
    this.samples.push({ at, amount });
    // Keep one sample older than the window so the span reaches back the whole window.
    while (this.samples.length > 2 && at - this.samples[1]!.at > this.windowMs) this.samples.shift();
  }

  /** Units per second, or undefined while there are too few samples. */
  perSecond(): number | undefined {
    if (this.samples.length < this.minSamples) return undefined;
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    const span = last.at - first.at;
    if (span < this.minSpanMs) return undefined;
    return ((last.amount - first.amount) / span) * 1000;
  }

  /** Milliseconds until `total` at the current rate, or undefined when the rate is unknown or zero. */
  etaMs(total: number): number | undefined {
    const rate = this.perSecond();
    const last = this.samples[this.samples.length - 1];
    if (rate === undefined || rate <= 0 || !last || last.amount >= total) return undefined;
    return ((total - last.amount) / rate) * 1000;
  }
}
