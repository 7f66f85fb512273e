/**
 * Progress for people: on a terminal, a live block redrawn in place (log-update) with one line per running
 * step or task, each cut to the terminal's width, a spinner for work without a count; piped, plain lines
 * (a task's line at most every few seconds, and its final line once). Logs and finished steps print above
 * the live block and stay.
 */
import { createLogUpdate } from 'log-update';
import type { ProgressEvent, StepEvent } from '../../core/reporter.ts';
import { formatDuration } from '../format.ts';
import { fit, stepLine, taskLine } from './task-line.ts';
import { TaskStates, type TaskState } from './task-state.ts';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export interface LiveProgressOptions {
  stream: ProgressStream;
  /** Redraw in place (a terminal) or print plain lines (a pipe or file). @default stream.isTTY */
  tty?: boolean;
  /** @default Date.now */
  now?: () => number;
  /** How often the live block is redrawn; 0 draws only when asked (tests). @default 100 */
  redrawMs?: number;
  /** Piped: a running task prints a line at most this often. @default 5000 */
  plainEveryMs?: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 80;
/** Plain output goes to logs and files that no terminal cuts: wide enough for every part of a line. */
const PLAIN_WIDTH = 160;

const stepMark = (status: StepEvent['status']) =>
  status === 'done' ? '✔' : status === 'skipped' ? '–' : '✖';

export class LiveProgress {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly redrawMs: number;
  private readonly plainEveryMs: number;
  private readonly tasks = new TaskStates();
  private readonly steps = new Map<string, number>();
  private readonly lastPlain = new Map<string, number>();
  private readonly draw: ReturnType<typeof createLogUpdate> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: LiveProgressOptions) {
    this.stream = options.stream;
    this.tty = options.tty ?? options.stream.isTTY === true;
    this.now = options.now ?? Date.now;
    this.redrawMs = options.redrawMs ?? 100;
    this.plainEveryMs = options.plainEveryMs ?? 5000;
    this.draw = this.tty ? createLogUpdate(this.stream as NodeJS.WriteStream) : undefined;
  }

  /** A line that stays (a log line, a finished step). */
  print(line: string): void {
    this.draw?.clear();
    this.stream.write(`${this.tty ? fit(line, this.width()) : line}\n`);
    this.redraw();
  }

  step(event: StepEvent): void {
    const now = this.now();
    if (event.status === 'start') {
      this.steps.set(event.step, now);
      this.redraw();
      return;
    }
    const startedAt = this.steps.get(event.step);
    this.steps.delete(event.step);
    // Tasks that started within the step and never reached a total end with it.
    for (const [name, state] of this.tasks.running()) {
      if (startedAt === undefined || state.startedAt >= startedAt) this.finishTask(name, state);
    }
    const elapsed = event.elapsedMs === undefined ? '' : ` (${formatDuration(event.elapsedMs)})`;
    this.print(
      `${stepMark(event.status)} ${event.step}${elapsed}${event.message ? `: ${event.message}` : ''}`,
    );
  }

  progress(event: ProgressEvent): void {
    const now = this.now();
    const { state, change } = this.tasks.update(event, now);
    if (change === 'repeat') return;
    if (change === 'finished') {
      this.print(this.line(state, '✔'));
      return;
    }
    if (this.tty) {
      this.ensureTimer();
      return;
    }
    if (change === 'new') this.lastPlain.set(event.task, now);
    if (now - (this.lastPlain.get(event.task) ?? now) >= this.plainEveryMs) {
      this.lastPlain.set(event.task, now);
      this.stream.write(`${this.line(state)}\n`);
    }
  }

  /** Redraws the live block (the spinner moves on); called by the timer, and by tests. */
  redraw(): void {
    if (!this.draw) return;
    const now = this.now();
    const width = this.width();
    const icon = SPINNER[Math.floor(now / FRAME_MS) % SPINNER.length];
    const lines = [
      ...[...this.steps].map(([name, startedAt]) => stepLine(name, startedAt, { width, icon, now })),
      ...this.tasks.running().map(([, state]) => taskLine(state, { width, icon, bar: true, now })),
    ];
    if (lines.length === 0) {
      this.draw.clear();
      this.stopTimer();
      return;
    }
    this.ensureTimer();
    this.draw(lines.join('\n'));
  }

  /** Prints what is still running once, as it stands, and stops redrawing. */
  close(): void {
    for (const [name, state] of this.tasks.running()) this.finishTask(name, state);
    this.steps.clear();
    this.redraw();
    this.draw?.done();
    this.stopTimer();
  }

  private finishTask(name: string, state: TaskState): void {
    this.tasks.end(name);
    this.print(this.line(state, this.tty ? '•' : undefined));
  }

  private line(state: TaskState, icon?: string): string {
    return taskLine(state, {
      width: this.tty ? this.width() : PLAIN_WIDTH,
      ...(icon ? { icon } : {}),
      bar: this.tty,
      now: this.now(),
    });
  }

  /** One column short of the terminal: a line that fills the last column makes some terminals wrap. */
  private width(): number {
    return Math.max(20, (this.stream.columns ?? 80) - 1);
  }

  private ensureTimer(): void {
    if (this.timer || this.redrawMs <= 0) return;
    this.timer = setInterval(() => this.redraw(), this.redrawMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
