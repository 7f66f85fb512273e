/**
 * `storage copy`: runs a plan's items through a pool of `concurrency` workers (see copy/copy-one-object.ts
 * for how one object is streamed, verified and sealed), reports progress, and on Ctrl-C or a fatal error
 * stops, removes what it left unsealed and aborts its multipart uploads.
 */
import {
  AbortMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { setMaxListeners } from 'node:events';
import { StorageError, isSupa2awsError } from '../core/errors.ts';
import { isUnreachable, OutageWatch, unreachableReason } from '../core/outage.ts';
import { logger, silentReporter, type Reporter } from '../core/reporter.ts';
import { sleep, withRetry } from '../core/retry.ts';
import { eachConcurrently, slots } from '../core/concurrency.ts';
import { copyOneObject, removeWritten, type InFlight } from './copy/index.ts';
import type { CopyItem, SincePlan, StoragePlan, Tally } from './plan.ts';
import type { Shard } from './shard.ts';
import { probeChecksums, type ChecksumSupport } from './target-checksums.ts';
import {
  fatalS3Error,
  isNotImplemented,
  objectS3Error,
  s3ErrorName,
  taggingUnsupported,
  type Side,
} from './s3-errors.ts';

const MiB = 1024 * 1024;
/** Memory for the parts of large objects in flight, the whole run's. */
const PART_MEMORY_BYTES = 64 * MiB;

export interface ApplyStorageCopyDeps {
  source: S3Client;
  target: S3Client;
  /** Objects copied at once. @default 8 */
  concurrency?: number;
  /** @default 16 MiB */
  partSizeBytes?: number;
  /** @default 1024 MiB */
  multipartThresholdBytes?: number;
  /** Objects up to this size are read whole and PUT with their seal. @default 1 MiB */
  bufferBelowBytes?: number;
  /**
   * Whether the target checks and keeps SHA-256 checksums (target-checksums.ts): 'yes' sends one with every
   * PUT and part and confirms each object by `HeadObject` in checksum mode; 'probe' asks the endpoint first;
   * 'no' reads every object back. @default 'no'
   */
  checksums?: ChecksumSupport;
  /** Attempts per object or part. @default 5 */
  attempts?: number;
  reporter?: Reporter;
  signal?: AbortSignal;
  now?: () => Date;
  backoff?: (attempt: number) => number;
  /**
   * How long an endpoint may stay down (connections refused, dropped, timed out) before the run stops with
   * STORAGE_<SIDE>_UNREACHABLE (exit 3); objects that failed for want of it meanwhile are tried again.
   * @default outageDeadlineMs() (SUPA2AWS_OUTAGE_DEADLINE_SECONDS, else 90 s)
   */
  outageDeadlineMs?: number;
}

export interface CopyFailure {
  bucket: string;
  key: string;
  code: string;
  message: string;
}

export interface StorageCopyResult {
  version: 1;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Stopped by Ctrl-C / SIGTERM before every item was tried. */
  interrupted: boolean;
  /** Objects the plan had to copy. */
  planned: Tally;
  /** Already identical at the target when planned. */
  identical: Tally;
  /** Copied, read back, matched and sealed in this run. */
  copied: Tally;
  failed: CopyFailure[];
  /** Items not tried because the run stopped. */
  notStarted: number;
  multipart: number;
  retries: number;
  cleanedUp: { deletedUnsealed: number; abortedUploads: number };
  /** Operations the target endpoint does not implement (s3rver), so not done. */
  notSupported: string[];
  /** Per bucket; `sincePlan` when the copy applied a saved plan (what changed at the source since, not copied). */
  buckets: Array<{ source: string; target: string; copied: Tally; failed: number; sincePlan?: SincePlan }>;
  settings: { concurrency: number; partSizeBytes: number; multipartThresholdBytes: number };
  /**
   * How each copied object was confirmed: by the SHA-256 checksum the target checked on upload and reports
   * (`HeadObject` checksum mode), or by reading it back.
   */
  confirmedBy: 'target-checksum' | 'read-back';
  /** The shard this run copied (`--shard i/N`); absent when it copied the whole plan. */
  shard?: Shard;
}

function linked(signal: AbortSignal | undefined): AbortController {
  const controller = new AbortController();
  if (signal?.aborted) controller.abort(signal.reason);
  else signal?.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller;
}

async function checkTargetBuckets(target: S3Client, buckets: string[], signal: AbortSignal): Promise<void> {
  for (const bucket of buckets) {
    try {
      await withRetry(() => target.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal }), {
        signal,
      });
    } catch (error) {
      const name = s3ErrorName(error);
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (name === 'NotFound' || name === 'NoSuchBucket' || status === 404) {
        throw fatalS3Error({ name: 'NoSuchBucket' }, { side: 'target', bucket }) as StorageError;
      }
      throw (
        fatalS3Error(error, { side: 'target', bucket, action: 'access' }) ??
        objectS3Error(error, { side: 'target', bucket, action: 'Checking the bucket' })
      );
    }
  }
}

