/**
 * Runs the CLI from source as a child process (`node --import tsx src/cli/main.ts`), with `--json` so its
 * events come as NDJSON on stderr, and lets a test act while it runs: `onEvent` sees each event and can
 * signal the child or stage an outage at the moment a given stage is reached.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export interface CliEvent {
  type: string;
  task?: string;
  step?: string;
  status?: string;
  level?: string;
  message?: string;
  done?: number;
  [key: string]: unknown;
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  events: CliEvent[];
  /** Wall-clock time from start to exit. */
  ms: number;
  /** Time from the `mark()` an onEvent made to exit (e.g. from the outage to the exit). */
  sinceMarkMs: number | undefined;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: CliEvent, control: { child: ChildProcess; mark(): void }) => void;
  /** Killed (SIGKILL) after this long. @default 300000 */
  timeoutMs?: number;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const started = Date.now();
  let marked: number | undefined;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  const events: CliEvent[] = [];
  const control = { child, mark: () => void (marked ??= Date.now()) };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const event = JSON.parse(line) as CliEvent;
        events.push(event);
        options.onEvent?.(event, control);
      } catch {
        // not an event line
      }
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  return new Promise((resolve) => {
    child.on('close', (status) => {
      clearTimeout(timer);
      const now = Date.now();
      resolve({
        status,
        stdout,
        stderr,
        events,
        ms: now - started,
        sinceMarkMs: marked === undefined ? undefined : now - marked,
      });
    });
  });
}
