/**
 * Rendering for the CLI: results to stdout (JSON with --json), progress and logs to stderr
 * (a progress line on a TTY, plain lines otherwise, NDJSON with --json). Everything printed is redacted.
 */
import { ExitCode, toSupa2awsError, type Supa2awsError } from '../core/errors.ts';
import { redactText, redactValue } from '../core/redact.ts';
import type { Reporter, ReporterEvent } from '../core/reporter.ts';

export interface OutputOptions {
  json: boolean;
  verbose: boolean;
  /** Whether stderr is an interactive terminal. @default process.stderr.isTTY */
  tty?: boolean;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export { formatBytes };

function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 90) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export { formatDuration };

/** Renders library events on stderr. */
export class CliReporter implements Reporter {
  private readonly started = new Map<string, number>();
  private lastDraw = 0;
  private progressShown = false;
  private readonly lastPlain = new Map<string, number>();

  constructor(private readonly options: OutputOptions) {}

  emit(event: ReporterEvent): void {
    const safe = redactValue(event);
    if (this.options.json) {
      process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), ...safe })}\n`);
      return;
    }
    const tty = this.options.tty ?? process.stderr.isTTY === true;
    switch (safe.type) {
      case 'log':
        if (safe.level === 'debug' && !this.options.verbose) return;
        this.clearProgress(tty);
        process.stderr.write(`${safe.level === 'info' ? '' : `${safe.level}: `}${safe.message}\n`);
        return;
      case 'step':
        if (safe.status === 'start') return;
        this.clearProgress(tty);
        process.stderr.write(
          `${safe.status === 'done' ? '✔' : safe.status === 'skipped' ? '–' : '✖'} ${safe.step}` +
            `${safe.elapsedMs === undefined ? '' : ` (${formatDuration(safe.elapsedMs)})`}` +
            `${safe.message ? `: ${safe.message}` : ''}\n`,
        );
        return;
      case 'progress':
        this.progress(safe, tty);
        return;
    }
  }

  private progress(event: Extract<ReporterEvent, { type: 'progress' }>, tty: boolean): void {
    const now = Date.now();
    if (!this.started.has(event.task)) this.started.set(event.task, now);
    const finished = event.total !== undefined && event.done >= event.total;
    const line = this.progressLine(event, now);
    if (tty) {
      if (!finished && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      process.stderr.write(`\r\x1b[2K${line}`);
      this.progressShown = !finished;
      if (finished) process.stderr.write('\n');
      return;
    }
    const last = this.lastPlain.get(event.task) ?? 0;
    if (!finished && now - last < 2000) return;
    this.lastPlain.set(event.task, now);
    process.stderr.write(`${line}\n`);
  }

  private progressLine(event: Extract<ReporterEvent, { type: 'progress' }>, now: number): string {
    const elapsed = Math.max(1, now - (this.started.get(event.task) ?? now));
    const unit = event.unit ?? 'items';
    const parts = [`${event.task}:`];
    if (event.total !== undefined && event.total > 0) {
      const ratio = Math.min(1, event.done / event.total);
      const width = 20;
      const filled = Math.round(ratio * width);
      parts.push(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${event.done}/${event.total} ${unit}`);
    } else {
      parts.push(`${event.done} ${unit}`);
    }
    if (event.bytes !== undefined) {
      const rate = (event.bytes / elapsed) * 1000;
      parts.push(
        `${formatBytes(event.bytes)}${event.totalBytes ? `/${formatBytes(event.totalBytes)}` : ''}`,
        `${formatBytes(rate)}/s`,
      );
      if (event.totalBytes && rate > 0 && event.bytes < event.totalBytes) {
        parts.push(`ETA ${formatDuration(((event.totalBytes - event.bytes) / rate) * 1000)}`);
      }
    }
    return parts.join(' ');
  }

  private clearProgress(tty: boolean): void {
    if (tty && this.progressShown) {
      process.stderr.write('\r\x1b[2K');
      this.progressShown = false;
    }
  }
}

/** Prints a result: JSON on stdout with --json, else the human text. */
export function printResult(options: OutputOptions, result: unknown, human: () => string): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(redactValue(result), null, 2)}\n`);
  } else {
    const text = human();
    if (text) process.stdout.write(`${redactText(text)}\n`);
  }
}

/** Prints an error with its code and hint; returns the exit code to use. */
export function printError(options: OutputOptions, error: unknown): number {
  const err: Supa2awsError = toSupa2awsError(error);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: redactValue(err.toJSON()) }, null, 2)}\n`);
  } else {
    process.stderr.write(`\nerror ${err.code}: ${redactText(err.message)}\n`);
    if (err.hint) process.stderr.write(`hint: ${redactText(err.hint)}\n`);
    if (options.verbose && err.stack) process.stderr.write(`${redactText(err.stack)}\n`);
  }
  return err.exitCode ?? ExitCode.internal;
}

/** A plain text table: columns padded to their widest cell. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}
