/**
 * Entry points from a loaded config: build the clients, run one storage step, close everything. The CLI
 * calls exactly one of these per command; tests and the demo may call them too or use the parts directly.
 */
import { requireRegion } from '../core/aws/aws-context.ts';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../core/errors.ts';
import type { Reporter } from '../core/reporter.ts';
import { s3ClientFromConfig } from '../core/s3-from-config.ts';
import { applyStorageCopy, type StorageCopyResult } from './apply.ts';
import { defaultConnect, withClient, type ConnectFn } from '../core/pg.ts';
import { planStorageCopy, type PlannedObject, type StoragePlan } from './plan.ts';
import { plannedObjects, readStoragePlanFile, writeStoragePlanFile } from './plan-file.ts';
import type { Shard } from './shard.ts';
import { checksumSupport } from './target-checksums.ts';
import { bucketOwnerFor, setupStorage, type StorageSetupResult } from './setup.ts';
import { discoverUrlColumns, type DiscoverResult } from './urls/discover.ts';
import {
  restoreUrls,
  rewriteUrls,
  type RewriteUrlsInput,
  type UrlRewriteResult,
} from './urls/rewrite-urls.ts';
import { UrlRewriter } from './urls/rewriter.ts';
import { verifyStorage, type StorageVerifyReport } from './verify.ts';

const MiB = 1024 * 1024;

export interface StorageRunDeps {
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
  /** Clients to use instead of building them from config (tests). */
  sourceS3?: S3Client;
  targetS3?: S3Client;
}

export interface CopyOptions {
  concurrency?: number;
  partSizeMiB?: number;
  multipartThresholdMiB?: number;
  includeOrphans?: boolean;
  /** Read both sides of every object identical by its metadata; copy again those whose bytes differ. */
  deep?: boolean;
  /** Copy only this shard's keys (shard.ts); N shards run side by side. @default every key */
  shard?: Shard;
  /**
   * Read every object back, even where the target checks SHA-256 checksums (target-checksums.ts).
   * @default false
   */
  readBack?: boolean;
  /**
   * A plan file written by `storage plan --out`: copy only the objects it names, after checking it matches
   * the config; what changed at the source since is reported per bucket (`sincePlan`), not copied. Its
   * orphans and shard choices are the plan's. @default plan afresh and copy whatever needs copying
   */
  planFile?: string;
  /** Plan only. */
  dryRun?: boolean;
}

export interface PlanOptions {
  includeOrphans?: boolean;
  deep?: boolean;
  shard?: Shard;
  /** Also save the plan to this file, for `storage copy --plan` to apply after review. */
  out?: string;
}

function requireBuckets(config: Config): void {
  if (Object.keys(config.storage.buckets).length === 0) {
    throw new ConfigError('STORAGE_NO_BUCKETS', 'storage.buckets in the config maps no bucket', {
      exit: 'usage',
      hint: 'Add e.g. "storage": {"buckets": {"videos": {"target": "myapp-videos", "access": "private"}}} and run `supa2aws storage plan`.',
    });
  }
}

async function withClients<T>(
  config: Config,
  deps: StorageRunDeps,
  fn: (clients: { source: S3Client; target: S3Client }) => Promise<T>,
): Promise<T> {
  // One attempt per SDK call: streamed bodies cannot be replayed by the SDK, so supa2aws retries itself.
  const source = deps.sourceS3 ?? s3ClientFromConfig(config.source.storage, { maxAttempts: 1 });
  const target = deps.targetS3 ?? s3ClientFromConfig(config.target.s3, { maxAttempts: 1 });
  try {
    return await fn({ source, target });
  } finally {
    if (!deps.sourceS3) source.destroy();
    if (!deps.targetS3) target.destroy();
  }
}

/** `storage plan` (and the first half of `storage copy`); with `out`, the plan is saved there too. */
export async function planStorageFromConfig(
  config: Config,
  options: PlanOptions = {},
  deps: StorageRunDeps = {},
): Promise<StoragePlan> {
  const plan = await planAgainst(config, options, deps);
  if (options.out) writeStoragePlanFile(options.out, config, plan, { deep: options.deep === true });
  return plan;
}

