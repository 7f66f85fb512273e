import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { ListedObject, ObjectRow } from '../../src/storage/inventory.ts';
import {
  judgeTarget,
  META_SHA256,
  META_SOURCE_ETAG,
  sealedSha256,
  sealTags,
  type TargetHead,
} from '../../src/storage/object-meta.ts';
import { byCodePoint, diffBucket, keysToInspect, type DiffInput } from '../../src/storage/plan.ts';
import { fatalS3Error, isNotImplemented, objectS3Error } from '../../src/storage/s3-errors.ts';
import {
  digestStream,
  effectivePartSize,
  PartSplitter,
  partRanges,
  UploadBody,
} from '../../src/storage/streams.ts';

const SHA = 'a'.repeat(64);
const row = (key: string, size: number): ObjectRow => ({
  key,
  size,
  mimetype: 'image/png',
  cacheControl: 'max-age=3600',
  eTag: undefined,
  userMetadata: key === 'meta.png' ? { originalName: 'été.png' } : null,
});
const listed = (size: number, etag = '"e1"'): ListedObject => ({ size, etag, lastModified: undefined });
const sealed = (size: number, etag = 'e1'): TargetHead => ({
  size,
  metadata: { [META_SHA256]: SHA, [META_SOURCE_ETAG]: etag },
});

function input(overrides: Partial<DiffInput> = {}): DiffInput {
  return {
    source: 'images',
    mapping: { target: 'app-images', access: 'public-read' },
    rows: new Map([
      ['same.png', row('same.png', 10)],
      ['new.png', row('new.png', 20)],
      ['ghost.png', row('ghost.png', 5)],
      ['unsealed.png', row('unsealed.png', 7)],
      ['changed.png', row('changed.png', 8)],
      ['resized.png', row('resized.png', 9)],
      ['meta.png', row('meta.png', 1)],
      ['stale-row.png', row('stale-row.png', 999)],
    ]),
    sourceObjects: new Map([
      ['same.png', listed(10)],
      ['new.png', listed(20)],
      ['orphan.png', listed(30)],
      ['unsealed.png', listed(7)],
      ['changed.png', listed(8, '"e2"')],
      ['resized.png', listed(9)],
      ['meta.png', listed(1)],
      ['stale-row.png', listed(3)],
    ]),
    targetObjects: new Map([
      ['same.png', listed(10)],
      ['unsealed.png', listed(7)],
      ['changed.png', listed(8)],
      ['resized.png', listed(4)],
    ]),
    heads: new Map<string, TargetHead>([
      ['same.png', sealed(10)],
      ['unsealed.png', { size: 7, metadata: {} }],
      ['changed.png', sealed(8, 'e1')],
    ]),
    includeOrphans: false,
    ...overrides,
  };
}

describe('diffBucket', () => {
  it('sorts every key into identical, to copy (with the reason), orphans and ghosts', () => {
    const { plan, items } = diffBucket(input());
    assert.equal(plan.rows.count, 8);
    assert.equal(plan.sourceObjects.count, 8);
    assert.deepEqual([plan.identical.count, plan.identical.bytes], [1, 10]);
    assert.deepEqual(plan.orphans, { count: 1, bytes: 30, sample: ['orphan.png'] });
    assert.deepEqual(plan.ghosts, { count: 1, bytes: 5, sample: ['ghost.png'] });
    assert.deepEqual(plan.sizeMismatches, { count: 1, sample: ['stale-row.png'] });
    assert.deepEqual(plan.toCopy.byReason, {
      missing: 3,
      unverified: 1,
      'source-changed': 1,
      'size-differs': 1,
    });
    assert.deepEqual(
      items.map((i) => [i.key, i.reason, i.size]),
      [
        ['changed.png', 'source-changed', 8],
        ['meta.png', 'missing', 1],
        ['new.png', 'missing', 20],
        ['resized.png', 'size-differs', 9],
        ['stale-row.png', 'missing', 3],
        ['unsealed.png', 'unverified', 7],
      ],
    );
    const meta = items.find((i) => i.key === 'meta.png');
    assert.equal(meta?.contentType, 'image/png');
    assert.equal(meta?.userMetadata, encodeURIComponent(JSON.stringify({ originalName: 'été.png' })));
  });

  it('copies orphans only when asked; a missing target bucket means everything is missing', () => {
    const withOrphans = diffBucket(input({ includeOrphans: true }));
    assert.equal(withOrphans.items.find((i) => i.key === 'orphan.png')?.reason, 'orphan');
    const noBucket = diffBucket(input({ targetObjects: undefined, heads: new Map() }));
    assert.equal(noBucket.plan.targetExists, false);
    assert.equal(noBucket.items.length, 7);
  });

  it('with --deep, copies an object identical by its metadata whose bytes are not', () => {
    const deep = diffBucket(input({ deepDifferences: new Map([['same.png', 'sha256-source' as const]]) }));
    assert.equal(deep.plan.identical.count, 0);
    assert.equal(deep.items.find((i) => i.key === 'same.png')?.reason, 'sha256-source');
  });

  it('inspects only target keys whose size already matches', () => {
    assert.deepEqual(keysToInspect(input()).sort(), ['changed.png', 'same.png', 'unsealed.png']);
  });
});

