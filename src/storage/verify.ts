/**
 * `storage verify`: every storage.objects row must have a target object judged identical by the rule
 * `storage copy` plans with (object-meta.ts judgeTarget, deep-compare.ts), so whatever this reports, a copy
 * re-copies. What is checked, per object, by default (metadata only, no bytes read):
 *  - size: target = source bytes;
 *  - the seal: the target carries its SHA-256 (metadata `x-amz-meta-sha256`, or object tags naming its ETag;
 *    written only once the bytes were known to be there) and was copied from the source object's current ETag;
 *  - MD5: when both ETags are plain MD5s (single-part uploads) they must be equal — a checksum computed by
 *    each server on its own bytes;
 *  - the target's own SHA-256 checksum, where it keeps one (S3, `HeadObject` with checksum mode: it checked it
 *    against the bytes it received): it must be the seal's (or, multipart, the composite the seal names);
 * and only with `deep`: both sides are read in full and their SHA-256 must equal the seal — the one check that
 * sees bytes changed under an unchanged ETag where the ETag is no MD5 (multipart uploads).
 * Grouped like rclone check: match / missing on target / differ, plus orphans (bytes with no row) and
 * ghosts (rows with no bytes), which are the source's own inconsistencies and do not fail verification.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { eachConcurrently } from '../core/concurrency.ts';
import { logger, silentReporter, step, type Reporter } from '../core/reporter.ts';
import type { BucketMapping } from './config.ts';
import { deepDifference } from './deep-compare.ts';
import {
  assertStorageSchema,
  hasStorageSchema,
  headTarget,
  inspectProgress,
  listBucket,
  readBucketRows,
  type ListedObject,
} from './inventory.ts';
import { judgeTarget, md5Comparable, type TargetState } from './object-meta.ts';
import type { PgClient } from '../core/pg.ts';
import type { Tally } from './plan.ts';

export type DifferReason =
  | 'size'
  | 'unverified'
  | 'source-changed'
  | 'md5'
  | 'checksum'
  | 'sha256-target'
  | 'sha256-source'
  | 'unreadable';

const DIFFER_REASON: Record<Exclude<TargetState, 'identical' | 'missing'>, DifferReason> = {
  'size-differs': 'size',
  'md5-differs': 'md5',
  'checksum-differs': 'checksum',
  unverified: 'unverified',
  'source-changed': 'source-changed',
};

export interface BucketVerify {
  source: string;
  target: string;
  rows: number;
  match: Tally;
  missing: { count: number; bytes: number; sample: string[] };
  differ: {
    count: number;
    sample: Array<{ key: string; reason: DifferReason }>;
    byReason: Partial<Record<DifferReason, number>>;
  };
  orphans: { count: number; bytes: number; sample: string[] };
  ghosts: { count: number; sample: string[] };
  /** How the matches were checked. */
  checks: { md5Compared: number; sealOnly: number; deepSha256: number; targetChecksum: number };
}

export interface StorageVerifyReport {
  version: 1;
  ok: boolean;
  deep: boolean;
  buckets: BucketVerify[];
  totals: { rows: number; match: number; missing: number; differ: number; orphans: number; ghosts: number };
}

export interface VerifyStorageInput {
  db: PgClient;
  source: S3Client;
  target: S3Client;
  buckets: Record<string, BucketMapping>;
  /** Read both sides in full and compare SHA-256. @default false */
  deep?: boolean;
  /** @default 16 */
  concurrency?: number;
  /** Keys kept per group in the report (each difference is named by key up to this many). @default 1000 */
  sampleSize?: number;
  reporter?: Reporter;
  signal?: AbortSignal;
}

