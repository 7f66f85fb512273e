export * from './config.ts';
export {
  applyStorageCopy,
  isFatalCode,
  type ApplyStorageCopyDeps,
  type CopyFailure,
  type StorageCopyResult,
} from './apply.ts';
export { copyOneObject, type CopiedObject, type CopyObjectDeps, type InFlight } from './copy/index.ts';
export {
  headTarget,
  listBucket,
  readBucketRows,
  readBuckets,
  type ListedObject,
  type ObjectRow,
} from './inventory.ts';
export {
  encodeUserMetadata,
  judgeTarget,
  META_SHA256,
  META_SOURCE_ETAG,
  META_USER_METADATA,
  normaliseEtag,
  sealedSha256,
  sealTags,
  TAG_CHECKSUM,
  TAG_SEALED_ETAG,
  TAG_SHA256,
  type TargetHead,
  type TargetState,
} from './object-meta.ts';
export {
  byCodePoint,
  diffBucket,
  keysToInspect,
  planStorageCopy,
  type BucketPlan,
  type CopyItem,
  type CopyReason,
  type DiffInput,
  type PlannedObject,
  type PlanStorageCopyInput,
  type SincePlan,
  type StoragePlan,
  type Tally,
} from './plan.ts';
export {
  plannedObjects,
  readStoragePlanFile,
  STORAGE_PLAN_FILE,
  writeStoragePlanFile,
  type StoragePlanFile,
} from './plan-file.ts';
export * from './report.ts';
export * from './run.ts';
export { inShard, MAX_SHARDS, parseShard, shardLabel, shardOf, type Shard } from './shard.ts';
export { checksumSupport, probeChecksums, type ChecksumSupport } from './target-checksums.ts';
export {
  fatalS3Error,
  isNotImplemented,
  objectS3Error,
  s3ErrorName,
  taggingUnsupported,
  type Side,
} from './s3-errors.ts';
export {
  bucketOwnerFor,
  corsRulesFor,
  mergePolicy,
  policyEffect,
  policyStatementsFor,
  publicAccessBlockFor,
  setupStorage,
  type BucketOwner,
  type BucketSetup,
  type SetupAction,
  type SetupStatus,
  type StorageSetupResult,
} from './setup.ts';
export {
  compositeSha256,
  digestStream,
  effectivePartSize,
  PartSplitter,
  partRanges,
  UploadBody,
} from './streams.ts';
export { discoverUrlColumns, type DiscoveredColumn, type DiscoverResult } from './urls/discover.ts';
export { ensureLedger, LEDGER_TABLE } from './urls/ledger.ts';
export { parseBarePath, parseStorageUrl, projectHosts, type RefKind, type StorageRef } from './urls/parse.ts';
export {
  restoreUrls,
  rewriteUrls,
  type BatchInfo,
  type ColumnResult,
  type RestoreUrlsInput,
  type RewriteUrlsInput,
  type UrlRewriteResult,
} from './urls/rewrite-urls.ts';
export {
  UrlRewriter,
  type JsonChange,
  type KindCounts,
  type Rewrite,
  type RewriterOptions,
} from './urls/rewriter.ts';
export {
  verifyStorage,
  type BucketVerify,
  type DifferReason,
  type StorageVerifyReport,
  type VerifyStorageInput,
} from './verify.ts';