describe('judgeTarget', () => {
  it('needs a seal, the size and the source ETag', () => {
    assert.equal(judgeTarget(undefined, { size: 1, etag: 'x' }), 'missing');
    assert.equal(
      judgeTarget({ size: 1, metadata: { [META_SHA256]: 'nothex' } }, { size: 1, etag: 'x' }),
      'unverified',
    );
    assert.equal(judgeTarget(sealed(2, 'x'), { size: 1, etag: '"x"' }), 'size-differs');
    assert.equal(judgeTarget(sealed(1, 'x'), { size: 1, etag: '"y"' }), 'source-changed');
    assert.equal(judgeTarget(sealed(1, 'x'), { size: 1, etag: '"x"' }), 'identical');
  });

  it('calls different what verify calls different: two plain MD5 ETags that differ (same seal, size, source ETag)', () => {
    const md5 = (c: string) => `"${c.repeat(32)}"`;
    const head = (etag: string): TargetHead => ({
      size: 1,
      metadata: { [META_SHA256]: SHA, [META_SOURCE_ETAG]: md5('a') },
      etag,
    });
    assert.equal(judgeTarget(head(md5('a')), { size: 1, etag: md5('a') }), 'identical');
    assert.equal(judgeTarget(head(md5('b')), { size: 1, etag: md5('a') }), 'md5-differs');
    assert.equal(
      judgeTarget(head(`"${'b'.repeat(32)}-2"`), { size: 1, etag: md5('a') }),
      'identical',
      'a multipart ETag is no MD5 of the bytes: only --deep can tell',
    );
  });

  it('takes a seal in tags only on the object whose ETag it names', () => {
    const sha = 'a'.repeat(64);
    const tags = Object.fromEntries(sealTags(sha, '"abc-3"').map((t) => [t.Key, t.Value]));
    const head = (etag: string, t: Record<string, string> = tags): TargetHead => ({
      size: 1,
      metadata: {},
      tags: t,
      etag,
    });
    assert.equal(sealedSha256(head('"abc-3"')), sha);
    assert.equal(judgeTarget(head('abc-3'), { size: 1, etag: undefined }), 'identical');
    assert.equal(
      judgeTarget(head('"def"'), { size: 1, etag: undefined }),
      'unverified',
      'tags left over from an object since replaced (a stand-in may keep them) do not seal the new one',
    );
    assert.equal(sealedSha256(head('"abc-3"', { ...tags, sha256: 'nothex' })), undefined);
    assert.equal(sealedSha256({ size: 1, metadata: {}, tags: { sha256: sha } }), undefined, 'no ETag named');
    assert.equal(
      sealedSha256({ size: 1, metadata: { [META_SHA256]: sha }, etag: '"zzz"' }),
      sha,
      'a metadata seal travels with the bytes it was PUT with',
    );
  });
});

