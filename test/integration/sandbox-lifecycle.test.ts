import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readState, type SandboxState } from '../../src/sandbox/index.ts';
import { registeredStateDirs } from '../../src/sandbox/state.ts';

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'bin', 'supa2aws.js');

function supa2aws(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pids(state: SandboxState): number[] {
  return [
    state.sourceDb?.pid,
    state.targetDb?.pid,
    state.sourceS3?.pid,
    state.targetS3?.pid,
    state.cognito?.pid,
  ].filter((p): p is number => typeof p === 'number');
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function assertNothingLeft(state: SandboxState): void {
  for (const pid of pids(state)) assert.equal(alive(pid), false, `process ${pid} is still running`);
  assert.equal(existsSync(state.dataDir), false, `data dir ${state.dataDir} is still there`);
  assert.equal(existsSync(path.join(state.stateDir, 'sandbox-state.json')), false);
  assert.ok(!registeredStateDirs().includes(state.stateDir), 'still in the registry');
}

describe('sandbox lifecycle', () => {
  it('up, status and down twice in a row leave nothing behind', () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-life-'));
    try {
      for (let round = 0; round < 2; round++) {
        const up = supa2aws(['sandbox', 'up', '--no-fixture', '--state-dir', stateDir, '--json']);
        assert.equal(up.status, 0, up.stderr);
        const state = readState(stateDir);
        assert.ok(state);
        const status = supa2aws(['sandbox', 'status', '--state-dir', stateDir, '--json']);
        assert.equal(status.status, 0, status.stderr);
        const parsed = JSON.parse(status.stdout) as {
          running: boolean;
          services: Array<{ healthy: boolean }>;
        };
        assert.equal(parsed.running, true);
        assert.equal(parsed.services.length, 5);
        assert.ok(parsed.services.every((s) => s.healthy));
        // The config file references secrets through ${ENV}; the .env beside it is private.
        const config = readFileSync(path.join(stateDir, 'supa2aws.config.json'), 'utf8');
        assert.match(config, /\$\{SUPA2AWS_SOURCE_DB_PASSWORD\}/);
        assert.ok(!config.includes(state.sourceDb!.appPassword));
        const down = supa2aws(['sandbox', 'down', '--state-dir', stateDir]);
        assert.equal(down.status, 0, down.stderr);
        assertNothingLeft(state);
      }
    } finally {
      supa2aws(['sandbox', 'down', '--state-dir', stateDir]);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('up works after a run killed with SIGKILL, and cleans up what it left', async () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-kill-'));
    try {
      const child = spawn(
        process.execPath,
        [cli, 'sandbox', 'up', '--no-fixture', '--foreground', '--state-dir', stateDir],
        {
          cwd: root,
          stdio: 'ignore',
        },
      );
      await waitFor(() => readState(stateDir)?.status === 'up', 90_000);
      const killed = readState(stateDir)!;
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      assert.ok(
        alive(killed.sourceDb?.pid),
        'postgres outlives a SIGKILLed parent (this is what must be cleaned)',
      );

      const up = supa2aws(['sandbox', 'up', '--no-fixture', '--state-dir', stateDir, '--json']);
      assert.equal(up.status, 0, up.stderr);
      for (const pid of pids(killed)) assert.equal(alive(pid), false, `stale process ${pid} survived`);
      assert.equal(existsSync(killed.dataDir), false);
      const fresh = readState(stateDir)!;
      assert.notEqual(fresh.dataDir, killed.dataDir);
      assert.equal(supa2aws(['sandbox', 'down', '--state-dir', stateDir]).status, 0);
      assertNothingLeft(fresh);
    } finally {
      supa2aws(['sandbox', 'down', '--state-dir', stateDir]);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('works as a normal user too (checked when the tests run as root, as CI does)', (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('not root: the whole suite already runs as a normal user');
      return;
    }
    const stateDir = path.join(os.tmpdir(), `supa2aws-nobody-${process.pid}`);
    const run = (command: string) =>
      spawnSync(
        'su',
        [
          'nobody',
          '-s',
          '/bin/sh',
          '-c',
          `cd ${JSON.stringify(root)} && ${JSON.stringify(process.execPath)} bin/supa2aws.js sandbox ${command} --no-fixture --state-dir ${stateDir}`.replace(
            ' down --no-fixture',
            ' down',
          ),
        ],
        {
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
    try {
      const up = run('up');
      assert.equal(up.status, 0, up.stdout + up.stderr);
      const state = readState(stateDir)!;
      assert.equal(run('down').status, 0);
      for (const pid of pids(state)) assert.equal(alive(pid), false);
      assert.equal(existsSync(state.dataDir), false);
    } finally {
      run('down');
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('a foreground sandbox stops everything on SIGTERM', async () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-term-'));
    try {
      const child = spawn(
        process.execPath,
        [cli, 'sandbox', 'up', '--no-fixture', '--foreground', '--state-dir', stateDir],
        {
          cwd: root,
          stdio: 'ignore',
        },
      );
      await waitFor(() => readState(stateDir)?.status === 'up', 90_000);
      const state = readState(stateDir)!;
      child.kill('SIGTERM');
      const code = await new Promise((r) => child.once('exit', r));
      assert.equal(code, 0);
      assertNothingLeft(state);
    } finally {
      supa2aws(['sandbox', 'down', '--state-dir', stateDir]);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
