import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSupa2awsError } from '../../src/core/errors.ts';
import type { ListedObject, ObjectRow } from '../../src/storage/inventory.ts';
import { diffBucket, type DiffInput } from '../../src/storage/plan.ts';
import { inShard, MAX_SHARDS, parseShard, shardOf } from '../../src/storage/shard.ts';

const KEYS = Array.from({ length: 2000 }, (_, i) => `user-${i % 37}/video ${i}.mp4`);

function bucketInput(keys: string[], shard?: { index: number; count: number }): DiffInput {
  const row = (key: string): ObjectRow => ({
    key,
    size: 10,
    mimetype: undefined,
    cacheControl: undefined,
    eTag: undefined,
    userMetadata: null,
  });
  const listed: ListedObject = { size: 10, etag: '"e"', lastModified: undefined };
  return {
    source: 'videos',
    mapping: { target: 'app-videos', access: 'private' },
    rows: new Map(keys.map((k) => [k, row(k)])),
    sourceObjects: new Map(keys.map((k) => [k, listed])),
    targetObjects: new Map(),
    heads: new Map(),
    includeOrphans: false,
    ...(shard ? { shard } : {}),
  };
}

describe('storage copy --shard i/N', () => {
  it('GIVEN 1/4, 4/4 and 1/1 WHEN parsed THEN they are shards counted from 1', () => {
    assert.deepEqual(parseShard('1/4'), { index: 1, count: 4 });
    assert.deepEqual(parseShard('4/4'), { index: 4, count: 4 });
    assert.deepEqual(parseShard(' 1/1 '), { index: 1, count: 1 });
  });

  it('GIVEN a malformed or out-of-range shard WHEN parsed THEN STORAGE_BAD_SHARD, a usage error (exit 2)', () => {
    for (const bad of [
      '0/4',
      '5/4',
      '1/0',
      '4',
      '1/4/2',
      'a/b',
      '-1/4',
      '1.5/4',
      '',
      `1/${MAX_SHARDS + 1}`,
    ]) {
      assert.throws(
        () => parseShard(bad),
        (e: unknown) => isSupa2awsError(e) && e.code === 'STORAGE_BAD_SHARD' && e.exitCode === 2 && !!e.hint,
        bad,
      );
    }
  });

  it('GIVEN the same keys WHEN assigned twice (another order, another process) THEN each key gets the same shard', () => {
    const first = KEYS.map((k) => shardOf('app-videos', k, 4));
    const again = [...KEYS]
      .reverse()
      .map((k) => shardOf('app-videos', k, 4))
      .reverse();
    assert.deepEqual(again, first);
    // Pinned: a change of the hash would move keys between the shards of a copy already under way.
    assert.deepEqual(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((k) => shardOf('bucket', k, 4)),
      [4, 1, 1, 3, 3, 1, 4, 4],
    );
  });

  it('GIVEN N = 4 WHEN every key is assigned THEN the shards are disjoint, cover every key and are near even', () => {
    const seen = new Map<string, number>();
    for (let index = 1; index <= 4; index++) {
      for (const key of KEYS.filter((k) => inShard({ index, count: 4 }, 'app-videos', k))) {
        assert.equal(seen.has(key), false, `${key} in shard ${seen.get(key)} and ${index}`);
        seen.set(key, index);
      }
    }
    assert.equal(seen.size, KEYS.length, 'every key in one shard');
    for (let index = 1; index <= 4; index++) {
      const n = [...seen.values()].filter((i) => i === index).length;
      assert.ok(n > KEYS.length / 4 - 100 && n < KEYS.length / 4 + 100, `shard ${index} has ${n} keys`);
    }
  });

  it('GIVEN a bucket half copied WHEN each shard plans it THEN the shards split the items, and the counts are each shard’s', () => {
    const whole = diffBucket(bucketInput(KEYS));
    const parts = [1, 2, 3].map((index) => diffBucket(bucketInput(KEYS, { index, count: 3 })));
    const keys = parts.flatMap((p) => p.items.map((i) => i.key)).sort();
    assert.deepEqual(keys, whole.items.map((i) => i.key).sort(), 'the union is the whole plan');
    assert.equal(new Set(keys).size, keys.length, 'no key twice');
    assert.equal(
      parts.reduce((n, p) => n + p.plan.toCopy.count, 0),
      whole.plan.toCopy.count,
    );
    assert.equal(
      parts.reduce((n, p) => n + p.plan.rows.count, 0),
      whole.plan.rows.count,
    );
    // A key keeps its shard whatever else the bucket holds: planning shard 2 over fewer keys (some copied,
    // some deleted) takes a subset of what it took before.
    const shrunk = diffBucket(bucketInput(KEYS.slice(0, 700), { index: 2, count: 3 }));
    const before = new Set(parts[1]?.items.map((i) => i.key));
    assert.ok(shrunk.items.every((i) => before.has(i.key)));
  });
});
