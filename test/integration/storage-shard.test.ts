/**
 * `supa2aws storage copy --shard i/N` run as N = 4 processes side by side against the sandbox, as
 * `aws run --tasks 4` runs them: every object is copied by exactly one shard, each shard keeps its own
 * report, verify (whole) is clean; and a shard SIGKILLed half-way, run again alone, finishes its own part
 * without touching the others'.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../../src/config/index.ts';
import type { StorageCopyResult } from '../../src/storage/index.ts';
import { setupStorageFromConfig, shardOf, verifyStorageFromConfig } from '../../src/storage/index.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { tcpPlug } from '../helpers/tcp-plug.ts';
import { seedBucket, settledTargetObjects, storageConfig, targetObjects } from './storage-helpers.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OBJECTS = 100;
const SHARDS = 4;

let sb: TestSandbox;
let dir: string;
before(async () => {
  sb = await getTestSandbox();
  dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-shard-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `storage copy --shard <shard> --json`; `onProgress` sees each progress event, `onSpawn` gets a way to
 * kill it; resolves on exit.
 */
function runShard(
  configFile: string,
  reportDir: string,
  shard: string,
  onProgress?: (done: number) => void,
  onSpawn?: (kill: () => void) => void,
): Promise<Run> {
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
      '2',
      '--shard',
      shard,
      '--report-dir',
      reportDir,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  onSpawn?.(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    for (const line of c.toString().split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const event = JSON.parse(line) as { type?: string; task?: string; done?: number };
        if (event.type === 'progress' && event.task === 'storage copy') onProgress?.(event.done ?? 0);
      } catch {
        // a partial line
      }
    }
  });
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

async function seeded(prefix: string): Promise<{ config: Config; configFile: string; target: string }> {
  const db = await sb.freshSourceDb();
  const bucket = sb.uniqueName('src');
  const target = sb.uniqueName('tgt');
  await seedBucket(
    sb,
    db,
    bucket,
    Array.from({ length: OBJECTS }, (_, i) => ({
      key: `${prefix}/${String(i).padStart(4, '0')} obj.bin`,
      size: 120_000 + i,
    })),
  );
  const config = storageConfig(sb, db, { [bucket]: target });
  await setupStorageFromConfig(config);
  const configFile = path.join(dir, `${prefix}.config.json`);
  writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
  return { config, configFile, target };
}

const result = (run: Run) => JSON.parse(run.stdout) as StorageCopyResult;
const shards = Array.from({ length: SHARDS }, (_, i) => i + 1);

