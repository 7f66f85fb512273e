/**
 * Outages, told apart from one refused request: an endpoint that refuses connections, drops them or stops
 * answering is down, and every call to it fails the same way. A long step keeps retrying through a short
 * outage, says so while it waits, and gives up after a total deadline — an environment error (exit 3) with a
 * hint, not a failed object, user or table per call, and not minutes of silence.
 */

/** Node and undici socket errors, and PostgreSQL's "the server went away" classes (57P01–03, 08xxx). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** Messages node-postgres gives a connection the server closed, where it sets no code. */
const UNREACHABLE_MESSAGES = [
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'socket hang up',
];

/** Whether `error` (or anything in its `cause` chain) says the endpoint is down or unreachable. */
export function isUnreachable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const x = e as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof x.code === 'string' && UNREACHABLE_CODES.has(x.code)) return true;
    if (x.name === 'TimeoutError') return true;
    if (typeof x.message === 'string' && UNREACHABLE_MESSAGES.some((m) => x.message === m)) return true;
    // AggregateError (happy-eyeballs connects try every address): down if every attempt was.
    if (Array.isArray(x.errors) && x.errors.length > 0 && x.errors.every((inner) => isUnreachable(inner)))
      return true;
    e = x.cause;
  }
  return false;
}

/** What an error carries that names its cause in a progress line (`ECONNREFUSED`, `TimeoutError`). */
export function unreachableReason(error: unknown): string {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const x = e as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    if (typeof x.code === 'string' && UNREACHABLE_CODES.has(x.code)) return x.code;
    if (x.name === 'TimeoutError') return 'TimeoutError';
    if (typeof x.message === 'string' && UNREACHABLE_MESSAGES.includes(x.message)) return x.message;
    e = x.cause;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The environment variable that sets the outage deadline, in seconds. */
export const OUTAGE_DEADLINE_ENV = 'SUPA2AWS_OUTAGE_DEADLINE_SECONDS';
/** How long a step waits for an endpoint that is down before it gives up. */
const DEFAULT_OUTAGE_DEADLINE_MS = 90_000;

/** The deadline from SUPA2AWS_OUTAGE_DEADLINE_SECONDS (a positive number), else the default 90 s. */
export function outageDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env[OUTAGE_DEADLINE_ENV]);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_OUTAGE_DEADLINE_MS;
}

export interface OutageWatchOptions {
  /** The endpoint in the user's words, e.g. `the target S3 endpoint`. */
  what: string;
  /** @default outageDeadlineMs() */
  deadlineMs?: number;
  /** A progress line while waiting (at most one every `everyMs`). */
  onWait?: (message: string) => void;
  /** @default 5000 */
  everyMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * Tracks one endpoint through a run: the first failure for want of it starts the outage clock, any
 * success stops it. Shared by every worker of the run, so a dozen requests failing at once count once.
 */
export class OutageWatch {
  readonly what: string;
  readonly deadlineMs: number;
  private since: number | undefined;
  private lastLine = 0;
  private readonly onWait: ((message: string) => void) | undefined;
  private readonly everyMs: number;
  private readonly now: () => number;

  constructor(options: OutageWatchOptions) {
    this.what = options.what;
    this.deadlineMs = options.deadlineMs ?? outageDeadlineMs();
    this.onWait = options.onWait;
    this.everyMs = options.everyMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  /** A call got through: the outage, if there was one, is over. */
  up(): void {
    if (this.since !== undefined) this.onWait?.(`${this.what} answers again`);
    this.since = undefined;
  }

  /** How long the endpoint has been down (0 when it is not). */
  downForMs(): number {
    return this.since === undefined ? 0 : this.now() - this.since;
  }

  /**
   * A call failed for want of the endpoint: true while the outage is within the deadline (retry), false
   * once it has lasted longer (give up). Says so at most every `everyMs`.
   */
  down(error: unknown): boolean {
    const t = this.now();
    this.since ??= t;
    const expired = t - this.since >= this.deadlineMs;
    if (!expired && t - this.lastLine >= this.everyMs) {
      this.lastLine = t;
      this.onWait?.(
        `${this.what} is unreachable (${unreachableReason(error)}) for ${Math.round((t - this.since) / 1000)} s: retrying for up to ${Math.round(this.deadlineMs / 1000)} s (${OUTAGE_DEADLINE_ENV})`,
      );
    }
    return !expired;
  }
}
