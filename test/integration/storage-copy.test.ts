/**
 * Storage phase against the sandbox's two s3rvers: plan → setup → copy → verify on the Aiuteur fixture,
 * then the special cases on buckets of the test's own (orphans, ghosts, odd keys, zero bytes, multipart,
 * metadata, a changed source, an unsealed target object), bad credentials, missing buckets and Ctrl-C.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { MemoryReporter } from '../../src/core/reporter.ts';
import { s3ClientFromConfig } from '../../src/core/s3-from-config.ts';
import {
  applyStorageCopy,
  copyStorageFromConfig,
  META_SHA256,
  META_SOURCE_ETAG,
  META_USER_METADATA,
  planStorageCopy,
  planStorageFromConfig,
  setupStorageFromConfig,
  TAG_SEALED_ETAG,
  TAG_SHA256,
  verifyStorageFromConfig,
} from '../../src/storage/index.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import {
  bytesFor,
  seedBucket,
  storageConfig,
  targetObjects,
  withAdmin,
  type TestObject,
} from './storage-helpers.ts';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let sb: TestSandbox;
before(async () => {
  sb = await getTestSandbox();
});

describe('storage: the Aiuteur fixture', () => {
  it('plans, sets up, copies and verifies every object; a second copy copies nothing', async () => {
    const config = sb.config({ bucketPrefix: sb.uniqueName('fx') });
    const plan = await planStorageFromConfig(config);
    const fixtureObjects = plan.totals.sourceObjects.count;
    assert.ok(fixtureObjects >= 100, `fixture has ${fixtureObjects} objects`);
    assert.equal(plan.totals.rows.count, fixtureObjects);
    assert.equal(plan.totals.toCopy.count, fixtureObjects);
    assert.deepEqual(
      [plan.totals.orphans.count, plan.totals.ghosts.count, plan.totals.identical.count],
      [0, 0, 0],
    );
    assert.ok(plan.buckets.every((b) => !b.targetExists));

    const setup = await setupStorageFromConfig(config);
    assert.ok(
      setup.buckets.every((b) => b.actions.find((a) => a.setting === 'bucket')?.status === 'created'),
    );
    const policy = setup.buckets[0]?.actions.find((a) => a.setting === 'bucket-policy');
    assert.equal(policy?.status, 'not-supported', 's3rver has no bucket policies: said so, not faked');
    assert.equal(setup.buckets[0]?.actions.find((a) => a.setting === 'cors')?.status, 'applied');
    const again = await setupStorageFromConfig(config);
    assert.ok(
      again.buckets.every((b) => b.actions.every((a) => a.status !== 'applied' && a.status !== 'created')),
      'setup is idempotent',
    );

    const reporter = new MemoryReporter();
    const run = await copyStorageFromConfig(config, {}, { reporter });
    assert.equal(run.result?.copied.count, fixtureObjects);
    assert.deepEqual(run.result?.failed, []);
    assert.ok(
      reporter.events.some(
        (e) => e.type === 'progress' && e.bytes !== undefined && e.totalBytes !== undefined,
      ),
    );

    const verify = await verifyStorageFromConfig(config);
    assert.equal(verify.ok, true);
    assert.equal(verify.totals.match, fixtureObjects);
    const deep = await verifyStorageFromConfig(config, { deep: true });
    assert.equal(deep.ok, true);
    assert.equal(
      deep.buckets.reduce((n, b) => n + b.checks.deepSha256, 0),
      fixtureObjects,
    );

    // Odd keys of the fixture: zero bytes, 1000-byte name, unicode, spaces, dots.
    const assets = await targetObjects(sb.targetS3, config.storage.buckets['asset-images']?.target as string);
    const keys = [...assets.keys()];
    assert.ok(
      keys.some((k) => Buffer.byteLength(k) === 1000),
      'the 1000-byte key',
    );
    assert.ok(keys.some((k) => k.includes('références/café 日本/été.png')));
    assert.ok(keys.some((k) => k.endsWith('dots..in..name...png')));
    const empty = [...assets.values()].find((o) => o.key.endsWith('empty placeholder.txt'));
    assert.equal(empty?.size, 0);
    assert.equal(empty?.metadata[META_SHA256], sha(Buffer.alloc(0)));

    const second = await copyStorageFromConfig(config);
    assert.equal(second.plan.totals.identical.count, fixtureObjects);
    assert.equal(second.result?.copied.count, 0);
  });
});

describe('storage: special cases on a bucket of our own', () => {
  const odd: TestObject[] = [
    {
      key: 'plain/one.png',
      size: 3000,
      contentType: 'image/png',
      cacheControl: 'max-age=60',
      userMetadata: { originalName: 'été.png' },
    },
    { key: 'with meta/x.bin', size: 10, metadata: { 'original-name': 'x' } },
    { key: 'zero/empty.txt', size: 0, contentType: 'text/plain' },
    { key: 'odd/a b+c&d=e,f;g:h@i$j%k.png', size: 100 },
    { key: 'odd/ünïcødé 日本語/ファイル.bin', size: 77 },
    { key: 'odd/dots..and  spaces .txt', size: 5 },
    { key: `odd/${'x'.repeat(200)}/${'y'.repeat(200)}.bin`, size: 9 },
    // Legal in S3, unsafe as paths: the stand-ins must neither write outside their directory nor die. (A key
    // with an empty segment, a//b, is refused by s3rver's router with a 404: not tested here.)
    { key: 'odd/../../../../../escaped-by-dotdot.bin', size: 11 },
    { key: 'odd/./dot/x.bin', size: 12 },
    { key: `odd/${'z'.repeat(300)}.bin`, size: 13 },
    { key: `odd/${'é'.repeat(200)}/after.bin`, size: 14 },
    { key: 'big/multipart.bin', size: 13 * MiB + 123, contentType: 'video/mp4' },
    { key: 'orphan/no-row.bin', size: 50, row: false },
    { key: 'ghost/no-bytes.bin', size: 60, object: false },
  ];

  it('copies odd keys, zero bytes and multipart objects with their metadata; lists orphans and ghosts', async () => {
    const db = await sb.freshSourceDb();
    const bucket = sb.uniqueName('src');
    const target = sb.uniqueName('tgt');
    await seedBucket(sb, db, bucket, odd);
    const config = storageConfig(sb, db, { [bucket]: target });
    await setupStorageFromConfig(config);

    const plan = await planStorageFromConfig(config);
    const b = plan.buckets[0];
    assert.deepEqual([b?.orphans.count, b?.ghosts.count, b?.toCopy.count], [1, 1, odd.length - 2]);
    assert.deepEqual(b?.orphans.sample, ['orphan/no-row.bin']);
    assert.deepEqual(b?.ghosts.sample, ['ghost/no-bytes.bin']);

    const source = s3ClientFromConfig(config.source.storage, { maxAttempts: 1 });
    const targetS3 = s3ClientFromConfig(config.target.s3, { maxAttempts: 1 });
    try {
      const result = await applyStorageCopy(plan, {
        source,
        target: targetS3,
        concurrency: 4,
        partSizeBytes: 5 * MiB,
        multipartThresholdBytes: 6 * MiB,
      });
      assert.deepEqual(result.failed, []);
      assert.equal(result.copied.count, odd.length - 2);
      assert.equal(result.multipart, 1);
    } finally {
      source.destroy();
      targetS3.destroy();
    }

    const objects = await targetObjects(sb.targetS3, target);
    for (const o of odd.filter((x) => x.row !== false && x.object !== false)) {
      const got = objects.get(o.key);
      assert.ok(got, `${o.key} copied`);
      assert.equal(got.size, o.size);
      assert.equal(got.sealed, sha(bytesFor(o.key, o.size)), `${o.key} sealed with its SHA-256`);
      assert.ok(got.metadata[META_SOURCE_ETAG]);
    }
    assert.equal(objects.has('orphan/no-row.bin'), false, 'orphans are not copied by default');
    for (const dir of [sb.state.dataDir, path.dirname(sb.state.dataDir), os.tmpdir()]) {
      assert.ok(
        !readdirSync(dir).some((name) => name.startsWith('escaped-by-dotdot')),
        `nothing written into ${dir}`,
      );
    }
    const one = await sb.targetS3.send(new GetObjectCommand({ Bucket: target, Key: 'plain/one.png' }));
    await one.Body?.transformToByteArray();
    assert.equal(one.ContentType, 'image/png');
    assert.equal(one.CacheControl, 'max-age=60');
    assert.deepEqual(JSON.parse(decodeURIComponent(one.Metadata?.[META_USER_METADATA] ?? '')), {
      originalName: 'été.png',
    });
    assert.equal(
      objects.get('with meta/x.bin')?.metadata['original-name'],
      'x',
      "the source's own metadata is kept",
    );
    const big = await sb.targetS3.send(new GetObjectCommand({ Bucket: target, Key: 'big/multipart.bin' }));
    assert.equal(
      sha(Buffer.from(await big.Body!.transformToByteArray())),
      sha(bytesFor('big/multipart.bin', 13 * MiB + 123)),
    );

    const verify = await verifyStorageFromConfig(config);
    assert.equal(verify.ok, true);
    assert.deepEqual(
      [verify.totals.match, verify.totals.orphans, verify.totals.ghosts],
      [odd.length - 2, 1, 1],
    );

    // Someone overwrites target objects (unsealed), and the app replaces a source object (new ETag). The
    // multipart one is sealed by tags, which s3rver (unlike S3) keeps across an overwrite: the new bytes,
    // of the same size, must not pass as sealed.
    await sb.targetS3.send(
      new PutObjectCommand({ Bucket: target, Key: 'odd/dots..and  spaces .txt', Body: 'tampered' }),
    );
    await sb.targetS3.send(
      new PutObjectCommand({
        Bucket: target,
        Key: 'big/multipart.bin',
        Body: bytesFor('big/multipart.bin', 13 * MiB + 123, 'tampered'),
      }),
    );
    const overwritten = (await targetObjects(sb.targetS3, target)).get('big/multipart.bin');
    assert.equal(
      overwritten?.tags?.[TAG_SHA256],
      sha(bytesFor('big/multipart.bin', 13 * MiB + 123)),
      "s3rver kept the old seal's tags",
    );
    assert.ok(overwritten?.tags?.[TAG_SEALED_ETAG], 'with the ETag of the object it sealed');
    assert.equal(overwritten?.sealed, undefined, 'which is not this object');
    const replaced = bytesFor('plain/one.png', 3000, 'v2');
    await sb.sourceS3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'plain/one.png',
        Body: replaced,
        ContentType: 'image/png',
      }),
    );
    const broken = await verifyStorageFromConfig(config);
    assert.equal(broken.ok, false);
    assert.deepEqual(broken.buckets[0]?.differ.sample.map((d) => [d.key, d.reason]).sort(), [
      ['big/multipart.bin', 'unverified'],
      ['odd/dots..and  spaces .txt', 'size'],
      ['plain/one.png', 'source-changed'],
    ]);
    const fix = await copyStorageFromConfig(config, { includeOrphans: true });
    assert.deepEqual(fix.plan.items.map((i) => [i.key, i.reason]).sort(), [
      ['big/multipart.bin', 'unverified'],
      ['odd/dots..and  spaces .txt', 'size-differs'],
      ['orphan/no-row.bin', 'orphan'],
      ['plain/one.png', 'source-changed'],
    ]);
    assert.equal(fix.result?.copied.count, 4);
    assert.equal((await verifyStorageFromConfig(config, { deep: true })).ok, true);
  });

  it('fails at once with a coded error on bad credentials and missing buckets', async () => {
    const db = await sb.freshSourceDb();
    const bucket = sb.uniqueName('src');
    await seedBucket(sb, db, bucket, [{ key: 'a.txt', size: 3 }]);
    const base = storageConfig(sb, db, { [bucket]: sb.uniqueName('tgt') });

    // s3rver checks the access key id but not SigV4 signatures: a wrong key id is what it can refuse
    // (SignatureDoesNotMatch maps to the same code: unit-tested).
    const badTarget = structuredClone(base);
    badTarget.target.s3.accessKeyId = 'AKIAWRONGWRONGWRONG1';
    await assert.rejects(
      planStorageFromConfig(badTarget),
      (e: { code?: string; exitCode?: number }) => e.code === 'STORAGE_BAD_CREDENTIALS' && e.exitCode === 4,
    );
    const badSource = structuredClone(base);
    badSource.source.storage.accessKeyId = 'AKIAWRONGWRONGWRONG0';
    await assert.rejects(
      planStorageFromConfig(badSource),
      (e: { code?: string; details?: { side?: string } }) =>
        e.code === 'STORAGE_BAD_CREDENTIALS' && e.details?.side === 'source',
    );

    const missingSource = storageConfig(sb, db, { [sb.uniqueName('nosuch')]: sb.uniqueName('tgt') });
    await assert.rejects(
      planStorageFromConfig(missingSource),
      (e: { code?: string; hint?: string }) => e.code === 'STORAGE_SOURCE_BUCKET_MISSING' && !!e.hint,
    );

    // The target bucket was never set up: copy refuses before moving a byte.
    await assert.rejects(
      copyStorageFromConfig(base),
      (e: { code?: string; hint?: string }) =>
        e.code === 'STORAGE_TARGET_BUCKET_MISSING' && /storage setup/.test(e.hint ?? ''),
    );
  });

  it('Ctrl-C stops cleanly: nothing unsealed is left under a final key, and a re-run finishes', async () => {
    const db = await sb.freshSourceDb();
    const bucket = sb.uniqueName('src');
    const target = sb.uniqueName('tgt');
    const objects = Array.from({ length: 40 }, (_, i) => ({
      key: `many/${String(i).padStart(3, '0')}.bin`,
      size: 300_000,
    }));
    await seedBucket(sb, db, bucket, objects);
    const config = storageConfig(sb, db, { [bucket]: target });
    await sb.targetS3.send(new CreateBucketCommand({ Bucket: target }));
    const source = s3ClientFromConfig(config.source.storage, { maxAttempts: 1 });
    const targetS3 = s3ClientFromConfig(config.target.s3, { maxAttempts: 1 });
    try {
      const plan = await withAdmin(db, (client) =>
        planStorageCopy({ db: client, source, target: targetS3, buckets: config.storage.buckets }),
      );
      const controller = new AbortController();
      const reporter = {
        emit: (e: { type: string; done?: number }) => {
          if (e.type === 'progress' && (e.done ?? 0) >= 10) controller.abort();
        },
      };
      const stopped = await applyStorageCopy(plan, {
        source,
        target: targetS3,
        concurrency: 4,
        signal: controller.signal,
        reporter,
      });
      assert.equal(stopped.interrupted, true);
      assert.ok(stopped.copied.count >= 10 && stopped.copied.count < objects.length);
      const after = await targetObjects(sb.targetS3, target);
      for (const o of after.values()) assert.ok(o.sealed, `${o.key} under its final key is sealed`);
      assert.equal(after.size, stopped.copied.count);

      const replan = await withAdmin(db, (client) =>
        planStorageCopy({ db: client, source, target: targetS3, buckets: config.storage.buckets }),
      );
      assert.equal(replan.totals.identical.count, stopped.copied.count);
      const finished = await applyStorageCopy(replan, { source, target: targetS3, concurrency: 4 });
      assert.equal(finished.copied.count, objects.length - stopped.copied.count);
    } finally {
      source.destroy();
      targetS3.destroy();
    }
    assert.equal((await verifyStorageFromConfig(config)).ok, true);
  });
});