describe('storage copy --shard i/N: N shard processes side by side', () => {
  it('GIVEN 4 shards at once WHEN they finish THEN every object was copied by exactly one, each kept its own report, and verify is clean', async () => {
    const { config, configFile, target } = await seeded('four');
    const reportDir = path.join(dir, 'four-report');
    const runs = await Promise.all(shards.map((i) => runShard(configFile, reportDir, `${i}/${SHARDS}`)));
    for (const [n, run] of runs.entries())
      assert.equal(run.code, 0, `shard ${n + 1}: ${run.stderr.slice(-800)}`);
    const results = runs.map(result);
    for (const [n, r] of results.entries()) {
      assert.deepEqual(r.shard, { index: n + 1, count: SHARDS });
      assert.deepEqual(r.failed, []);
      assert.equal(r.copied.count, r.planned.count, `shard ${n + 1} copied all it planned`);
      const expected = [...Array(OBJECTS).keys()].filter(
        (i) => shardOf(target, `four/${String(i).padStart(4, '0')} obj.bin`, SHARDS) === n + 1,
      ).length;
      assert.equal(r.planned.count, expected, `shard ${n + 1} planned exactly its keys`);
      assert.ok(r.planned.count > 0, `shard ${n + 1} had work`);
      assert.ok(existsSync(path.join(reportDir, `storage-copy-shard-${n + 1}-of-${SHARDS}.json`)));
      assert.ok(existsSync(path.join(reportDir, `storage-copy-shard-${n + 1}-of-${SHARDS}.md`)));
    }
    // The shards' copies add up to the bucket and every object is there, sealed: no key was copied twice.
    assert.equal(
      results.reduce((n, r) => n + r.copied.count, 0),
      OBJECTS,
    );
    const objects = await targetObjects(sb.targetS3, target);
    assert.equal(objects.size, OBJECTS);
    assert.ok([...objects.values()].every((o) => o.sealed));

    const verify = await verifyStorageFromConfig(config);
    assert.equal(verify.ok, true);
    assert.equal(verify.totals.match, OBJECTS);

    // Run again: each shard finds its keys identical and copies nothing.
    const again = (
      await Promise.all(shards.map((i) => runShard(configFile, reportDir, `${i}/${SHARDS}`)))
    ).map(result);
    assert.deepEqual(
      again.map((r) => r.copied.count),
      [0, 0, 0, 0],
    );
    assert.deepEqual(
      again.map((r) => r.identical.count),
      results.map((r) => r.copied.count),
    );
  });

  it('GIVEN one of 4 shards SIGKILLed half-way WHEN it is run again alone THEN it finishes only its own part and verify is clean', async () => {
    const { config, configFile, target } = await seeded('killed');
    const reportDir = path.join(dir, 'killed-report');
    const mine = (key: string) => shardOf(target, key, SHARDS) === 2;
    const share = [...Array(OBJECTS).keys()].filter((i) =>
      mine(`killed/${String(i).padStart(4, '0')} obj.bin`),
    ).length;
    // Shard 2 reaches the target through a plug that stops forwarding about half-way through its part's
    // traffic (each object goes up once and is read back once), so it is killed with part of its share done
    // however fast this machine runs it; its progress events are throttled, so the plug decides, not they.
    const plug = await tcpPlug(sb.state.targetS3!.port);
    const pluggedFile = path.join(dir, 'killed-plugged.config.json');
    const plugged = {
      ...config,
      target: { ...config.target, s3: { ...config.target.s3, endpoint: `http://127.0.0.1:${plug.port}` } },
    };
    writeFileSync(pluggedFile, JSON.stringify(plugged), { mode: 0o600 });
    plug.holdAfter(share * 120_000);
    let killedAt = 0;
    const runs = await Promise.all(
      shards.map((i) =>
        i === 2
          ? runShard(
              pluggedFile,
              reportDir,
              `${i}/${SHARDS}`,
              (done) => (killedAt = done),
              (kill) => {
                const watch = setInterval(() => {
                  const heldAt = plug.heldAt();
                  if (heldAt === undefined || Date.now() - heldAt < 500) return;
                  clearInterval(watch);
                  kill();
                }, 50);
              },
            )
          : runShard(configFile, reportDir, `${i}/${SHARDS}`),
      ),
    );
    // Closed, not released: what it held must never reach the target after the kill.
    await plug.close();
    assert.equal(runs[1]?.signal, 'SIGKILL', `shard 2 was killed: ${runs[1]?.stderr.slice(-500)}`);
    for (const i of [0, 2, 3])
      assert.equal(runs[i]?.code, 0, `shard ${i + 1}: ${runs[i]?.stderr.slice(-800)}`);

    const atKill = await settledTargetObjects(sb.targetS3, target);
    const sealed = [...atKill.values()].filter((o) => o.sealed);
    const sealedMine = sealed.filter((o) => mine(o.key));
    assert.ok(
      sealedMine.length >= killedAt && sealedMine.length < share,
      `${sealedMine.length} of shard 2's ${share} sealed at the kill (progress said ${killedAt})`,
    );
    assert.equal(sealed.length - sealedMine.length, OBJECTS - share, 'the other shards finished theirs');
    const before = await verifyStorageFromConfig(config);
    assert.equal(before.ok, false, 'verify sees the killed shard unfinished');
    const named = before.buckets.flatMap((b) => [...b.missing.sample, ...b.differ.sample.map((d) => d.key)]);
    assert.ok(named.length > 0 && named.every(mine), 'and names only its keys');

    const rerun = await runShard(configFile, reportDir, `2/${SHARDS}`);
    assert.equal(rerun.code, 0, rerun.stderr.slice(-1000));
    const r = result(rerun);
    assert.equal(r.identical.count, sealedMine.length, 'what it sealed before the kill counts as identical');
    assert.equal(r.copied.count, share - sealedMine.length, 'only the rest of its part is copied');

    const afterRerun = await targetObjects(sb.targetS3, target);
    for (const o of sealed) {
      assert.equal(afterRerun.get(o.key)?.etag, o.etag, `${o.key} not rewritten`);
      assert.equal(afterRerun.get(o.key)?.lastModified, o.lastModified, `${o.key} not rewritten`);
    }
    const verify = await verifyStorageFromConfig(config, { deep: true });
    assert.equal(verify.ok, true);
    assert.equal(verify.totals.match, OBJECTS);
  });
});
