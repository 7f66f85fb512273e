/** Retry by class: retryable failures back off with full jitter; everything else fails at once. */

export interface RetryOptions {
  /** Attempts in all, the first included. @default 5 */
  attempts?: number;
  /** First backoff ceiling in ms. @default 200 */
  baseMs?: number;
  /** Largest backoff ceiling in ms. @default 10000 */
  maxMs?: number;
  /** Decides whether an error is worth another try. @default isRetryable */
  retryable?: (error: unknown) => boolean;
  /** Called before each wait, for logging. */
  onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
  /** Aborts the waiting between attempts. */
  signal?: AbortSignal;
  /** Random source, injectable for tests. @default Math.random */
  random?: () => number;
  /** Wait in ms after a failed attempt, injectable for tests. @default backoffMs (full jitter) */
  backoff?: (attempt: number) => number;
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'SlowDown',
  'OperationAborted', // S3: a conflicting operation on the same bucket or key is in progress
  'RequestTimeout',
  'TimeoutError',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '57P03', // cannot_connect_now
]);

/** Throttling, 5xx and connection resets are retryable; access denied and missing things are not. */
export function isRetryable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as {
    retryable?: boolean;
    code?: string;
    name?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  if (typeof e.retryable === 'boolean') return e.retryable;
  if (e.$retryable) return true;
  if (e.code && RETRYABLE_CODES.has(e.code)) return true;
  if (e.name && RETRYABLE_CODES.has(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status >= 500 || status === 429);
}

export function backoffMs(attempt: number, options: RetryOptions = {}): number {
  const base = options.baseMs ?? 200;
  const max = options.maxMs ?? 10_000;
  const ceiling = Math.min(max, base * 2 ** (attempt - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  const retryable = options.retryable ?? isRetryable;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || !retryable(error) || options.signal?.aborted) throw error;
      const wait = options.backoff ? options.backoff(attempt) : backoffMs(attempt, options);
      options.onRetry?.(error, attempt, wait);
      await sleep(wait, options.signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