function planAgainst(
  config: Config,
  options: Omit<PlanOptions, 'out'> & { planned?: ReadonlyMap<string, ReadonlyMap<string, PlannedObject>> },
  deps: StorageRunDeps,
): Promise<StoragePlan> {
  requireBuckets(config);
  return withClients(config, deps, ({ source, target }) =>
    withClient(deps.connect ?? defaultConnect, config.source.db.url, 'source', (db) =>
      planStorageCopy({
        db,
        source,
        target,
        buckets: config.storage.buckets,
        includeOrphans: options.includeOrphans === true,
        deep: options.deep === true,
        ...(options.shard ? { shard: options.shard } : {}),
        ...(options.planned ? { planned: options.planned } : {}),
        sourceEndpoint: config.source.storage.endpoint,
        targetEndpoint: config.target.s3.endpoint,
        ...(deps.reporter ? { reporter: deps.reporter } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
      }),
    ),
  );
}

export interface StorageCopyRun {
  plan: StoragePlan;
  /** Absent with dryRun. */
  result?: StorageCopyResult;
  /** The saved plan applied (`planFile`): the file and when it was made. */
  planFile?: { file: string; createdAt: string };
}

/**
 * `storage copy`: plan, then apply (unless dryRun). With `planFile`, the plan is made again against the
 * saved one, so only its objects are copied and what is already identical is still left alone.
 */
export async function copyStorageFromConfig(
  config: Config,
  options: CopyOptions = {},
  deps: StorageRunDeps = {},
): Promise<StorageCopyRun> {
  const saved = options.planFile
    ? readStoragePlanFile(options.planFile, config, options.includeOrphans ? { includeOrphans: true } : {})
    : undefined;
  // A saved plan is of every key: --shard copies this shard's share of it; --deep as planned, or asked now.
  const planOptions = saved
    ? {
        includeOrphans: saved.plan.includeOrphans,
        deep: saved.plan.deep || options.deep === true,
        ...(options.shard ? { shard: options.shard } : {}),
        planned: plannedObjects(saved.plan),
      }
    : options;
  const planFile =
    saved && options.planFile ? { file: options.planFile, createdAt: saved.createdAt } : undefined;
  return withClients(config, deps, async (clients) => {
    const plan = await planAgainst(config, planOptions, {
      ...deps,
      sourceS3: clients.source,
      targetS3: clients.target,
    });
    if (options.dryRun) return { plan, ...(planFile ? { planFile } : {}) };
    const result = await applyStorageCopy(plan, {
      source: clients.source,
      target: clients.target,
      concurrency: options.concurrency ?? config.storage.concurrency,
      partSizeBytes: (options.partSizeMiB ?? config.storage.partSizeMiB) * MiB,
      multipartThresholdBytes: (options.multipartThresholdMiB ?? config.storage.multipartThresholdMiB) * MiB,
      checksums: options.readBack ? 'no' : checksumSupport(config.target.s3),
      ...(deps.reporter ? { reporter: deps.reporter } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    return { plan, result, ...(planFile ? { planFile } : {}) };
  });
}

/** `storage setup`. */
export function setupStorageFromConfig(
  config: Config,
  options: { dryRun?: boolean } = {},
  deps: StorageRunDeps = {},
): Promise<StorageSetupResult> {
  requireBuckets(config);
  return withClients(config, deps, ({ target }) =>
    setupStorage({
      target,
      buckets: config.storage.buckets,
      region: requireRegion(config.target.s3.region, 'storage setup (target.s3)'),
      cors: config.storage.cors,
      versioning: config.storage.versioning,
      owner: bucketOwnerFor(config.target.s3.endpoint),
      dryRun: options.dryRun === true,
      ...(deps.reporter ? { reporter: deps.reporter } : {}),
    }),
  );
}

/** `storage verify`. */
export function verifyStorageFromConfig(
  config: Config,
  options: { deep?: boolean; concurrency?: number } = {},
  deps: StorageRunDeps = {},
): Promise<StorageVerifyReport> {
  requireBuckets(config);
  return withClients(config, deps, ({ source, target }) =>
    withClient(deps.connect ?? defaultConnect, config.source.db.url, 'source', (db) =>
      verifyStorage({
        db,
        source,
        target,
        buckets: config.storage.buckets,
        deep: options.deep === true,
        concurrency: options.concurrency ?? Math.max(8, config.storage.concurrency),
        ...(deps.reporter ? { reporter: deps.reporter } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
      }),
    ),
  );
}

export type UrlDatabase = 'source' | 'target';

/** The rewriter for a config: project URL, bucket mapping, signed-URL form, target public URLs. */
export function rewriterFromConfig(config: Config): UrlRewriter {
  return new UrlRewriter({
    projectUrl: config.source.projectUrl,
    buckets: config.storage.buckets,
    signedUrls: config.storage.signedUrls,
    target: {
      ...(config.target.s3.endpoint ? { endpoint: config.target.s3.endpoint } : {}),
      region: requireRegion(config.target.s3.region, 'storage setup (target.s3)'),
      ...(config.target.s3.publicBaseUrl ? { publicBaseUrl: config.target.s3.publicBaseUrl } : {}),
      ...(config.target.s3.forcePathStyle !== undefined
        ? { forcePathStyle: config.target.s3.forcePathStyle }
        : {}),
    },
  });
}

function databaseUrl(config: Config, database: UrlDatabase = 'source'): string {
  return database === 'target' ? config.target.db.url : config.source.db.url;
}

export interface RewriteOptions {
  dryRun?: boolean;
  /** Which database holds the columns. @default 'source' (phase 1 runs before the database moves) */
  database?: UrlDatabase;
  batchSize?: number;
}

/** `storage rewrite-urls`. */
export function rewriteUrlsFromConfig(
  config: Config,
  options: RewriteOptions = {},
  deps: StorageRunDeps & { afterBatch?: RewriteUrlsInput['afterBatch'] } = {},
): Promise<UrlRewriteResult> {
  if (config.storage.urlColumns.length === 0) {
    throw new ConfigError('STORAGE_NO_URL_COLUMNS', 'storage.urlColumns in the config lists no column', {
      exit: 'usage',
      hint: 'Run `supa2aws storage rewrite-urls --discover` and paste the block it prints into the config.',
    });
  }
  requireBuckets(config);
  return withClient(
    deps.connect ?? defaultConnect,
    databaseUrl(config, options.database),
    options.database ?? 'source',
    (db) =>
      rewriteUrls({
        db,
        columns: config.storage.urlColumns,
        rewriter: rewriterFromConfig(config),
        batchSize: options.batchSize ?? config.storage.urlBatchSize,
        dryRun: options.dryRun === true,
        ...(deps.reporter ? { reporter: deps.reporter } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.afterBatch ? { afterBatch: deps.afterBatch } : {}),
      }),
  );
}

/** `storage restore-urls`. */
export function restoreUrlsFromConfig(
  config: Config,
  options: Omit<RewriteOptions, 'batchSize'> & { batchSize?: number } = {},
  deps: StorageRunDeps = {},
): Promise<UrlRewriteResult> {
  return withClient(
    deps.connect ?? defaultConnect,
    databaseUrl(config, options.database),
    options.database ?? 'source',
    (db) =>
      restoreUrls({
        db,
        batchSize: options.batchSize ?? config.storage.urlBatchSize,
        dryRun: options.dryRun === true,
        ...(deps.reporter ? { reporter: deps.reporter } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
      }),
  );
}

/** `storage rewrite-urls --discover`. */
export function discoverUrlsFromConfig(
  config: Config,
  options: { database?: UrlDatabase } = {},
  deps: StorageRunDeps = {},
): Promise<DiscoverResult> {
  return withClient(
    deps.connect ?? defaultConnect,
    databaseUrl(config, options.database),
    options.database ?? 'source',
    (db) => discoverUrlColumns({ db, rewriter: rewriterFromConfig(config) }),
  );
}
