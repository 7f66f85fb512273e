/**
 * The copy in a versioned bucket, which the sandbox's s3rver does not implement. A stand-in for the S3 API
 * with versions (documented behaviour: PutObject and CompleteMultipartUpload return the `VersionId` they
 * created; GetObject, HeadObject and the tagging calls with a `VersionId` act on that version;
 * PutObjectTagging sets tags and creates no version; DeleteObject with a `VersionId` removes that version for
 * good and needs s3:DeleteObjectVersion, without one it adds a delete marker) checks that the copy seals
 * exactly the version it wrote and read back, and leaves no version behind when it removes what it wrote.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { isSupa2awsError } from '../../src/core/errors.ts';
import { applyStorageCopy } from '../../src/storage/apply.ts';
import { copyOneObject, type InFlight } from '../../src/storage/copy/index.ts';
import { headTarget } from '../../src/storage/inventory.ts';
import { sealedSha256 } from '../../src/storage/object-meta.ts';
import type { CopyItem, StoragePlan } from '../../src/storage/plan.ts';

interface Version {
  id: string;
  body: Buffer;
  metadata: Record<string, string>;
  tags: Record<string, string>;
  etag: string;
  deleteMarker?: boolean;
}

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const etag = (v: Version) => v.etag;

const s3Error = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

interface StandInOptions {
  /** PutObjectTagging answers 403. */
  refuseTagging?: boolean;
  /** PutObjectTagging and GetObjectTagging answer 501, as an endpoint without tagging does. */
  noTagging?: boolean;
  /** DeleteObject with a VersionId answers 403 (no s3:DeleteObjectVersion). */
  refuseVersionDelete?: boolean;
  /** The first PutObjectTagging answers 409 OperationAborted (a conflicting request on the key). */
  conflictOnce?: boolean;
  /** Writes return no VersionId, as in a bucket without versioning. */
  unversioned?: boolean;
  /** HeadObject answers 403. */
  refuseHead?: boolean;
}

/** Just enough of a versioned S3 bucket for one object's copy. */
class VersionedS3 {
  versions: Version[] = [];
  private next = 1;
  /** Runs once, right after the first GET of the target (the read-back): another writer's PUT. */
  afterReadBack?: () => void;
  /** The next GET sends bytes other than those stored (a corrupting proxy). */
  corruptNextRead = false;
  /** Runs once, right after the next PUT: another writer's PUT before the read-back. */
  afterPut?: () => void;
  /** Runs on each PutObjectTagging, before it answers. */
  onTagging?: () => void;

  /** Every call, by command name, with its input. */
  calls: Array<{ name: string; input: Record<string, unknown> }> = [];
  private uploads = new Map<string, Map<number, Buffer>>();

  constructor(private readonly options: StandInOptions = {}) {}

  /** How many calls of one command (`PutObjectTagging`...) the stand-in took. */
  count(command: string): number {
    return this.calls.filter((c) => c.name === `${command}Command`).length;
  }

  private current(): Version {
    const v = this.versions.at(-1);
    if (!v || v.deleteMarker) throw s3Error('NoSuchKey', 404);
    return v;
  }

  private version(id: unknown): Version {
    if (id === undefined) return this.current();
    const v = this.versions.find((x) => x.id === id && !x.deleteMarker);
    if (!v) throw s3Error('NoSuchVersion', 404);
    return v;
  }

  write(body: Buffer, metadata: Record<string, string> = {}, etag = `"${md5(body)}"`): Version {
    const v = { id: `v${this.next++}`, body, metadata, tags: {}, etag };
    this.versions.push(v);
    return v;
  }

