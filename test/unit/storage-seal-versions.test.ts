/**
 * The copy in a versioned bucket, which the sandbox's s3rver does not implement. A stand-in for the S3 API
 * with versions (documented behaviour: PutObject returns the `VersionId` it created; PutObjectTagging with a
 * `VersionId` sets the tags of that version and creates none; DeleteObject with a `VersionId` removes that
 * version for good, without one it adds a delete marker) checks that the copy seals exactly the version it
 * wrote and read back, and leaves no version behind when it removes what it wrote.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { isSupa2awsError } from '../../src/core/errors.ts';
import { applyStorageCopy } from '../../src/storage/apply.ts';
import { copyOneObject, type InFlight } from '../../src/storage/copy-object.ts';
import { sealedSha256 } from '../../src/storage/object-meta.ts';
import type { CopyItem, StoragePlan } from '../../src/storage/plan.ts';

interface Version {
  id: string;
  body: Buffer;
  metadata: Record<string, string>;
  tags: Record<string, string>;
  deleteMarker?: boolean;
}

const etag = (v: Version) => `"${createHash('md5').update(v.body).digest('hex')}"`;

/** Just enough of a versioned S3 bucket for one object's copy. */
class VersionedS3 {
  versions: Version[] = [];
  private next = 1;
  /** Runs once, right after the first GET of the target (the read-back): another writer's PUT. */
  afterReadBack?: () => void;
  /** The next GET sends bytes other than those stored (a corrupting proxy). */
  corruptNextRead = false;

  constructor(private readonly refuseTagging = false) {}

  private current(): Version {
    const v = this.versions.at(-1);
    if (!v || v.deleteMarker)
      throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    return v;
  }

  write(body: Buffer, metadata: Record<string, string> = {}): Version {
    const v = { id: `v${this.next++}`, body, metadata, tags: {} };
    this.versions.push(v);
    return v;
  }

  async send(
    command: { constructor: { name: string }; input: Record<string, unknown> },
    options?: { abortSignal?: AbortSignal },
  ): Promise<unknown> {
    const input = command.input;
    if (options?.abortSignal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    switch (command.constructor.name) {
      case 'GetObjectCommand': {
        const v = this.current();
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
        for await (const chunk of input.Body as AsyncIterable<Buffer>) chunks.push(chunk);
        const v = this.write(Buffer.concat(chunks), input.Metadata as Record<string, string>);
        return { ETag: etag(v), VersionId: v.id };
      }
      case 'PutObjectTaggingCommand': {
        if (this.refuseTagging)
          throw Object.assign(new Error('Access Denied'), {
            name: 'AccessDenied',
            $metadata: { httpStatusCode: 403 },
          });
        const v = input.VersionId ? this.versions.find((x) => x.id === input.VersionId) : this.current();
        if (!v) throw Object.assign(new Error('NoSuchVersion'), { name: 'NoSuchVersion' });
        const tagSet = (input.Tagging as { TagSet: Array<{ Key: string; Value: string }> }).TagSet;
        v.tags = Object.fromEntries(tagSet.map((t) => [t.Key, t.Value]));
        return { VersionId: v.id };
      }
      case 'DeleteObjectCommand': {
        if (input.VersionId) this.versions = this.versions.filter((v) => v.id !== input.VersionId);
        else
          this.versions.push({
            id: `v${this.next++}`,
            body: Buffer.alloc(0),
            metadata: {},
            tags: {},
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

function sourceWithBody(): VersionedS3 {
  const source = new VersionedS3();
  source.write(body);
  return source;
}

async function copy(target: VersionedS3) {
  const source = sourceWithBody();
  const flight: InFlight = { item, wrote: false };
  return copyOneObject(
    item,
    {
      source: source as unknown as S3Client,
      target: target as unknown as S3Client,
      partSize: 16 * 1024 * 1024,
      multipartThreshold: 1024 ** 3,
      signal: new AbortController().signal,
      backoff: () => 0,
    },
    flight,
  );
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

  it('stops with a hint naming the permission when tagging is refused', async () => {
    const error = await copy(new VersionedS3(true)).then(
      () => assert.fail('the copy should fail'),
      (e: unknown) => e,
    );
    assert.ok(isSupa2awsError(error));
    assert.equal(error.code, 'STORAGE_ACCESS_DENIED');
    assert.match(error.hint ?? '', /s3:PutObjectTagging/);
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
    const controller = new AbortController();
    target.afterReadBack = () => controller.abort();
    const plan = {
      items: [item],
      buckets: [{ source: item.sourceBucket, target: item.targetBucket }],
      totals: { identical: { count: 0, bytes: 0 } },
    } as unknown as StoragePlan;
    const result = await applyStorageCopy(plan, {
      source: sourceWithBody() as unknown as S3Client,
      target: target as unknown as S3Client,
      signal: controller.signal,
    });
    assert.equal(result.interrupted, true);
    assert.equal(result.cleanedUp.deletedUnsealed, 1);
    assert.deepEqual(target.versions, [], 'nothing left: no noncurrent version, no delete marker');
  });
});
