/**
 * Ctrl-C and SIGTERM during `supa2aws demo` (issue 19): the demo exits 130 with "interrupted: run the same
 * command again" (not a storage error), and stops every process it started. The signal goes to the demo's
 * whole process group, as a terminal's Ctrl-C does.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  pids: number[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Runs the demo, signals its process group when a step whose name starts with `stage` starts. */
function demoInterrupted(dir: string, stage: string, signal: NodeJS.Signals): Promise<Run> {
  const stateDir = path.join(dir, 'sandbox');
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'bin', 'supa2aws.js'),
      'demo',
      '--state-dir',
      stateDir,
      '--report-dir',
      path.join(dir, 'report'),
      '--json',
    ],
    { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let partial = '';
  let pids: number[] = [];
  let sent = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (sent || !line.startsWith('{')) continue;
      const e = JSON.parse(line) as { type: string; step?: string; status?: string };
      if (e.type !== 'step' || e.status !== 'start' || !(e.step ?? '').startsWith(stage)) continue;
      sent = true;
      const stateFile = path.join(stateDir, 'sandbox-state.json');
      if (existsSync(stateFile)) {
        const state = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, { pid?: number }>;
        pids = Object.values(state).flatMap((v) => (v && typeof v === 'object' && v.pid ? [v.pid] : []));
      }
      process.kill(-child.pid!, signal);
    }
  });
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 300_000);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, pids });
    }),
  );
}

describe('supa2aws demo interrupted', () => {
  for (const [stage, signal] of [
    ['storage', 'SIGINT'],
    ['sandbox', 'SIGTERM'],
  ] as const) {
    it(`GIVEN the demo at its ${stage} step WHEN its process group gets ${signal} THEN it exits 130, says to run it again, and leaves nothing running`, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-demo-int-'));
      try {
        const run = await demoInterrupted(dir, stage, signal);
        assert.equal(run.status, 130, `${run.stdout.slice(-1500)}\n${run.stderr.slice(-1500)}`);
        assert.match(run.stderr, /interrupted: run the same command again/);
        const error = (JSON.parse(run.stdout) as { error: { code: string } }).error;
        assert.equal(error.code, 'INTERRUPTED');
        if (stage === 'storage')
          assert.ok(run.pids.length >= 5, `the stand-ins' pids: ${run.pids.join(', ')}`);
        for (const pid of run.pids) assert.equal(alive(pid), false, `process ${pid} still runs`);
        assert.equal(existsSync(path.join(dir, 'sandbox', 'sandbox-state.json')), false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