  async send(
    command: { constructor: { name: string }; input: Record<string, unknown> },
    options?: { abortSignal?: AbortSignal },
  ): Promise<unknown> {
    const input = command.input;
    if (options?.abortSignal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    this.calls.push({ name: command.constructor.name, input });
    switch (command.constructor.name) {
      case 'HeadObjectCommand': {
        if (this.options.refuseHead) throw s3Error('AccessDenied', 403);
        const v = this.current();
        return { ContentLength: v.body.length, Metadata: v.metadata, ETag: etag(v), VersionId: v.id };
      }
      case 'GetObjectTaggingCommand': {
        if (this.options.noTagging) throw s3Error('NotImplemented', 501);
        const v = this.version(input.VersionId);
        return { TagSet: Object.entries(v.tags).map(([Key, Value]) => ({ Key, Value })) };
      }
      case 'GetObjectCommand': {
        const v = this.version(input.VersionId);
        if (input.IfMatch !== undefined && input.IfMatch !== v.etag) throw s3Error('PreconditionFailed', 412);
        const bytes = this.corruptNextRead ? Buffer.alloc(v.body.length, 1) : v.body;
        this.corruptNextRead = false;
        const out = { Body: Readable.from([bytes]), ContentLength: v.body.length, ETag: etag(v) };
        const after = this.afterReadBack;
        this.afterReadBack = undefined;
        after?.();
        return out;
      }
      case 'PutObjectCommand': {
        const chunks: Buffer[] = [];
        if (Buffer.isBuffer(input.Body)) chunks.push(input.Body);
        else for await (const chunk of input.Body as AsyncIterable<Buffer>) chunks.push(chunk);
        const v = this.write(Buffer.concat(chunks), input.Metadata as Record<string, string>);
        const after = this.afterPut;
        this.afterPut = undefined;
        after?.();
        return { ETag: etag(v), ...(this.options.unversioned ? {} : { VersionId: v.id }) };
      }
      case 'CreateMultipartUploadCommand': {
        const id = `u${this.uploads.size + 1}`;
        this.uploads.set(id, new Map());
        return { UploadId: id };
      }
      case 'UploadPartCommand': {
        const chunks: Buffer[] = [];
        if (Buffer.isBuffer(input.Body)) chunks.push(input.Body);
        else for await (const chunk of input.Body as AsyncIterable<Buffer>) chunks.push(chunk);
        const part = Buffer.concat(chunks);
        this.uploads.get(input.UploadId as string)?.set(input.PartNumber as number, part);
        return { ETag: `"${md5(part)}"` };
      }
      case 'CompleteMultipartUploadCommand': {
        const parts = this.uploads.get(input.UploadId as string) ?? new Map<number, Buffer>();
        this.uploads.delete(input.UploadId as string);
        const numbers = [...parts.keys()].sort((a, b) => a - b);
        const whole = Buffer.concat(numbers.map((n) => parts.get(n) as Buffer));
        const v = this.write(whole, {}, `"${md5(whole)}-${numbers.length}"`);
        return { ETag: v.etag, VersionId: v.id };
      }
      case 'PutObjectTaggingCommand': {
        this.onTagging?.();
        if (this.options.noTagging) throw s3Error('NotImplemented', 501);
        if (this.options.refuseTagging) throw s3Error('AccessDenied', 403);
        if (this.options.conflictOnce) {
          this.options.conflictOnce = false;
          throw s3Error('OperationAborted', 409);
        }
        const v = this.version(input.VersionId);
        const tagSet = (input.Tagging as { TagSet: Array<{ Key: string; Value: string }> }).TagSet;
        v.tags = Object.fromEntries(tagSet.map((t) => [t.Key, t.Value]));
        return { VersionId: v.id };
      }
      case 'DeleteObjectCommand': {
        if (input.VersionId && this.options.refuseVersionDelete) throw s3Error('AccessDenied', 403);
        if (input.VersionId) this.versions = this.versions.filter((v) => v.id !== input.VersionId);
        else
          this.versions.push({
            id: `v${this.next++}`,
            body: Buffer.alloc(0),
            metadata: {},
            tags: {},
            etag: '',
            deleteMarker: true,
          });
        return {};
      }
      case 'HeadBucketCommand':
        return {};
      case 'ListMultipartUploadsCommand':
        return { Uploads: [] };
      default:
        throw new Error(`not in this stand-in: ${command.constructor.name}`);
    }
  }
}

const body = Buffer.alloc(3 * 1024 * 1024, 7);
const item: CopyItem = {
  sourceBucket: 'videos',
  targetBucket: 'aiuteur-videos',
  key: 'a/b.mp4',
  size: body.length,
  sourceEtag: undefined,
  reason: 'missing',
};

/** An object of 1,000 bytes: read whole and sealed by its one PUT. */
const smallItem: CopyItem = { ...item, size: 1000 };

/** A source holding the bytes of `one`. */
function sourceFor(one: CopyItem): VersionedS3 {
  const source = new VersionedS3();
  source.write(body.subarray(0, one.size));
  return source;
}

async function copy(
  target: VersionedS3,
  options: { multipart?: boolean; warnings?: string[]; attempts?: number; small?: boolean } = {},
) {
  const copied = options.small ? smallItem : item;
  const flight: InFlight = { item: copied, wrote: false };
  return copyOneObject(
    copied,
    {
      ...(options.attempts ? { attempts: options.attempts } : {}),
      source: sourceFor(copied) as unknown as S3Client,
      target: target as unknown as S3Client,
      partSize: options.multipart ? 1024 * 1024 : 16 * 1024 * 1024,
      multipartThreshold: options.multipart ? 2 * 1024 * 1024 : 1024 ** 3,
      signal: new AbortController().signal,
      backoff: () => 0,
      onWarning: (m) => options.warnings?.push(m),
    },
    flight,
  );
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('the copy should fail'),
    (e: unknown) => e,
  );

const planOf = (one: CopyItem) =>
  ({
    items: [one],
    buckets: [{ source: one.sourceBucket, target: one.targetBucket }],
    totals: { identical: { count: 0, bytes: 0 } },
  }) as unknown as StoragePlan;

/**
 * Runs `storage copy` of `one` through the apply loop (and its clean-up) with a Ctrl-C: when `stop` is
 * called, or else at the first wait before a retry.
 */
function copyThenStop(target: VersionedS3, one: CopyItem, stopAt?: (stop: () => void) => void) {
  const controller = new AbortController();
  const stop = () => controller.abort();
  stopAt?.(stop);
  return applyStorageCopy(planOf(one), {
    source: sourceFor(one) as unknown as S3Client,
    target: target as unknown as S3Client,
    signal: controller.signal,
    backoff: () => {
      stop();
      return 60_000;
    },
  });
}

const headOf = (v: Version) => ({ size: v.body.length, metadata: v.metadata, tags: v.tags, etag: etag(v) });

describe('seal in a versioned bucket', () => {
  it('tags the version it wrote and read back, and adds no version', async () => {
    const target = new VersionedS3();
    const copied = await copy(target);
    assert.equal(target.versions.length, 1, 'no second copy of the bytes');
    const [v] = target.versions as [Version];
    assert.equal(sealedSha256(headOf(v)), copied.sha256);
    assert.equal(copied.sha256, createHash('sha256').update(body).digest('hex'));
  });

  it('seals the version it verified even when another writer puts a newer one meanwhile', async () => {
    const target = new VersionedS3();
    target.afterReadBack = () => target.write(Buffer.from('someone else'));
    await copy(target);
    const [mine, theirs] = target.versions as [Version, Version];
    assert.ok(sealedSha256(headOf(mine)), 'the verified version is sealed');
    assert.equal(sealedSha256(headOf(theirs)), undefined, 'the newer, unverified one is not');
  });

  it('reads back the very version its PUT created', async () => {
    const target = new VersionedS3();
    await copy(target);
    const read = target.calls.find((c) => c.name === 'GetObjectCommand');
    assert.equal(read?.input.VersionId, 'v1');
    assert.equal(read?.input.IfMatch, etag(target.versions[0] as Version));
  });

  it('stops with a hint naming the permission when tagging is refused', async () => {
    const target = new VersionedS3({ refuseTagging: true });
    const error = await failure(copy(target));
    assert.ok(isSupa2awsError(error));
    assert.equal(error.code, 'STORAGE_ACCESS_DENIED');
    assert.match(error.hint ?? '', /s3:PutObjectTagging/);
    assert.deepEqual(target.versions, [], 'the unsealed version it wrote is removed');
  });

  it('removes the version that read back wrong before it tries again', async () => {
    const target = new VersionedS3();
    target.corruptNextRead = true;
    const copied = await copy(target);
    assert.equal(copied.attempts, 2);
    assert.deepEqual(
      target.versions.map((v) => v.id),
      ['v2'],
      'the first write is gone for good, not hidden behind a delete marker',
    );
    assert.equal(sealedSha256(headOf(target.versions[0] as Version)), copied.sha256);
  });

  it('after a Ctrl-C removes the very version it wrote, leaving no delete marker', async () => {
    const target = new VersionedS3();
    const result = await copyThenStop(target, item, (stop) => (target.afterReadBack = stop));
    assert.equal(result.interrupted, true);
    assert.equal(result.cleanedUp.deletedUnsealed, 1);
    assert.deepEqual(target.versions, [], 'nothing left: no noncurrent version, no delete marker');
  });
  it('tries the seal again after S3 answers OperationAborted', async () => {
    const target = new VersionedS3({ conflictOnce: true });
    const copied = await copy(target);
    assert.equal(target.count('PutObjectTagging'), 2);
    assert.equal(sealedSha256(headOf(target.versions[0] as Version)), copied.sha256);
  });

  it('stops with STORAGE_TAGGING_UNSUPPORTED on an endpoint without tagging', async () => {
    const error = await failure(copy(new VersionedS3({ noTagging: true })));
    assert.ok(isSupa2awsError(error));
    assert.equal(error.code, 'STORAGE_TAGGING_UNSUPPORTED');
    assert.equal(error.exitCode, 3, 'exit code: environment');
  });

  it('multipart: a completed upload that read back wrong is removed by version before it is sent again', async () => {
    const target = new VersionedS3();
    target.corruptNextRead = true;
    const copied = await copy(target, { multipart: true });
    assert.equal(copied.multipart, true);
    assert.equal(copied.parts, 3);
    assert.deepEqual(
      target.versions.map((v) => v.id),
      ['v2'],
    );
    assert.equal(sealedSha256(headOf(target.versions[0] as Version)), copied.sha256);
  });

  it('without s3:DeleteObjectVersion, removes by key and says what is left behind', async () => {
    const target = new VersionedS3({ refuseVersionDelete: true });
    target.corruptNextRead = true;
    const warnings: string[] = [];
    const copied = await copy(target, { warnings });
    assert.deepEqual(
      target.versions.map((v) => [v.id, Boolean(v.deleteMarker)]),
      [
        ['v1', false],
        ['v2', true],
        ['v3', false],
      ],
      'the bad write is hidden behind a delete marker, the new one is current',
    );
    assert.equal(sealedSha256(headOf(target.versions[2] as Version)), copied.sha256);
    assert.equal(sealedSha256(headOf(target.versions[0] as Version)), undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /deleting version v1, .* was refused; .* behind a delete marker/);
  });

  it('without s3:DeleteObjectVersion, never hides a newer version of another writer behind a delete marker', async () => {
    const target = new VersionedS3({ refuseVersionDelete: true });
    target.corruptNextRead = true;
    target.afterReadBack = () => target.write(Buffer.from('someone else'));
    const warnings: string[] = [];
    await copy(target, { warnings });
    assert.deepEqual(
      target.versions.map((v) => [v.id, Boolean(v.deleteMarker)]),
      [
        ['v1', false],
        ['v2', false],
        ['v3', false],
      ],
      'no delete marker: v2 (theirs) was current when v1 could not be removed',
    );
    assert.match(
      warnings[0] ?? '',
      /deleting version v1, .*; it stays as a noncurrent version \(it is not the current one\)/,
    );
  });

  it('a multipart copy that fails on its last attempt leaves no version behind', async () => {
    const target = new VersionedS3();
    target.corruptNextRead = true;
    const error = await failure(copy(target, { multipart: true, attempts: 1 }));
    assert.ok(isSupa2awsError(error));
    assert.equal(error.code, 'STORAGE_CHECKSUM_MISMATCH');
    assert.deepEqual(target.versions, []);
  });

  it('a small object replaced before its read-back is not deleted by key: the copy writes again', async () => {
    const target = new VersionedS3({ unversioned: true });
    target.afterPut = () => target.write(Buffer.from('someone else'));
    const copied = await copy(target, { small: true });
    assert.equal(copied.attempts, 2, 'the If-Match read-back answered 412: STORAGE_TARGET_CHANGED, retried');
    assert.equal(target.count('DeleteObject'), 0);
    assert.equal(sealedSha256(headOf(target.versions.at(-1) as Version)), copied.sha256);
  });

  it('an endpoint without tagging stops the run before any object is sent', async () => {
    const target = new VersionedS3({ noTagging: true });
    const error = await failure(
      applyStorageCopy(planOf(item), {
        source: sourceFor(item) as unknown as S3Client,
        target: target as unknown as S3Client,
        signal: new AbortController().signal,
      }),
    );
    assert.ok(isSupa2awsError(error));
    assert.equal(error.code, 'STORAGE_TAGGING_UNSUPPORTED');
    assert.deepEqual(
      target.calls.map((c) => c.name),
      ['HeadBucketCommand', 'GetObjectTaggingCommand'],
    );
  });

  it('without s3:DeleteObjectVersion, and no way to see the current version, deletes nothing by key', async () => {
    const target = new VersionedS3({ refuseVersionDelete: true, refuseHead: true });
    target.corruptNextRead = true;
    const warnings: string[] = [];
    await copy(target, { warnings });
    assert.equal(target.versions.filter((v) => v.deleteMarker).length, 0);
    assert.match(warnings[0] ?? '', /whether it is still current could not be checked \(AccessDenied\)/);
  });

  it('a Ctrl-C while a replaced small object waits to be written again deletes nothing by key', async () => {
    const target = new VersionedS3({ unversioned: true });
    target.afterPut = () => target.write(Buffer.from('someone else'));
    const result = await copyThenStop(target, smallItem);
    assert.equal(result.interrupted, true);
    assert.equal(target.count('DeleteObject'), 0);
    assert.equal(target.versions.at(-1)?.body.toString(), 'someone else', "the other writer's object stays");
  });

  it('a Ctrl-C while the seal waits to retry removes the version it wrote', async () => {
    const target = new VersionedS3({ conflictOnce: true });
    const result = await copyThenStop(target, item);
    assert.equal(result.interrupted, true);
    assert.equal(target.count('PutObjectTagging'), 1);
    assert.deepEqual(target.versions, []);
  });
});

describe('headTarget on a versioned bucket', () => {
  it('reads the tags of the version the HEAD saw', async () => {
    const target = new VersionedS3();
    const copied = await copy(target);
    const head = await headTarget(target as unknown as S3Client, item.targetBucket, item.key);
    assert.ok(head);
    assert.equal(sealedSha256(head), copied.sha256);
    const tagging = target.calls.filter((c) => c.name === 'GetObjectTaggingCommand');
    assert.deepEqual(
      tagging.map((c) => c.input.VersionId),
      ['v1'],
    );
  });

  it('reads no tags when the metadata carries the seal', async () => {
    const target = new VersionedS3();
    target.write(Buffer.from('small'), { sha256: createHash('sha256').update('small').digest('hex') });
    const head = await headTarget(target as unknown as S3Client, item.targetBucket, item.key);
    assert.ok(head && sealedSha256(head));
    assert.equal(target.count('GetObjectTagging'), 0);
  });

  it('says the endpoint has no tagging, at once (a 501 is not retried)', async () => {
    const target = new VersionedS3({ noTagging: true });
    target.write(body);
    const error = await failure(headTarget(target as unknown as S3Client, item.targetBucket, item.key));
    assert.ok(isSupa2awsError(error));
    assert.equal(error.code, 'STORAGE_TAGGING_UNSUPPORTED');
    assert.equal(target.count('GetObjectTagging'), 1);
  });
});
