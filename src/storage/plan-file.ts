/**
 * `storage plan --out <file>` and `storage copy --plan <file>`: the copy plan saved as data, reviewed, and
 * applied later. The file holds, per bucket, its target bucket, what the source has, what is already
 * identical, what will be copied (every object, by key, with its size and ETag) and what is skipped; and
 * the config parts that decide what is moved (the source project, the target endpoint and region, the bucket
 * mapping, orphans), whose fingerprint the apply checks. A plan is of every key: `storage copy --plan
 * --shard i/N` (aws run --tasks N) copies the shard's share of it. No credential or endpoint secret goes in it.
 */
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import {
  assertSameInputs,
  planFileFor,
  readPlanFile,
  writePlanFile,
  type PlanFile,
  type PlanFileSpec,
  type PlanInputs,
} from '../core/plan-file.ts';
import type { PlannedObject, StoragePlan, Tally } from './plan.ts';

const tally = z.object({ count: z.number().int().min(0), bytes: z.number().min(0) }).strict();

const savedBucketSchema = z
  .object({
    source: z.string().min(1),
    target: z.string().min(1),
    /** Objects at the source endpoint. */
    sourceObjects: tally,
    /** Already identical at the target: nothing to do. */
    identical: tally,
    toCopy: tally,
    skipped: z
      .object({
        /** Bytes without a storage.objects row, not copied (without --include-orphans). */
        orphans: tally,
        /** Rows without bytes: nothing to copy. */
        ghosts: tally,
      })
      .strict(),
    /** Every object the plan copies, in key order. */
    objects: z
      .array(
        z.object({ key: z.string(), size: z.number().int().min(0), etag: z.string().optional() }).strict(),
      )
      .superRefine((objects, ctx) => {
        const keys = new Set(objects.map((o) => o.key));
        if (keys.size !== objects.length) ctx.addIssue({ code: 'custom', message: 'a key is listed twice' });
      }),
  })
  .strict();

const savedStoragePlanSchema = z
  .object({
    includeOrphans: z.boolean(),
    /** Planned with --deep: objects whose bytes differ under the same ETag are in it, so apply reads them too. */
    deep: z.boolean(),
    buckets: z.array(savedBucketSchema),
    /** Buckets with objects but no mapping in the config: not copied. */
    unmappedBuckets: z.array(z.object({ id: z.string(), objects: z.number().int().min(0) }).strict()),
    totals: z.object({ sourceObjects: tally, identical: tally, toCopy: tally }).strict(),
  })
  .strict();

/** The plan as the file holds it. */
export type SavedStoragePlan = z.infer<typeof savedStoragePlanSchema>;
export type StoragePlanFile = PlanFile<SavedStoragePlan>;

export const STORAGE_PLAN_FILE: PlanFileSpec<SavedStoragePlan> = {
  kind: 'supa2aws/storage-plan',
  version: 1,
  schema: savedStoragePlanSchema,
  planCommand: 'supa2aws storage plan --out <file>',
};

/** What decides the objects a storage plan moves, from the config and the plan's own choices. */
function storagePlanInputs(config: Config, options: { includeOrphans: boolean }): PlanInputs {
  return {
    sourceProject: config.source.projectUrl,
    target: { endpoint: config.target.s3.endpoint ?? 'aws', region: config.target.s3.region },
    buckets: Object.fromEntries(
      Object.entries(config.storage.buckets).map(([source, mapping]) => [source, mapping.target]),
    ),
    includeOrphans: options.includeOrphans,
  };
}

/** A tally's count and bytes alone (the plan's tallies carry samples and reasons too). */
const counted = (t: Tally): Tally => ({ count: t.count, bytes: t.bytes });
const none: Tally = { count: 0, bytes: 0 };

/** The plan as data to save: tallies per bucket and every object to copy, by key. */
function savedStoragePlan(plan: StoragePlan, deep: boolean): SavedStoragePlan {
  return {
    includeOrphans: plan.includeOrphans,
    deep,
    buckets: plan.buckets.map((b) => ({
      source: b.source,
      target: b.target,
      sourceObjects: counted(b.sourceObjects),
      identical: counted(b.identical),
      toCopy: counted(b.toCopy),
      skipped: { orphans: plan.includeOrphans ? none : counted(b.orphans), ghosts: counted(b.ghosts) },
      objects: plan.items
        .filter((i) => i.sourceBucket === b.source)
        .map((i) => ({ key: i.key, size: i.size, ...(i.sourceEtag ? { etag: i.sourceEtag } : {}) })),
    })),
    unmappedBuckets: plan.unmappedBuckets,
    totals: {
      sourceObjects: counted(plan.totals.sourceObjects),
      identical: counted(plan.totals.identical),
      toCopy: counted(plan.totals.toCopy),
    },
  };
}

/** Writes `plan` (of every key, made with `deep` or not) to `file` as a storage plan file made from `config`. */
export function writeStoragePlanFile(
  file: string,
  config: Config,
  plan: StoragePlan,
  options: { deep: boolean },
): StoragePlanFile {
  const inputs = storagePlanInputs(config, { includeOrphans: plan.includeOrphans });
  const planFile = planFileFor(
    STORAGE_PLAN_FILE,
    inputs,
    savedStoragePlan(plan, options.deep),
    new Date(plan.createdAt),
  );
  writePlanFile(file, planFile);
  return planFile;
}

/**
 * Reads a storage plan file and checks it against `config`: refused (exit 2) when it is not a storage plan
 * of this version, or when the config (or `--include-orphans` given now) does not match it.
 */
export function readStoragePlanFile(
  file: string,
  config: Config,
  flags: { includeOrphans?: boolean } = {},
): StoragePlanFile {
  const planFile = readPlanFile(file, STORAGE_PLAN_FILE);
  const inputs = storagePlanInputs(config, {
    includeOrphans: flags.includeOrphans === true || planFile.plan.includeOrphans,
  });
  assertSameInputs(file, planFile, inputs, STORAGE_PLAN_FILE);
  return planFile;
}

/** Per source bucket, the objects the saved plan copies. */
export function plannedObjects(plan: SavedStoragePlan): Map<string, Map<string, PlannedObject>> {
  return new Map(
    plan.buckets.map((b) => [
      b.source,
      new Map(b.objects.map((o) => [o.key, { size: o.size, ...(o.etag ? { etag: o.etag } : {}) }])),
    ]),
  );
}
