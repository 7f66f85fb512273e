/**
 * The seal in a versioned bucket, which the sandbox's s3rver does not implement: S3 gives every write a new
 * version, so the seal (a copy onto itself) would leave the unsealed first write behind as a noncurrent
 * version. A stand-in for the S3 API with versions (documented behaviour: PutObject, CopyObject and
 * CompleteMultipartUpload return `VersionId`; DeleteObject with a `VersionId` removes that version for good)
 * checks that the copy deletes exactly that version, and only that one.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { copyOneObject, type InFlight } from '../../src/storage/copy-object.ts';
import { META_SHA256 } from '../../src/storage/object-meta.ts';
import type { CopyItem } from '../../src/storage/plan.ts';

interface Version {
  id: string;
  body: Buffer;
  metadata: Record<string, string>;
}

/** Just enough of a versioned S3 bucket for one object's copy. */
class VersionedS3 {
  versions: Version[] = [];
  deleted: string[] = [];
  private next = 1;
  constructor(private readonly refuseVersionDelete = false) {}

  private current(): Version {
    const v = this.versions.at(-1);
    if (!v)
      throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    return v;
  }

  private write(body: Buffer, metadata: Record<string, string>): Version {
    const v = { id: `v${this.next++}`, body, metadata };
    this.versions.push(v);
    return v;
  }

  async send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    const input = command.input;
    const etag = (v: Version) => `"${createHash('md5').update(v.body).digest('hex')}"`;
    switch (command.constructor.name) {
      case 'GetObjectCommand': {
        const v = this.current();
        return {
          Body: Readable.from([v.body]),
          ContentLength: v.body.length,
          ETag: etag(v),
          Metadata: v.metadata,
        };
      }
      case 'PutObjectCommand': {
        const chunks: Buffer[] = [];
        for await (const chunk of input.Body as AsyncIterable<Buffer>) chunks.push(chunk);
        const v = this.write(Buffer.concat(chunks), input.Metadata as Record<string, string>);
        return { ETag: etag(v), VersionId: v.id };
      }
      case 'CopyObjectCommand': {
        const from = this.current();
        assert.equal(input.CopySourceIfMatch, etag(from));
        assert.match(
          input.CopySource as string,
          new RegExp(`\\?versionId=${from.id}$`),
          'copies the version read back',
        );
        const v = this.write(from.body, input.Metadata as Record<string, string>);
        return { CopyObjectResult: { ETag: etag(v) }, VersionId: v.id };
      }
      case 'DeleteObjectCommand': {
        if (this.refuseVersionDelete)
          throw Object.assign(new Error('Access Denied'), {
            name: 'AccessDenied',
            $metadata: { httpStatusCode: 403 },
          });
        this.deleted.push(input.VersionId as string);
        this.versions = this.versions.filter((v) => v.id !== input.VersionId);
        return {};
      }
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

async function copy(target: VersionedS3, warnings: string[] = []) {
  const source = new VersionedS3();
  source.versions.push({ id: 's1', body, metadata: {} });
  const flight: InFlight = { item, wrote: false };
  return copyOneObject(
    item,
    {
      source: source as unknown as S3Client,
      target: target as unknown as S3Client,
      partSize: 16 * 1024 * 1024,
      multipartThreshold: 1024 ** 3,
      signal: new AbortController().signal,
      onWarning: (m) => warnings.push(m),
    },
    flight,
  );
}

describe('seal in a versioned bucket', () => {
  it('deletes the unsealed version the seal replaced, and keeps the sealed one', async () => {
    const target = new VersionedS3();
    const copied = await copy(target);
    assert.deepEqual(target.deleted, ['v1']);
    assert.equal(target.versions.length, 1);
    assert.equal(target.versions[0]?.id, 'v2');
    assert.equal(target.versions[0]?.metadata[META_SHA256], copied.sha256);
  });

  it('warns, and still counts the object copied, when deleting a version is not allowed', async () => {
    const target = new VersionedS3(true);
    const warnings: string[] = [];
    await copy(target, warnings);
    assert.equal(target.versions.length, 2);
    assert.match(warnings.join('\n'), /noncurrent version .*s3:DeleteObjectVersion/);
  });
});
