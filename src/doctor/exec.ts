import { execFile } from 'node:child_process';
import type { Exec } from './types.ts';

/** The real Exec: runs the program without a shell, with a timeout. */
export const execProgram: Exec = (file, args, options = {}) =>
  new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 10_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          resolve({ code: null, stdout: '', stderr: `${file}: not found` });
          return;
        }
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
