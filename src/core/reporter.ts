/**
 * The library never prints: it emits events to a Reporter the caller injects.
 * The CLI renders them (progress bars on a TTY, plain lines otherwise, NDJSON with --json);
 * tests collect them with MemoryReporter.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEvent {
  type: 'log';
  level: LogLevel;
  message: string;
  data?: Record<string, unknown>;
}

/** A step of a phase starts or ends (for timings in reports). */
export interface StepEvent {
  type: 'step';
  step: string;
  status: 'start' | 'done' | 'failed' | 'skipped';
  message?: string;
  elapsedMs?: number;
}

/** Progress of a long task; `total` may be unknown while listing. */
export interface ProgressEvent {
  type: 'progress';
  task: string;
  /** Units done so far (objects, rows, users). */
  done: number;
  total?: number;
  /** Bytes done so far, when the task moves bytes. */
  bytes?: number;
  totalBytes?: number;
  unit?: string;
}

export type ReporterEvent = LogEvent | StepEvent | ProgressEvent;

export interface Reporter {
  emit(event: ReporterEvent): void;
}

/** Drops everything: the default when no reporter is given. */
export const silentReporter: Reporter = { emit: () => undefined };

/** Collects events in memory; for tests and for building reports. */
export class MemoryReporter implements Reporter {
  readonly events: ReporterEvent[] = [];
  emit(event: ReporterEvent): void {
    this.events.push(event);
  }
  logs(level?: LogLevel): string[] {
    return this.events
      .filter((e): e is LogEvent => e.type === 'log' && (level === undefined || e.level === level))
      .map((e) => e.message);
  }
}

/** Small helpers so library code reads `log.info(...)` rather than building events. */
export function logger(reporter: Reporter) {
  const at =
    (level: LogLevel) =>
    (message: string, data?: Record<string, unknown>): void =>
      reporter.emit(
        data === undefined ? { type: 'log', level, message } : { type: 'log', level, message, data },
      );
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Runs `fn` as a named step, emitting start/done/failed with the elapsed time. */
export async function step<T>(reporter: Reporter, name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  reporter.emit({ type: 'step', step: name, status: 'start' });
  try {
    const result = await fn();
    reporter.emit({ type: 'step', step: name, status: 'done', elapsedMs: Date.now() - started });
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    reporter.emit({ type: 'step', step: name, status: 'failed', message, elapsedMs: Date.now() - started });
    throw error;
  }
}
