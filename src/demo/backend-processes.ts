/**
 * The reference backend (examples/backend) run the way ECS runs it: the API and the VideoJobExecutor as two
 * processes from the same code, configured only through the environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Supa2awsError } from '../core/errors.ts';
import { TSX_ENV, tsxArgs } from '../core/source-run.ts';
import { freePort, waitForPort } from '../sandbox/ports.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const backendSrc = path.join(repoRoot, 'examples', 'backend', 'src');

export interface BackendProcesses {
  apiUrl: string;
  stop(): Promise<void>;
}

function start(entry: string, env: Record<string, string>, logFile: string): ChildProcess {
  const log = openSync(logFile, 'a');
  // From examples/backend, as the image runs it (its WORKDIR).
  const child = spawn(process.execPath, tsxArgs(path.join(backendSrc, entry)), {
    cwd: path.dirname(backendSrc),
    env: { ...process.env, ...TSX_ENV, ...env },
    stdio: ['ignore', log, log],
  });
  return child;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts API + worker; resolves once the API listens. Logs go to `<logDir>/api.log` and `worker.log`. */
export async function startBackendProcesses(
  env: Record<string, string>,
  logDir: string,
): Promise<BackendProcesses> {
  mkdirSync(logDir, { recursive: true });
  const port = await freePort();
  const api = start('server.ts', { ...env, PORT: String(port) }, path.join(logDir, 'api.log'));
  const worker = start('worker.ts', env, path.join(logDir, 'worker.log'));
  const stop = async () => {
    await Promise.all([stopChild(api), stopChild(worker)]);
  };
  try {
    await waitForPort(port, 30_000, () => api.exitCode !== null);
  } catch (error) {
    await stop();
    throw new Supa2awsError(
      'DEMO_BACKEND_FAILED',
      `the reference API did not start: ${(error as Error).message}`,
      {
        hint: `See ${path.join(logDir, 'api.log')}.`,
      },
    );
  }
  return { apiUrl: `http://127.0.0.1:${port}`, stop };
}