/**
 * Objects over `bufferBelow` are sealed with object tags after their read-back: before any of them is sent,
 * one read of the tags of such a key (one of the plan's, so a policy scoped to key prefixes allows it; 200 or
 * 404 both do) shows whether the endpoint has tagging (not 501) and the credentials s3:GetObjectTagging — so
 * an endpoint without tagging stops the run at once, not after its first large upload. (s3:PutObjectTagging
 * can only be seen by tagging an object: a refusal stops the run at the first seal, and what that copy wrote
 * is removed.)
 */
async function checkTagging(target: S3Client, items: CopyItem[], signal: AbortSignal): Promise<void> {
  const probes = new Map<string, string>();
  for (const item of items) if (!probes.has(item.targetBucket)) probes.set(item.targetBucket, item.key);
  for (const [bucket, key] of probes) {
    try {
      await target.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    } catch (error) {
      if (isNotImplemented(error)) throw taggingUnsupported(bucket, error);
      const fatal = fatalS3Error(error, { side: 'target', bucket, action: 'reading object tags' });
      if (fatal) throw fatal;
      // Anything else — a 404 (the key not copied yet), a 5xx the copy meets and retries — is fine here.
    }
  }
}

/** Aborts multipart uploads a killed run left on keys this plan copies (S3 keeps and bills their parts). */
async function abortStaleUploads(
  target: S3Client,
  items: CopyItem[],
  notSupported: Set<string>,
  signal: AbortSignal,
): Promise<number> {
  const byBucket = new Map<string, Set<string>>();
  for (const item of items) {
    if (!byBucket.has(item.targetBucket)) byBucket.set(item.targetBucket, new Set());
    byBucket.get(item.targetBucket)?.add(item.key);
  }
  let aborted = 0;
  for (const [bucket, keys] of byBucket) {
    let keyMarker: string | undefined;
    let uploadMarker: string | undefined;
    try {
      do {
        const page = await target.send(
          new ListMultipartUploadsCommand({
            Bucket: bucket,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadMarker,
          }),
          { abortSignal: signal },
        );
        for (const upload of page.Uploads ?? []) {
          if (!upload.Key || !upload.UploadId || !keys.has(upload.Key)) continue;
          await target.send(
            new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }),
            { abortSignal: signal },
          );
          aborted++;
        }
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        uploadMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
      } while (keyMarker);
    } catch (error) {
      if (isNotImplemented(error)) {
        notSupported.add('ListMultipartUploads (parts of interrupted uploads stay on the endpoint)');
        continue;
      }
      throw (
        fatalS3Error(error, { side: 'target', bucket, action: 'listing multipart uploads' }) ??
        objectS3Error(error, { side: 'target', bucket, action: 'Listing multipart uploads of' })
      );
    }
  }
  return aborted;
}

/** After a stop: nothing this run wrote and did not verify stays under a final key; its uploads are aborted. */
async function cleanUp(
  target: S3Client,
  flights: Iterable<InFlight>,
  notSupported: Set<string>,
  reporter: Reporter,
): Promise<{ deletedUnsealed: number; abortedUploads: number }> {
  const out = { deletedUnsealed: 0, abortedUploads: 0 };
  for (const flight of flights) {
    const { item } = flight;
    try {
      if (flight.uploadId) {
        try {
          await target.send(
            new AbortMultipartUploadCommand({
              Bucket: item.targetBucket,
              Key: item.key,
              UploadId: flight.uploadId,
            }),
          );
          out.abortedUploads++;
        } catch (error) {
          if (!isNotImplemented(error)) throw error;
          notSupported.add('AbortMultipartUpload (parts of interrupted uploads stay on the endpoint)');
        }
      }
      if (!flight.wrote) continue;
      // Whatever this run wrote under the key was not verified (or not counted): it goes — the very version it
      // wrote, where the bucket keeps versions and the target said which. An object that was identical before
      // the run is never in the plan, so nothing good is removed.
      await removeWritten(target, item.targetBucket, item.key, flight.versionId, (m) =>
        logger(reporter).warn(m),
      );
      out.deletedUnsealed++;
    } catch (error) {
      logger(reporter).warn(
        `could not clean up ${item.targetBucket}/${item.key}: ${(error as Error).message} (the next run replaces it)`,
      );
    }
  }
  return out;
}