export async function verifyStorage(input: VerifyStorageInput): Promise<StorageVerifyReport> {
  const reporter = input.reporter ?? silentReporter;
  const sampleSize = input.sampleSize ?? 1000;
  assertStorageSchema(await hasStorageSchema(input.db));
  const buckets: BucketVerify[] = [];
  for (const [source, mapping] of Object.entries(input.buckets)) {
    const result = await step(reporter, `verify ${source} → ${mapping.target}`, async () => {
      const rows = await readBucketRows(input.db, source);
      const sourceObjects = (await listBucket(input.source, source, {
        side: 'source',
        signal: input.signal,
      })) as Map<string, ListedObject>;
      const targetObjects =
        (await listBucket(input.target, mapping.target, { side: 'target', signal: input.signal })) ??
        new Map();
      const b: BucketVerify = {
        source,
        target: mapping.target,
        rows: rows.size,
        match: { count: 0, bytes: 0 },
        missing: { count: 0, bytes: 0, sample: [] },
        differ: { count: 0, sample: [], byReason: {} },
        orphans: { count: 0, bytes: 0, sample: [] },
        ghosts: { count: 0, sample: [] },
        checks: { md5Compared: 0, sealOnly: 0, deepSha256: 0, targetChecksum: 0 },
      };
      const differ = (key: string, reason: DifferReason) => {
        b.differ.count++;
        b.differ.byReason[reason] = (b.differ.byReason[reason] ?? 0) + 1;
        if (b.differ.sample.length < sampleSize) b.differ.sample.push({ key, reason });
      };
      const toInspect: string[] = [];
      for (const key of rows.keys()) {
        const src = sourceObjects.get(key);
        if (!src) {
          b.ghosts.count++;
          if (b.ghosts.sample.length < sampleSize) b.ghosts.sample.push(key);
          continue;
        }
        const tgt = targetObjects.get(key);
        if (!tgt) {
          b.missing.count++;
          b.missing.bytes += src.size;
          if (b.missing.sample.length < sampleSize) b.missing.sample.push(key);
        } else if (tgt.size !== src.size) differ(key, 'size');
        else toInspect.push(key);
      }
      for (const [key, src] of sourceObjects) {
        if (rows.has(key)) continue;
        b.orphans.count++;
        b.orphans.bytes += src.size;
        if (b.orphans.sample.length < sampleSize) b.orphans.sample.push(key);
      }
      const inspected = inspectProgress(reporter, mapping.target, toInspect.length);
      await eachConcurrently(toInspect, { concurrency: input.concurrency ?? 16 }, async (key) => {
        const src = sourceObjects.get(key) as ListedObject;
        const head = await headTarget(input.target, mapping.target, key, input.signal);
        inspected();
        const state = judgeTarget(head, { size: src.size, etag: src.etag });
        if (state === 'missing') {
          b.missing.count++;
          if (b.missing.sample.length < sampleSize) b.missing.sample.push(key);
          return;
        }
        if (state !== 'identical') {
          return differ(key, DIFFER_REASON[state]);
        }
        if (head!.checksumSha256) b.checks.targetChecksum++;
        else if (md5Comparable(head!, src)) b.checks.md5Compared++;
        else b.checks.sealOnly++;
        if (input.deep) {
          const deep = await deepDifference({
            source: input.source,
            target: input.target,
            sourceBucket: source,
            targetBucket: mapping.target,
            key,
            head: head!,
            ...(input.signal ? { signal: input.signal } : {}),
          });
          if (deep) return differ(key, deep);
          b.checks.deepSha256++;
        }
        b.match.count++;
        b.match.bytes += src.size;
      });
      return b;
    });
    buckets.push(result);
    if (result.ghosts.count > 0) {
      logger(reporter).warn(
        `${source}: ${result.ghosts.count} storage.objects row(s) have no bytes at the source (ghosts)`,
      );
    }
  }
  const total = (pick: (b: BucketVerify) => number) => buckets.reduce((n, b) => n + pick(b), 0);
  const totals = {
    rows: total((b) => b.rows),
    match: total((b) => b.match.count),
    missing: total((b) => b.missing.count),
    differ: total((b) => b.differ.count),
    orphans: total((b) => b.orphans.count),
    ghosts: total((b) => b.ghosts.count),
  };
  return {
    version: 1,
    ok: totals.missing === 0 && totals.differ === 0,
    deep: input.deep === true,
    buckets,
    totals,
  };
}