describe('keys and errors', () => {
  it('orders keys by code point', () => {
    assert.deepEqual(['b', 'a/b', 'a-b', 'é', 'z'].sort(byCodePoint), ['a-b', 'a/b', 'b', 'z', 'é']);
  });

  it('classes S3 failures: credentials, access and missing buckets are fatal; 5xx retry', () => {
    assert.equal(
      fatalS3Error({ name: 'InvalidAccessKeyId' }, { side: 'source' })?.code,
      'STORAGE_BAD_CREDENTIALS',
    );
    assert.equal(
      fatalS3Error({ name: 'SignatureDoesNotMatch' }, { side: 'target' })?.code,
      'STORAGE_BAD_CREDENTIALS',
    );
    assert.equal(fatalS3Error({ name: 'AccessDenied' }, { side: 'target' })?.code, 'STORAGE_ACCESS_DENIED');
    assert.equal(
      fatalS3Error({ name: 'NoSuchBucket' }, { side: 'source', bucket: 'b' })?.code,
      'STORAGE_SOURCE_BUCKET_MISSING',
    );
    assert.equal(
      fatalS3Error({ name: 'NoSuchBucket' }, { side: 'target', bucket: 'b' })?.code,
      'STORAGE_TARGET_BUCKET_MISSING',
    );
    assert.equal(
      fatalS3Error({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } }, { side: 'target' }),
      undefined,
    );
    assert.equal(
      objectS3Error({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } }, { side: 'target' }).retryable,
      true,
    );
    assert.equal(objectS3Error({ code: 'ECONNRESET' }, { side: 'source' }).retryable, true);
    assert.equal(
      objectS3Error({ name: 'InvalidRange', $metadata: { httpStatusCode: 416 } }, { side: 'source' })
        .retryable,
      false,
    );
    assert.equal(isNotImplemented({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } }), true);
    assert.equal(isNotImplemented({ name: 'MethodNotAllowed', $metadata: { httpStatusCode: 405 } }), true);
    assert.equal(isNotImplemented({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }), false);
  });
});

describe('streams', () => {
  it('splits a stream into exact parts across chunk boundaries, hashing as it goes', async () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    const chunks = [data.subarray(0, 7), data.subarray(7, 500), data.subarray(500, 501), data.subarray(501)];
    const tap = new UploadBody({ awsChunked: false });
    const splitter = new PartSplitter(Readable.from(chunks).pipe(tap));
    const parts: Buffer[] = [];
    for (const range of partRanges(1000, 300)) {
      const bufs: Buffer[] = [];
      for await (const c of splitter.next(range.length)) bufs.push(c as Buffer);
      parts.push(Buffer.concat(bufs));
    }
    assert.deepEqual(
      parts.map((p) => p.length),
      [300, 300, 300, 100],
    );
    assert.deepEqual(Buffer.concat(parts), data);
    await assert.rejects(async () => {
      for await (const c of splitter.next(5)) void c;
    });
    assert.equal(tap.digest?.toString('hex'), createHash('sha256').update(data).digest('hex'));
  });

  it('digests a stream and sizes parts within S3 limits', async () => {
    const d = await digestStream(Readable.from([Buffer.from('ab'), Buffer.from('c')]));
    assert.deepEqual(d, { sha256: createHash('sha256').update('abc').digest('hex'), size: 3 });
    assert.deepEqual(partRanges(0, 5), []);
    assert.deepEqual(
      partRanges(10, 4).map((r) => [r.number, r.start, r.length]),
      [
        [1, 0, 4],
        [2, 4, 4],
        [3, 8, 2],
      ],
    );
    const MiB = 1024 * 1024;
    assert.equal(effectivePartSize(100 * MiB, 16 * MiB), 16 * MiB);
    const big = 500 * 1024 * MiB;
    const part = effectivePartSize(big, 16 * MiB);
    assert.ok(Math.ceil(big / part) <= 10_000 && part % MiB === 0);
  });
});
