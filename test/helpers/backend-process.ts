/**
 * A backend process (the API or the worker) run by a test: its JSON log lines collected as it writes them,
 * `waitFor` a given log message, and a stop with SIGTERM. Used for the compiled backend
 * (test/integration/backend-process.test.ts) and for the task definitions' containers run from source
 * (test/helpers/backend-contract.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface BackendProcess {
  child: ChildProcess;
  /** Every JSON line of stdout and stderr so far, in order. */
  logs: Array<Record<string, unknown>>;
  /** The exit code once it has exited (null after a signal). */
  exited: Promise<number | null>;
  /**
   * The first log line with this message. Fails at once when the process logs "failed to start" or exits
   * without it. @default timeoutMs 30000
   */
  waitFor(message: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM unless it has exited; resolves with its exit code. */
  stop(): Promise<number | null>;
}

export interface BackendProcessOptions {
  /** What the process is, for error messages (`api`, `worker`). */
  name: string;
  cwd: string;
  /** Its whole environment, besides PATH. */
  env: Record<string, string>;
}

/** Starts `node ...args` with exactly `env` (and PATH). */
export function startBackendProcess(args: string[], options: BackendProcessOptions): BackendProcess {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let wake: Array<() => void> = [];
  const notify = () => {
    const waiting = wake;
    wake = [];
    for (const resolve of waiting) resolve();
  };
  const collect = (stream: NodeJS.ReadableStream) => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          continue;
        }
      }
      notify();
    });
  };
  collect(child.stdout!);
  collect(child.stderr!);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      resolve(code);
      notify();
    }),
  );
  return {
    child,
    logs,
    exited,
    async waitFor(message, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs.find((l) => l.message === message);
        if (found) return found;
        const failed = logs.find((l) => l.message === 'failed to start');
        if (failed) throw new Error(`${options.name} failed to start: ${JSON.stringify(failed)}`);
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `${options.name} exited (${child.exitCode ?? child.signalCode}) before "${message}": ${JSON.stringify(logs)}`,
          );
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `${options.name}: no "${message}" log within ${timeoutMs} ms; got ${JSON.stringify(logs)}`,
          );
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