/** Copies every item of the plan; returns what happened. Fatal errors (credentials, buckets) throw. */
export async function applyStorageCopy(
  plan: StoragePlan,
  deps: ApplyStorageCopyDeps,
): Promise<StorageCopyResult> {
  const reporter = deps.reporter ?? silentReporter;
  const log = logger(reporter);
  const now = deps.now ?? (() => new Date());
  const started = now();
  const concurrency = deps.concurrency ?? 8;
  const partSizeBytes = deps.partSizeBytes ?? 16 * MiB;
  const multipartThresholdBytes = deps.multipartThresholdBytes ?? 1024 * MiB;
  // Parts held in memory by all multipart copies together: four 16 MiB parts (rclone's four at once), and
  // always one, whatever the part size.
  const partBuffers = slots(Math.max(1, Math.floor(PART_MEMORY_BYTES / partSizeBytes)));
  const controller = linked(deps.signal);
  const signal = controller.signal;
  // Each copy in flight listens on the signal a few times over (its requests, its body, its backoff).
  setMaxListeners(Math.max(10, concurrency * 4), signal);
  const notSupported = new Set<string>();
  // Largest first: the long transfers start early and the run ends on small ones.
  const items = [...plan.items].sort((a, b) => b.size - a.size);
  const planned: Tally = { count: items.length, bytes: items.reduce((s, i) => s + i.size, 0) };
  const copied: Tally = { count: 0, bytes: 0 };
  const failed: CopyFailure[] = [];
  const perBucket = new Map(
    plan.buckets.map((b) => [
      b.source,
      {
        source: b.source,
        target: b.target,
        copied: { count: 0, bytes: 0 },
        failed: 0,
        ...(b.sincePlan ? { sincePlan: b.sincePlan } : {}),
      },
    ]),
  );
  let multipart = 0;
  let retries = 0;
  let bytesMoved = 0;
  let fatal: StorageError | undefined;
  let lastEmit = 0;
  const emit = (force = false) => {
    const t = Date.now();
    if (!force && t - lastEmit < 250) return;
    lastEmit = t;
    reporter.emit({
      type: 'progress',
      task: 'storage copy',
      done: copied.count,
      total: planned.count,
      bytes: bytesMoved,
      totalBytes: planned.bytes,
      unit: 'objects',
    });
  };

  const targetBuckets = [...new Set(items.map((i) => i.targetBucket))];
  await checkTargetBuckets(deps.target, targetBuckets, signal);
  const bufferBelow = deps.bufferBelowBytes ?? MiB;
  await checkTagging(
    deps.target,
    items.filter((i) => i.size > bufferBelow),
    signal,
  );
  const checksums =
    deps.checksums === 'yes' ||
    (deps.checksums === 'probe' &&
      items.length > 0 &&
      (await probeChecksums(deps.target, items[items.length - 1] as CopyItem, signal, (m) => log.warn(m))));
  const staleAborted =
    items.length > 0 ? await abortStaleUploads(deps.target, items, notSupported, signal) : 0;
  if (staleAborted > 0) log.info(`aborted ${staleAborted} multipart upload(s) left by an earlier run`);

  const watches: Record<Side, OutageWatch> = {
    source: new OutageWatch({
      what: 'the source S3 endpoint',
      onWait: (m) => log.warn(m),
      ...(deps.outageDeadlineMs ? { deadlineMs: deps.outageDeadlineMs } : {}),
    }),
    target: new OutageWatch({
      what: 'the target S3 endpoint',
      onWait: (m) => log.warn(m),
      ...(deps.outageDeadlineMs ? { deadlineMs: deps.outageDeadlineMs } : {}),
    }),
  };
  const flights = new Set<InFlight>();
  emit(true);
  await eachConcurrently(items, { concurrency, signal }, async (item) => {
    // Round again only for an item whose endpoint went down and answers again.
    while (!signal.aborted) {
      const flight: InFlight = { item, wrote: false };
      flights.add(flight);
      try {
        const done = await copyOneObject(
          item,
          {
            source: deps.source,
            target: deps.target,
            partSize: partSizeBytes,
            partBuffers,
            multipartThreshold: multipartThresholdBytes,
            checksums,
            ...(deps.attempts ? { attempts: deps.attempts } : {}),
            ...(deps.bufferBelowBytes !== undefined ? { bufferBelow: deps.bufferBelowBytes } : {}),
            ...(deps.backoff ? { backoff: deps.backoff } : {}),
            signal,
            onBytes: (n) => {
              bytesMoved += n;
              emit();
            },
            onRetry: (it, error, attempt) => {
              retries++;
              log.debug(
                `retrying ${it.sourceBucket}/${it.key} (attempt ${attempt + 1}): ${(error as Error).message}`,
              );
            },
            onWarning: (message) => log.warn(message),
          },
          flight,
        );
        flights.delete(flight);
        watches.source.up();
        watches.target.up();
        copied.count++;
        copied.bytes += item.size;
        if (done.multipart) multipart++;
        const b = perBucket.get(item.sourceBucket);
        if (b) {
          b.copied.count++;
          b.copied.bytes += item.size;
        }
        emit(true);
      } catch (error) {
        const err = isSupa2awsError(error)
          ? error
          : new StorageError('STORAGE_OBJECT_FAILED', (error as Error).message, { cause: error });
        if (err instanceof StorageError && isFatalCode(err.code)) {
          fatal ??= err;
          controller.abort(err);
          break;
        }
        // Stopped (Ctrl-C, or another worker's fatal error): the flight stays for the clean-up.
        if (signal.aborted) break;
        if (isUnreachable(error)) {
          const side: Side = err.details.side === 'source' ? 'source' : 'target';
          if (watches[side].down(error)) {
            // Tried again once the endpoint answers: what this attempt wrote is unsealed, so replaced then.
            flights.delete(flight);
            await sleep(1000, signal);
            continue;
          }
          fatal ??= endpointDown(side, watches[side], error, { copied, planned });
          controller.abort(fatal);
          break;
        }
        flights.delete(flight);
        failed.push({ bucket: item.sourceBucket, key: item.key, code: err.code, message: err.message });
        const b = perBucket.get(item.sourceBucket);
        if (b) b.failed++;
        log.error(`${item.sourceBucket}/${item.key}: ${err.code}: ${err.message}`);
      }
      break;
    }
  });

  let cleanedUp = { deletedUnsealed: 0, abortedUploads: 0 };
  if (signal.aborted && flights.size > 0) {
    log.warn(`stopping: cleaning up ${flights.size} interrupted copy(ies)`);
    cleanedUp = await cleanUp(deps.target, flights, notSupported, reporter);
  }
  if (fatal) throw fatal;
  emit(true);
  const finished = now();
  for (const what of notSupported) log.debug(`not supported by the target endpoint: ${what}`);
  return {
    version: 1,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    interrupted: signal.aborted,
    planned,
    identical: plan.totals.identical,
    copied,
    failed,
    notStarted: Math.max(0, planned.count - copied.count - failed.length),
    multipart,
    retries,
    cleanedUp: {
      deletedUnsealed: cleanedUp.deletedUnsealed,
      abortedUploads: cleanedUp.abortedUploads + staleAborted,
    },
    notSupported: [...notSupported],
    buckets: [...perBucket.values()],
    settings: { concurrency, partSizeBytes, multipartThresholdBytes },
    confirmedBy: checksums ? 'target-checksum' : 'read-back',
    ...(plan.shard ? { shard: plan.shard } : {}),
  };
}

