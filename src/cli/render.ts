/**
 * Rendering for the CLI: results to stdout (JSON with --json), progress and logs to stderr
 * (a live block of progress lines on a TTY, plain lines otherwise, NDJSON with --json). Everything printed is redacted.
 */
import { ExitCode, toSupa2awsError, type Supa2awsError } from '../core/errors.ts';
import { redactText, redactValue } from '../core/redact.ts';
import type { Reporter, ReporterEvent } from '../core/reporter.ts';
import { LiveProgress, type ProgressStream } from './progress/live-progress.ts';
import { NdjsonEvents } from './progress/ndjson-events.ts';

export interface OutputOptions {
  json: boolean;
  verbose: boolean;
  /** Whether stderr is an interactive terminal. @default process.stderr.isTTY */
  tty?: boolean;
}

export { formatDuration } from './format.ts';

/** Renders library events on stderr (or `stream`): NDJSON with --json, else live or plain progress. */
export class CliReporter implements Reporter {
  private readonly ndjson: NdjsonEvents | undefined;
  private readonly live: LiveProgress | undefined;

  constructor(
    private readonly options: OutputOptions,
    stream: ProgressStream = process.stderr,
  ) {
    if (options.json) this.ndjson = new NdjsonEvents({ write: (line) => stream.write(line) });
    else this.live = new LiveProgress({ stream, ...(options.tty === undefined ? {} : { tty: options.tty }) });
  }

  emit(event: ReporterEvent): void {
    const safe = redactValue(event);
    if (this.ndjson) return this.ndjson.emit(safe);
    const live = this.live!;
    switch (safe.type) {
      case 'log':
        if (safe.level === 'debug' && !this.options.verbose) return;
        live.print(`${safe.level === 'info' ? '' : `${safe.level}: `}${safe.message}`);
        return;
      case 'step':
        live.step(safe);
        return;
      case 'progress':
        live.progress(safe);
        return;
    }
  }

  /** Sends what is held back (throttled events, the last state of running tasks); call once at the end. */
  close(): void {
    this.ndjson?.flush();
    this.live?.close();
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
