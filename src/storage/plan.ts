/**
 * `storage plan`: per bucket, what storage.objects says, what the source endpoint holds, what the target
 * already has (sealed copies), and so what `storage copy` will do. The diff itself is a pure function.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { eachConcurrently } from '../core/concurrency.ts';
import { logger, silentReporter, step, type Reporter } from '../core/reporter.ts';
import type { BucketMapping } from './config.ts';
import { deepDifference, type DeepDifference } from './deep-compare.ts';
import {
  assertStorageSchema,
  hasStorageSchema,
  headTarget,
  inspectProgress,
  listBucket,
  readBucketRows,
  readBuckets,
  type ListedObject,
  type ObjectRow,
} from './inventory.ts';
import { encodeUserMetadata, judgeTarget, type TargetHead, type TargetState } from './object-meta.ts';
import type { PgClient } from '../core/pg.ts';
import { inShard, type Shard } from './shard.ts';

/** Why an object is copied: the verdicts of the rule verify shares (object-meta.ts, deep-compare.ts), or an orphan. */
export type CopyReason = Exclude<TargetState, 'identical'> | DeepDifference | 'orphan';

/** One object `storage copy` will copy. */
export interface CopyItem {
  sourceBucket: string;
  targetBucket: string;
  key: string;
  /** Size at the source endpoint (the bytes), which is what gets verified. */
  size: number;
  sourceEtag: string | undefined;
  reason: CopyReason;
  /** From storage.objects, used when the source response has none. */
  contentType?: string;
  cacheControl?: string;
  /** storage.objects.user_metadata, encoded for S3 metadata. */
  userMetadata?: string;
}

export interface Tally {
  count: number;
  bytes: number;
}

export interface BucketPlan {
  source: string;
  target: string;
  access: BucketMapping['access'];
  publicBaseUrl?: string;
  targetExists: boolean;
  /** storage.objects rows (bytes as recorded in their metadata). */
  rows: Tally;
  /** Objects at the source endpoint. */
  sourceObjects: Tally;
  /** Sealed copies at the target matching the source: nothing to do. */
  identical: Tally;
  toCopy: Tally & { byReason: Partial<Record<CopyReason, number>> };
  /** Bytes at the source with no storage.objects row (copied only with includeOrphans). */
  orphans: Tally & { sample: string[] };
  /** Rows with no bytes at the source: nothing to copy, the app has a dangling reference. */
  ghosts: Tally & { sample: string[] };
  /** Rows whose recorded size differs from the bytes at the source (the bytes win). */
  sizeMismatches: { count: number; sample: string[] };
  /** Planned against a saved plan (`storage copy --plan`): what changed at the source since it was made. */
  sincePlan?: SincePlan;
}

/** One object a saved plan copies: its size and source ETag when planned. */
export interface PlannedObject {
  size: number;
  etag?: string | undefined;
}

/**
 * What changed since a saved plan was made. Only the plan's objects are copied: the others are reported
 * here, for a new plan to take them.
 */
export interface SincePlan {
  /** Objects to copy now that the plan does not name (added, or changed while identical): not copied. */
  notInPlan: Tally & { sample: string[] };
  /** Objects the plan copies that are gone from the source (or lost their row): nothing to copy. */
  gone: { count: number; sample: string[] };
  /** Objects the plan copies whose size or ETag changed since: copied as they are now. */
  changed: { count: number; sample: string[] };
}

export interface StoragePlan {
  version: 1;
  createdAt: string;
  source: { endpoint: string | undefined };
  target: { endpoint: string | undefined };
  includeOrphans: boolean;
  /** With `--shard i/N`: this plan holds only that shard's keys (shard.ts), and every count is the shard's. */
  shard?: Shard;
  buckets: BucketPlan[];
  /** Buckets in storage.buckets with no mapping in config: not copied. */
  unmappedBuckets: Array<{ id: string; objects: number }>;
  totals: {
    rows: Tally;
    sourceObjects: Tally;
    identical: Tally;
    toCopy: Tally;
    orphans: Tally;
    ghosts: Tally;
  };
  /** The objects to copy, bucket by bucket, in key order. */
  items: CopyItem[];
}

export interface DiffInput {
  source: string;
  mapping: BucketMapping;
  rows: ReadonlyMap<string, ObjectRow>;
  sourceObjects: ReadonlyMap<string, ListedObject>;
  /** undefined: the target bucket does not exist yet. */
  targetObjects: ReadonlyMap<string, ListedObject> | undefined;
  /** HeadObject answers for target keys whose listed size equals the source size. */
  heads: ReadonlyMap<string, TargetHead>;
  /** With `--deep`: objects identical by their metadata whose bytes, read in full, are not. */
  deepDifferences?: ReadonlyMap<string, DeepDifference>;
  includeOrphans: boolean;
  /** Only this shard's keys are looked at (and counted). @default every key */
  shard?: Shard;
  /** How many keys to keep as samples. @default 10 */
  sampleSize?: number;
  /**
   * The objects a saved plan copies in this bucket (`storage copy --plan`): only they are copied; the rest
   * is counted in `sincePlan`. @default every object that needs copying
   */
  planned?: ReadonlyMap<string, PlannedObject>;
}

