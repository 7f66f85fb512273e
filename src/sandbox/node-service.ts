/** Starts a sandbox service (s3rver, cognito-local) as its own Node process and waits until it listens. */
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SandboxError } from '../core/errors.ts';
import { TSX_ENV, tsxArgs } from '../core/source-run.ts';
import { privateDir } from './private-dir.ts';
import { isAlive } from './processes.ts';
import { waitForPort } from './ports.ts';

export interface NodeServiceOptions {
  /** Entry file name under ./services, without extension (e.g. 's3rver-main'). */
  entry: string;
  port: number;
  /** The service's own directory (data, logs); also its working directory. */
  dir: string;
  /** Keep running after this process exits (`sandbox up`), else watch our PID and exit with us. */
  detached: boolean;
  env?: Record<string, string>;
  /** How long to wait for the port. @default 20000 */
  timeoutMs?: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const fromSource = import.meta.url.endsWith('.ts');

function entryArgs(entry: string): string[] {
  if (fromSource) return tsxArgs(path.join(here, 'services', `${entry}.ts`));
  return [path.join(here, 'services', `${entry}.js`)];
}

/** Spawns the service and resolves with its PID once its port accepts connections. */
export async function startNodeService(options: NodeServiceOptions): Promise<number> {
  privateDir(options.dir);
  const log = openSync(path.join(options.dir, 'service.log'), 'a');
  const args = [...entryArgs(options.entry), '--port', String(options.port), '--dir', options.dir];
  if (!options.detached) args.push('--parent-pid', String(process.pid));
  const child = spawn(process.execPath, args, {
    cwd: options.dir,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...(fromSource ? TSX_ENV : {}), ...options.env },
  });
  child.unref();
  const pid = child.pid;
  if (!pid) throw new SandboxError('SANDBOX_SERVICE_FAILED', `could not start ${options.entry}`);
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    await waitForPort(options.port, options.timeoutMs ?? 20_000, () => exited || !isAlive(pid));
  } catch (error) {
    throw new SandboxError(
      'SANDBOX_SERVICE_FAILED',
      `${options.entry} did not start: ${(error as Error).message}`,
      {
        hint: `See ${path.join(options.dir, 'service.log')}, then run \`supa2aws sandbox down\` and \`up\` again.`,
        details: { pid },
      },
    );
  }
  return pid;
}
