/**
 * Runs the CLI in this process (`runCli` from src/cli/program.ts, what main.ts runs) as if it were a child
 * process: in a working directory of its own, with an environment of its own, its stdout and stderr
 * captured. Spares a test the start of a process (tsx compiling the CLI again, about 2 s) for each case.
 *
 * A run changes process-wide state, so runs take turns, and each puts back what it changed: the working
 * directory, the environment, process.exitCode, and the signal and warning listeners a command adds. Like
 * a child with pipes for stdio, a run sees no terminal (it asks nothing, draws no progress line).
 * Writes to stdout and stderr are captured only from the run's own async context; the test runner's
 * writes in the meantime go through. For a case that needs a real process (a signal, a TTY, a kill), use
 * test/helpers/cli-run.ts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { runCli } from '../../src/cli/program.ts';

export interface InProcessRun {
  status: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  /** The working directory for the run. @default process.cwd() */
  cwd?: string;
  /** The whole environment of the run (as `spawn`'s `env`). @default process.env */
  env?: NodeJS.ProcessEnv;
}

interface Captured {
  stdout: string;
  stderr: string;
}

const capture = new AsyncLocalStorage<Captured>();
const LISTENED = ['SIGINT', 'SIGTERM', 'warning'] as const;
let turn: Promise<unknown> = Promise.resolve();

/** Sends the writes made inside a run to its capture; the rest to the stream. Returns the undo. */
function tap(stream: NodeJS.WriteStream, name: keyof Captured): () => void {
  const write = stream.write;
  stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    const captured = capture.getStore();
    if (!captured) return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    captured[name] += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (done) process.nextTick(done);
    return true;
  } as typeof stream.write;
  return () => {
    stream.write = write;
  };
}

/** Makes the stream say it is no terminal. Returns the undo. */
function noTerminal(stream: NodeJS.ReadStream | NodeJS.WriteStream): () => void {
  const own = Object.getOwnPropertyDescriptor(stream, 'isTTY');
  Object.defineProperty(stream, 'isTTY', { value: false, configurable: true, writable: true });
  return () => {
    if (own) Object.defineProperty(stream, 'isTTY', own);
    else delete (stream as { isTTY?: boolean }).isTTY;
  };
}

function replaceEnv(env: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  for (const [key, value] of Object.entries(env)) if (value !== undefined) process.env[key] = value;
}

async function runAlone(args: readonly string[], options: InProcessOptions): Promise<InProcessRun> {
  const cwd = process.cwd();
  const env = { ...process.env };
  const listeners = LISTENED.map((event) => [event, process.rawListeners(event)] as const);
  const undo = [
    tap(process.stdout, 'stdout'),
    tap(process.stderr, 'stderr'),
    ...[process.stdin, process.stdout, process.stderr].map(noTerminal),
  ];
  const captured: Captured = { stdout: '', stderr: '' };
  try {
    if (options.cwd) process.chdir(options.cwd);
    if (options.env) replaceEnv(options.env);
    const status = await capture.run(captured, () => runCli(args));
    return { status, ...captured };
  } finally {
    for (const put of undo) put();
    for (const [event, before] of listeners) {
      process.removeAllListeners(event);
      for (const listener of before) process.on(event, listener as (...a: unknown[]) => void);
    }
    replaceEnv(env);
    process.chdir(cwd);
  }
}

/** Runs `supa2aws ...args` in this process once the run before it is over; a failed command is its status. */
export function runCliInProcess(
  args: readonly string[],
  options: InProcessOptions = {},
): Promise<InProcessRun> {
  const run = turn.then(() => runAlone(args, options));
  turn = run.catch(() => undefined);
  return run;
}
