/**
 * Paces Cognito admin calls under a ceiling (AdminCreateUser shares 50 requests/s per account and region
 * with SignUp and AdminConfirmSignUp, so the default stays well below it) and backs off when Cognito
 * says TooManyRequests: the rate halves on each throttle and creeps back up by one request/s per second
 * of calls without one (additive increase, multiplicative decrease), and the refused call is retried
 * with jittered exponential backoff.
 */
import { AuthError, InterruptedError } from '../core/errors.ts';
import { isUnreachable, OutageWatch } from '../core/outage.ts';
import { backoffMs, isRetryable, sleep as realSleep } from '../core/retry.ts';

export interface RateLimiterOptions {
  /** Requests per second at the most. */
  ceiling: number;
  /** The rate never drops below this. @default 1 */
  floor?: number;
  /** Milliseconds clock. @default Date.now */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Cognito down (connections refused, dropped or timed out): calls are retried until this watch's deadline,
   * whatever `attempts` says, then AUTH_COGNITO_UNREACHABLE (exit 3). @default a watch with the default
   * deadline and no progress lines
   */
  outage?: OutageWatch;
}

export function isThrottle(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return (
    e?.name === 'TooManyRequestsException' ||
    e?.name === 'ThrottlingException' ||
    e?.$metadata?.httpStatusCode === 429
  );
}

export class AdaptiveRateLimiter {
  /** Current requests per second. */
  rate: number;
  /** Throttles seen, for the report. */
  throttles = 0;
  /** Calls let through. */
  calls = 0;
  readonly ceiling: number;
  private readonly floor: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private nextAt = 0;
  private streak = 0;
  private readonly outage: OutageWatch;

  constructor(options: RateLimiterOptions) {
    if (!(options.ceiling > 0)) throw new RangeError(`ceiling must be positive, got ${options.ceiling}`);
    this.ceiling = options.ceiling;
    this.floor = Math.min(options.floor ?? 1, options.ceiling);
    this.rate = options.ceiling;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.outage = options.outage ?? new OutageWatch({ what: 'Cognito', now: this.now });
  }

  /** Waits for the next slot: slots are 1000/rate ms apart, so no window ever holds more than the rate. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + 1000 / this.rate;
    this.calls++;
    if (at > now) await this.sleep(at - now, signal);
  }

  /** A call succeeded: after `rate` successes in a row (about a second's worth), one more request/s. */
  succeeded(): void {
    if (this.rate >= this.ceiling) return;
    if (++this.streak >= this.rate) {
      this.rate = Math.min(this.ceiling, this.rate + 1);
      this.streak = 0;
    }
  }

  /** Cognito throttled us: halve the rate and push the next slot out by one new interval. */
  throttled(): void {
    this.throttles++;
    this.streak = 0;
    this.rate = Math.max(this.floor, this.rate / 2);
    this.nextAt = Math.max(this.nextAt, this.now() + 1000 / this.rate);
  }

  /**
   * Runs one Cognito call at the paced rate, retrying throttles (and other retryable failures) with
   * jittered exponential backoff; other errors are thrown at once.
   */
  async call<T>(
    fn: () => Promise<T>,
    options: { signal?: AbortSignal; attempts?: number; random?: () => number } = {},
  ): Promise<T> {
    const attempts = options.attempts ?? 8;
    for (let attempt = 1; ; attempt++) {
      await this.acquire(options.signal);
      // Ctrl-C while waiting for a slot: start nothing new (a re-run finishes the job).
      if (options.signal?.aborted) throw new InterruptedError('the Cognito calls');
      try {
        const result = await fn();
        this.succeeded();
        this.outage.up();
        return result;
      } catch (error) {
        if (options.signal?.aborted) throw new InterruptedError('the Cognito calls');
        if (isUnreachable(error)) {
          if (!this.outage.down(error)) throw cognitoUnreachable(this.outage, error);
          attempt--; // an outage is bounded by its deadline, not by the attempts
          await this.sleep(
            Math.min(5000, backoffMs(2 + Math.min(attempt, 4), { baseMs: 250 })),
            options.signal,
          );
          continue;
        }
        const throttle = isThrottle(error);
        if (throttle) this.throttled();
        if (attempt >= attempts || !(throttle || isRetryable(error)) || options.signal?.aborted) throw error;
        const random = options.random ?? Math.random;
        await this.sleep(backoffMs(attempt, { baseMs: 250, maxMs: 20_000, random }), options.signal);
      }
    }
  }
}

function cognitoUnreachable(outage: OutageWatch, cause: unknown): AuthError {
  return new AuthError(
    'AUTH_COGNITO_UNREACHABLE',
    `Cognito did not answer for ${Math.round(outage.downForMs() / 1000)} s (${(cause as Error).message ?? String(cause)})`,
    {
      exit: 'environment',
      cause,
      hint: 'Check target.cognito (endpoint, region) and the network, then run the same command again: it picks up where it stopped.',
    },
  );
}
