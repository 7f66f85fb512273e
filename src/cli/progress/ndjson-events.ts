/**
 * `--json`: every event as one JSON line on stderr. Progress is throttled per task to at most one event
 * every `minIntervalMs` (a copy of 10,000 small objects must not write 10,000 lines); the last event of a
 * task is never dropped: a task's finishing event goes out at once, a held one goes out when the interval
 * is over, before any other kind of event, or at close.
 */
import type { ProgressEvent, ReporterEvent } from '../../core/reporter.ts';
import { isFinished } from './task-state.ts';

export interface NdjsonOptions {
  write(line: string): unknown;
  /** @default Date.now */
  now?: () => number;
  /** Least time between two progress events of one task. @default 250 */
  minIntervalMs?: number;
}

/** A finished task's event said again with the same numbers (an engine's closing repeat) is not sent twice. */
const sameNumbers = (a: ProgressEvent, b: ProgressEvent | undefined): boolean =>
  b !== undefined && a.done === b.done && a.total === b.total && a.bytes === b.bytes;

export class NdjsonEvents {
  private readonly sentAt = new Map<string, number>();
  private readonly held = new Map<string, ProgressEvent>();
  private readonly lastSent = new Map<string, ProgressEvent>();
  private readonly now: () => number;
  private readonly minIntervalMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: NdjsonOptions) {
    this.now = options.now ?? Date.now;
    this.minIntervalMs = options.minIntervalMs ?? 250;
  }

  emit(event: ReporterEvent): void {
    if (event.type !== 'progress') {
      this.flush();
      this.send(event);
      return;
    }
    const now = this.now();
    const last = this.sentAt.get(event.task);
    const finished = isFinished(event);
    if (finished && sameNumbers(event, this.lastSent.get(event.task))) return;
    if (finished || last === undefined || now - last >= this.minIntervalMs) {
      this.held.delete(event.task);
      this.sentAt.set(event.task, now);
      this.sendProgress(event);
      return;
    }
    this.held.set(event.task, event);
    this.arm();
  }

  /** Sends every held event (the last of its task so far): before another kind of event, and at close. */
  flush(): void {
    this.sendHeld(() => true);
  }

  private sendHeld(due: (task: string, now: number) => boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.now();
    for (const [task, event] of this.held) {
      if (!due(task, now)) continue;
      this.held.delete(task);
      this.sentAt.set(task, now);
      this.sendProgress(event);
    }
    this.arm();
  }

  /** Wakes when the first held event's interval is over. */
  private arm(): void {
    if (this.timer || this.held.size === 0) return;
    const now = this.now();
    const wait = Math.min(
      ...[...this.held.keys()].map((task) => (this.sentAt.get(task) ?? now) + this.minIntervalMs - now),
    );
    this.timer = setTimeout(
      () => this.sendHeld((task, at) => at - (this.sentAt.get(task) ?? 0) >= this.minIntervalMs),
      Math.max(10, wait),
    ).unref();
  }

  private sendProgress(event: ProgressEvent): void {
    this.lastSent.set(event.task, event);
    this.send(event);
  }

  private send(event: ReporterEvent): void {
    this.options.write(`${JSON.stringify({ ts: new Date().toISOString(), ...event })}\n`);
  }
}