const tally = (): Tally => ({ count: 0, bytes: 0 });
const add = (t: Tally, bytes: number) => {
  t.count++;
  t.bytes += bytes;
};

/** Target keys worth a HeadObject: present with the same size as the source (else they differ anyway). */
export function keysToInspect(input: Omit<DiffInput, 'heads'>): string[] {
  if (!input.targetObjects) return [];
  const keys: string[] = [];
  for (const [key, src] of input.sourceObjects) {
    if (!inShard(input.shard, input.mapping.target, key)) continue;
    if (!input.includeOrphans && !input.rows.has(key)) continue;
    const tgt = input.targetObjects.get(key);
    if (tgt && tgt.size === src.size) keys.push(key);
  }
  return keys;
}

/** The pure diff of one bucket: rows × source listing × target listing (+ heads) → plan and items. */
export function diffBucket(input: DiffInput): { plan: BucketPlan; items: CopyItem[] } {
  const sample = input.sampleSize ?? 10;
  const plan: BucketPlan = {
    source: input.source,
    target: input.mapping.target,
    access: input.mapping.access,
    ...(input.mapping.publicBaseUrl ? { publicBaseUrl: input.mapping.publicBaseUrl } : {}),
    targetExists: input.targetObjects !== undefined,
    rows: tally(),
    sourceObjects: tally(),
    identical: tally(),
    toCopy: { ...tally(), byReason: {} },
    orphans: { ...tally(), sample: [] },
    ghosts: { ...tally(), sample: [] },
    sizeMismatches: { count: 0, sample: [] },
  };
  const items: CopyItem[] = [];
  const mine = (key: string) => inShard(input.shard, input.mapping.target, key);
  const since = input.planned ? emptySincePlan() : undefined;
  const note = (list: { count: number; sample: string[] }, key: string) => {
    list.count++;
    if (list.sample.length < sample) list.sample.push(key);
  };
  for (const [key, row] of input.rows) {
    if (!mine(key)) continue;
    add(plan.rows, row.size ?? 0);
    if (!input.sourceObjects.has(key)) {
      add(plan.ghosts, row.size ?? 0);
      if (plan.ghosts.sample.length < sample) plan.ghosts.sample.push(key);
    }
  }
  const keys = [...input.sourceObjects.keys()].filter(mine).sort(byCodePoint);
  for (const key of keys) {
    const src = input.sourceObjects.get(key) as ListedObject;
    add(plan.sourceObjects, src.size);
    const row = input.rows.get(key);
    if (!row) {
      add(plan.orphans, src.size);
      if (plan.orphans.sample.length < sample) plan.orphans.sample.push(key);
      if (!input.includeOrphans) {
        if (since && input.planned?.has(key)) note(since.gone, key);
        continue;
      }
    } else if (row.size !== undefined && row.size !== src.size) {
      plan.sizeMismatches.count++;
      if (plan.sizeMismatches.sample.length < sample) plan.sizeMismatches.sample.push(key);
    }
    const listed = input.targetObjects?.get(key);
    let state: TargetState | DeepDifference;
    if (!listed) state = 'missing';
    else if (listed.size !== src.size) state = 'size-differs';
    else state = judgeTarget(input.heads.get(key), { size: src.size, etag: src.etag });
    if (state === 'identical') state = input.deepDifferences?.get(key) ?? state;
    if (state === 'identical') {
      add(plan.identical, src.size);
      continue;
    }
    const planned = input.planned?.get(key);
    if (since && !planned) {
      note(since.notInPlan, key);
      since.notInPlan.bytes += src.size;
      continue;
    }
    if (since && planned && (planned.size !== src.size || planned.etag !== src.etag))
      note(since.changed, key);
    const reason: CopyReason = row ? state : state === 'missing' ? 'orphan' : state;
    add(plan.toCopy, src.size);
    plan.toCopy.byReason[reason] = (plan.toCopy.byReason[reason] ?? 0) + 1;
    const userMetadata = encodeUserMetadata(row?.userMetadata);
    items.push({
      sourceBucket: input.source,
      targetBucket: input.mapping.target,
      key,
      size: src.size,
      sourceEtag: src.etag,
      reason,
      ...(row?.mimetype ? { contentType: row.mimetype } : {}),
      ...(row?.cacheControl ? { cacheControl: row.cacheControl } : {}),
      ...(userMetadata ? { userMetadata } : {}),
    });
  }
  if (since) {
    for (const key of input.planned?.keys() ?? [])
      if (mine(key) && !input.sourceObjects.has(key)) note(since.gone, key);
    plan.sincePlan = since;
  }
  return { plan, items };
}