/** The run's end when an endpoint stayed down past the deadline, with what was done before. */
function endpointDown(
  side: Side,
  watch: OutageWatch,
  cause: unknown,
  done: { copied: Tally; planned: Tally },
): StorageError {
  return new StorageError(
    side === 'source' ? 'STORAGE_SOURCE_UNREACHABLE' : 'STORAGE_TARGET_UNREACHABLE',
    `${watch.what} did not answer for ${Math.round(watch.downForMs() / 1000)} s (${unreachableReason(cause)}); before that this run copied and sealed ${done.copied.count} of ${done.planned.count} object(s)`,
    {
      exit: 'environment',
      cause,
      details: { side, copied: done.copied.count, planned: done.planned.count },
      hint: `Check ${side === 'source' ? 'source.storage' : 'target.s3'}.endpoint and the network, then run the same command again: objects already copied and sealed are not copied twice.`,
    },
  );
}

const FATAL = new Set([
  'STORAGE_BAD_CREDENTIALS',
  'STORAGE_ACCESS_DENIED',
  'STORAGE_SOURCE_BUCKET_MISSING',
  'STORAGE_TARGET_BUCKET_MISSING',
  'STORAGE_TAGGING_UNSUPPORTED',
  'STORAGE_TARGET_NO_ETAG',
]);

export function isFatalCode(code: string): boolean {
  return FATAL.has(code);
}
