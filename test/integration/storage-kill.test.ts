/**
 * `supa2aws storage copy` SIGKILLed half-way (no chance to clean up), then run again: verification is clean
 * and no object completed before the kill is copied twice (its ETag and LastModified are unchanged and the
 * re-run's counts say so).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { StorageCopyResult } from '../../src/storage/index.ts';
import { setupStorageFromConfig, verifyStorageFromConfig } from '../../src/storage/index.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { seedBucket, settledTargetObjects, storageConfig, targetObjects } from './storage-helpers.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OBJECTS = 120;

let sb: TestSandbox;
let dir: string;
before(async () => {
  sb = await getTestSandbox();
  dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-kill-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `storage copy --json`; calls `onProgress` with each progress event; resolves on exit. */
function runCopy(configFile: string, onProgress?: (done: number, kill: () => void) => void) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'storage',
      'copy',
      '--config',
      configFile,
      '--json',
      '--concurrency',
      '4',
      '--report-dir',
      dir,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    for (const line of c.toString().split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const event = JSON.parse(line) as { type?: string; task?: string; done?: number };
        if (event.type === 'progress' && event.task === 'storage copy')
          onProgress?.(event.done ?? 0, () => child.kill('SIGKILL'));
      } catch {
        // a partial line
      }
    }
  });
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

describe('storage copy killed with SIGKILL', () => {
  it('re-runs to a clean verify without copying a completed object twice', async () => {
    const db = await sb.freshSourceDb();
    const bucket = sb.uniqueName('src');
    const target = sb.uniqueName('tgt');
    await seedBucket(
      sb,
      db,
      bucket,
      Array.from({ length: OBJECTS }, (_, i) => ({
        key: `kill/${String(i).padStart(4, '0')} obj.bin`,
        size: 150_000 + i,
      })),
    );
    const config = storageConfig(sb, db, { [bucket]: target });
    await setupStorageFromConfig(config);
    const configFile = path.join(dir, 'supa2aws.config.json');
    writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });

    let killedAt = 0;
    const first = await runCopy(configFile, (done, kill) => {
      if (!killedAt && done >= OBJECTS * 0.4) {
        killedAt = done;
        kill();
      }
    });
    assert.equal(
      first.signal,
      'SIGKILL',
      `the copy was killed (exit ${first.code}): ${first.stderr.slice(-500)}`,
    );

    const atKill = await settledTargetObjects(sb.targetS3, target);
    const sealed = [...atKill.values()].filter((o) => o.sealed);
    assert.ok(
      sealed.length >= killedAt && sealed.length < OBJECTS,
      `${sealed.length} sealed at the kill (progress said ${killedAt})`,
    );

    const second = await runCopy(configFile);
    assert.equal(second.code, 0, second.stderr.slice(-1000));
    const result = JSON.parse(second.stdout) as StorageCopyResult;
    assert.equal(
      result.identical.count,
      sealed.length,
      'every object sealed before the kill counts as identical',
    );
    assert.equal(result.copied.count, OBJECTS - sealed.length, 'only the rest is copied');

    const afterRerun = await targetObjects(sb.targetS3, target);
    for (const o of sealed) {
      const now = afterRerun.get(o.key);
      assert.equal(now?.etag, o.etag, `${o.key} not rewritten`);
      assert.equal(now?.lastModified, o.lastModified, `${o.key} not rewritten`);
    }
    assert.equal(afterRerun.size, OBJECTS);
    assert.ok(
      [...afterRerun.values()].every((o) => o.sealed),
      'everything sealed',
    );
    const verify = await verifyStorageFromConfig(config, { deep: true });
    assert.equal(verify.ok, true);
    assert.equal(verify.totals.match, OBJECTS);
  });
});
