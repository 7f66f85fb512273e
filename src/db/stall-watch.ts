/**
 * A watchdog for the database phase's long steps (db copy, db verify): a server that stops answering in the
 * middle of a query (a stopped process, a wedged proxy) sends no error and no FIN, so the query would wait
 * forever. When no watched connection has received a byte for `stallMs`, each side with a watched connection
 * is probed on a fresh connection (`SELECT 1`, bounded by `stallMs`). A side whose probe answers is alive and
 * its query only slow: the watch re-arms and the query goes on, never cancelled. A side whose probe fails
 * too is down: its stuck connections are cut, so their queries fail at once with a lost connection, and
 * `dead` says which side it was for the step's unreachable error (exit 3).
 */
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { outageDeadlineMs, unreachableReason, OUTAGE_DEADLINE_ENV } from '../core/outage.ts';
import type { ConnectFn, PgClient } from '../core/pg.ts';

export type WatchedSide = 'source' | 'target';

/** What the watch may do with a connection: notice what it receives, and cut it. */
export interface WatchedConnection {
  onProgress(listener: () => void): void;
  cut(): void;
}

/**
 * The watch's view of a pg.Client, through its connection (node-postgres has no public accessor for it):
 * each protocol message received is progress (not the socket's own data events: a COPY TO stream takes
 * over the socket and requires being its only reader; COPY progress is reported with `touch()`), and
 * cutting destroys the socket.
 */
function pgConnection(client: PgClient): WatchedConnection {
  const connection = (client as unknown as { connection: EventEmitter & { stream: Socket } }).connection;
  return {
    onProgress: (listener) => void connection.on('message', listener),
    cut: () => void connection.stream.destroy(),
  };
}

export type ProbeResult = { ok: true } | { ok: false; reason: string };

/** Whether a side answers a fresh connection and `SELECT 1` within `timeoutMs`; the reason when not. */
export async function probeDatabase(
  connect: ConnectFn,
  url: string,
  side: WatchedSide,
  timeoutMs: number,
): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  let client: PgClient | undefined;
  let late = false;
  const attempt = (async () => {
    const c = await connect(url, side, { connectTimeoutMs: timeoutMs });
    if (late) {
      await c.end().catch(() => undefined);
      return { ok: false as const, reason: 'timed out' };
    }
    client = c;
    await c.query('SELECT 1');
    return { ok: true as const };
  })().catch((error: unknown) => ({ ok: false as const, reason: unreachableReason(error) }));
  const timeout = new Promise<{ ok: false; reason: string }>((resolve) => {
    timer = setTimeout(() => {
      late = true;
      resolve({ ok: false, reason: `no answer within ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
  });
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
    if (client) {
      if (late) pgConnection(client).cut();
      await client.end().catch(() => undefined);
    }
  }
}

export interface StallWatchOptions {
  /** Probes one side on a fresh connection, giving up after `timeoutMs` (the watch's `stallMs`). */
  probe: (side: WatchedSide, timeoutMs: number) => Promise<ProbeResult>;
  /** Silence on every watched connection that triggers a probe. @default a third of outageDeadlineMs() */
  stallMs?: number;
  /** A progress line when a probe says a side is slow or down. */
  onWait?: (message: string) => void;
  /** @default Date.now */
  now?: () => number;
}

/** Why a side was given up on. */
export interface DeadSide {
  side: WatchedSide;
  /** e.g. `no reply for 30 s, and a fresh connection: no answer within 30 s` */
  reason: string;
}

export class StallWatch {
  readonly stallMs: number;
  /** Set once a side was found down and its connections cut. */
  dead: DeadSide | undefined;
  private last: number;
  private probing = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly connections: Array<{ side: WatchedSide; connection: WatchedConnection }> = [];
  private readonly options: StallWatchOptions;
  private readonly now: () => number;

  constructor(options: StallWatchOptions) {
    this.options = options;
    this.stallMs = options.stallMs ?? Math.ceil(outageDeadlineMs() / 3);
    this.now = options.now ?? Date.now;
    this.last = this.now();
  }

  /** Watches a connection of `side`: what it receives is progress, and it is cut if the side is down. */
  add(side: WatchedSide, connection: WatchedConnection): void {
    this.connections.push({ side, connection });
    connection.onProgress(() => this.touch());
  }

  /** A `ConnectFn` that watches every connection it opens. */
  connectFn(connect: ConnectFn): ConnectFn {
    return async (url, role, options) => {
      const client = await connect(url, role, options);
      if (role === 'source' || role === 'target') this.add(role, pgConnection(client));
      return client;
    };
  }

  /** Something made progress: the silence starts again from now. */
  touch(): void {
    this.last = this.now();
  }

  /**
   * One look: nothing to do unless every watched connection has been silent for `stallMs`; then probes each
   * side, re-arms if all answer, and cuts the connections of the first side that does not.
   */
  async check(): Promise<void> {
    if (this.probing || this.dead || this.now() - this.last < this.stallMs) return;
    this.probing = true;
    const silentMs = this.now() - this.last;
    try {
      const sides = [...new Set(this.connections.map((c) => c.side))];
      const results = await Promise.all(
        sides.map(async (side) => ({ side, ...(await this.options.probe(side, this.stallMs)) })),
      );
      const down = results.find((r): r is { side: WatchedSide; ok: false; reason: string } => !r.ok);
      if (!down) {
        this.options.onWait?.(
          `no reply for ${Math.round(silentMs / 1000)} s, but the ${sides.join(' and ')} database${sides.length > 1 ? 's' : ''} answer${sides.length > 1 ? '' : 's'} a fresh connection: still waiting for a slow query`,
        );
        this.touch();
        return;
      }
      this.dead = {
        side: down.side,
        reason: `no reply for ${Math.round(silentMs / 1000)} s, and a fresh connection: ${down.reason}`,
      };
      this.options.onWait?.(
        `the ${down.side} database stopped answering (${this.dead.reason}): closing its connections (${OUTAGE_DEADLINE_ENV})`,
      );
      for (const c of this.connections) if (c.side === down.side) c.connection.cut();
    } finally {
      this.probing = false;
    }
  }

  /** Looks every quarter of `stallMs` until `stop()`. */
  start(): void {
    this.timer ??= setInterval(() => void this.check(), Math.max(100, Math.floor(this.stallMs / 4)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