function emptySincePlan(): SincePlan {
  return {
    notInPlan: { ...tally(), sample: [] },
    gone: { count: 0, sample: [] },
    changed: { count: 0, sample: [] },
  };
}

/** Code-point order (what S3 documents for listings: UTF-8 binary order). */
export function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export interface PlanStorageCopyInput {
  db: PgClient;
  source: S3Client;
  target: S3Client;
  buckets: Record<string, BucketMapping>;
  includeOrphans?: boolean;
  /** Plan only this shard's keys (`storage copy --shard i/N`). @default every key */
  shard?: Shard;
  /**
   * Per source bucket, the objects a saved plan copies (`storage copy --plan`): only they are copied, and
   * each bucket plan says what changed since (`sincePlan`). @default every object that needs copying
   */
  planned?: ReadonlyMap<string, ReadonlyMap<string, PlannedObject>>;
  /** Also read both sides of every object identical by its metadata and copy those whose bytes differ. @default false */
  deep?: boolean;
  /** Parallel HeadObject calls on the target. @default 16 */
  concurrency?: number;
  sourceEndpoint?: string;
  targetEndpoint?: string;
  reporter?: Reporter;
  signal?: AbortSignal;
  now?: () => Date;
}

/** Reads both sides and returns the plan; changes nothing. */
export async function planStorageCopy(input: PlanStorageCopyInput): Promise<StoragePlan> {
  const reporter = input.reporter ?? silentReporter;
  const log = logger(reporter);
  assertStorageSchema(await hasStorageSchema(input.db));
  const known = await readBuckets(input.db);
  const plans: BucketPlan[] = [];
  const items: CopyItem[] = [];
  for (const [source, mapping] of Object.entries(input.buckets)) {
    const result = await step(reporter, `plan ${source} → ${mapping.target}`, async () => {
      const rows = await readBucketRows(input.db, source);
      const sourceObjects = (await listBucket(input.source, source, {
        side: 'source',
        signal: input.signal,
      })) as Map<string, ListedObject>;
      const targetObjects = await listBucket(input.target, mapping.target, {
        side: 'target',
        signal: input.signal,
      });
      const base = {
        source,
        mapping,
        rows,
        sourceObjects,
        targetObjects,
        includeOrphans: input.includeOrphans === true,
        ...(input.shard ? { shard: input.shard } : {}),
        ...(input.planned ? { planned: input.planned.get(source) ?? new Map<string, PlannedObject>() } : {}),
      };
      const inspect = keysToInspect(base);
      const heads = new Map<string, TargetHead>();
      const deepDifferences = new Map<string, DeepDifference>();
      const inspected = inspectProgress(reporter, mapping.target, inspect.length);
      await eachConcurrently(inspect, { concurrency: input.concurrency ?? 16 }, async (key) => {
        const head = await headTarget(input.target, mapping.target, key, input.signal);
        inspected();
        if (!head) return;
        heads.set(key, head);
        const src = sourceObjects.get(key)!;
        // Applying a saved plan reads in full only what it names: the rest is counted, never copied.
        if (!input.deep || (base.planned && !base.planned.has(key))) return;
        if (judgeTarget(head, { size: src.size, etag: src.etag }) !== 'identical') return;
        const deep = await deepDifference({
          source: input.source,
          target: input.target,
          sourceBucket: source,
          targetBucket: mapping.target,
          key,
          head,
          ...(input.signal ? { signal: input.signal } : {}),
        });
        if (deep) deepDifferences.set(key, deep);
      });
      return diffBucket({ ...base, heads, deepDifferences });
    });
    if (!result.plan.targetExists)
      log.info(`target bucket ${mapping.target} does not exist yet: run \`supa2aws storage setup\``);
    plans.push(result.plan);
    items.push(...result.items);
  }
  const unmappedBuckets = known
    .filter((b) => !(b.id in input.buckets))
    .map((b) => ({ id: b.id, objects: b.objects }));
  for (const b of unmappedBuckets) {
    log.warn(
      `bucket ${b.id} (${b.objects} objects) has no mapping in storage.buckets of the config: it is not copied`,
    );
  }
  const sum = (pick: (p: BucketPlan) => Tally): Tally =>
    plans.reduce((t, p) => ({ count: t.count + pick(p).count, bytes: t.bytes + pick(p).bytes }), tally());
  return {
    version: 1,
    createdAt: (input.now ?? (() => new Date()))().toISOString(),
    source: { endpoint: input.sourceEndpoint },
    target: { endpoint: input.targetEndpoint },
    includeOrphans: input.includeOrphans === true,
    ...(input.shard ? { shard: input.shard } : {}),
    buckets: plans,
    unmappedBuckets,
    totals: {
      rows: sum((p) => p.rows),
      sourceObjects: sum((p) => p.sourceObjects),
      identical: sum((p) => p.identical),
      toCopy: sum((p) => p.toCopy),
      orphans: sum((p) => p.orphans),
      ghosts: sum((p) => p.ghosts),
    },
    items,
  };
}
