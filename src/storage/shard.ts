/**
 * `storage copy --shard i/N`: N copies run side by side (N processes, N ECS tasks), each taking a stable part
 * of the plan. A key belongs to shard `1 + (h mod N)`, where h is the first 8 bytes of the SHA-256 of the
 * target bucket and the key: it does not depend on what else is in the bucket, on the listing order or on what
 * is already copied, so a re-run of shard i (after a kill, or against a half-copied target) takes exactly the
 * keys it had, the N shards never share a key and together they take every key of the plan.
 *
 * Shards are numbered from 1 to N, as in `--shard 2/4` (like Playwright's and Jest's `--shard`), so
 * `aws run --tasks N` passes `--shard i/N` for i = 1..N.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../core/errors.ts';

/** Most shards a copy can be split into. */
export const MAX_SHARDS = 1000;

/** One part of a sharded copy: shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** `i/N` → the shard; anything else is a usage error (exit 2). */
export function parseShard(text: string): Shard {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > MAX_SHARDS || index < 1 || index > count) {
    throw new ConfigError(
      'STORAGE_BAD_SHARD',
      `--shard ${text}: expected i/N with N from 1 to ${MAX_SHARDS} and i from 1 to N (shards count from 1)`,
      {
        exit: 'usage',
        details: { value: text },
        hint: 'Run N copies with --shard 1/N, --shard 2/N … --shard N/N; e.g. --shard 1/4.',
      },
    );
  }
  return { index, count };
}

/** The shard (1..count) that copies `key` of target bucket `bucket`. */
export function shardOf(bucket: string, key: string, count: number): number {
  const digest = createHash('sha256').update(bucket).update('\0').update(key).digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count)) + 1;
}

/** Whether `shard` (all keys when undefined) copies `key` of `bucket`. */
export function inShard(shard: Shard | undefined, bucket: string, key: string): boolean {
  return !shard || shard.count === 1 || shardOf(bucket, key, shard.count) === shard.index;
}

/** `2/4` */
export function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
