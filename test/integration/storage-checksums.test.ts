/**
 * `storage copy` / `storage verify` against a target that checks and keeps SHA-256 checksums. s3rver ignores
 * checksums, so the target here is test/helpers/s3-checksum-stand-in.ts: a stand-in of the documented S3
 * checksum API (x-amz-checksum-sha256 as header or aws-chunked trailer, composite checksums of multipart
 * uploads, HeadObject checksum mode), not S3 itself. The source is the sandbox's s3rver.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { s3ClientFromConfig } from '../../src/core/s3-from-config.ts';
import { copyStorageFromConfig, verifyStorageFromConfig } from '../../src/storage/index.ts';
import { startS3ChecksumStandIn, type S3ChecksumStandIn } from '../helpers/s3-checksum-stand-in.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { bytesFor, seedBucket, storageConfig } from './storage-helpers.ts';

const MiB = 1024 * 1024;
const OBJECTS = [
  { key: 'small.bin', size: 100_000 },
  { key: 'streamed.bin', size: 2 * MiB + 7 },
  { key: 'multipart.bin', size: 12 * MiB + 3 },
];
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let sb: TestSandbox;
let standIn: S3ChecksumStandIn;
before(async () => {
  sb = await getTestSandbox();
  standIn = await startS3ChecksumStandIn();
});
after(() => standIn.close());

async function setUp(objects = OBJECTS) {
  const db = await sb.freshSourceDb();
  const bucket = sb.uniqueName('src');
  const target = sb.uniqueName('tgt');
  await seedBucket(sb, db, bucket, objects);
  const config = storageConfig(sb, db, { [bucket]: target });
  config.target.s3 = { ...config.target.s3, endpoint: standIn.endpoint, s3rver: false };
  const client = s3ClientFromConfig(config.target.s3);
  await client.send(new CreateBucketCommand({ Bucket: target }));
  client.destroy();
  return { config, target };
}
const options = { concurrency: 2, partSizeMiB: 5, multipartThresholdMiB: 6 };

describe('storage copy and verify with target checksums (stand-in of the S3 checksum API)', () => {
  it('GIVEN an endpoint that checks checksums WHEN copying THEN every PUT and part carries a SHA-256, nothing is read back, verify checks the checksum kept', async () => {
    const { config, target } = await setUp();
    const gets = standIn.counts.get;
    const heads = standIn.counts.checksumHeads;
    const { result } = await copyStorageFromConfig(config, options);
    assert.equal(result?.confirmedBy, 'target-checksum', 'the probe found the endpoint checks checksums');
    assert.deepEqual(result?.failed, []);
    assert.equal(result?.copied.count, OBJECTS.length);
    assert.equal(standIn.counts.get, gets, 'no object was read back');
    assert.equal(
      standIn.counts.checksumHeads - heads,
      1,
      'the PUTs were confirmed by their answers, the multipart upload by HeadObject',
    );
    for (const o of OBJECTS) {
      const kept = standIn.object(target, o.key);
      assert.equal(sha(kept!.body), sha(bytesFor(o.key, o.size)), `${o.key} holds the source's bytes`);
      assert.equal(kept?.checksumType, o.key === 'multipart.bin' ? 'COMPOSITE' : 'FULL_OBJECT');
    }
    const verify = await verifyStorageFromConfig(config);
    assert.equal(verify.ok, true);
    assert.equal(verify.buckets[0]?.checks.targetChecksum, OBJECTS.length);
  });

  it('GIVEN an endpoint that checks checksums but does not answer a PUT with one WHEN copying THEN each object is confirmed by HeadObject', async () => {
    const { config, target } = await setUp();
    const heads = standIn.counts.checksumHeads;
    standIn.answerPutChecksums(false);
    try {
      const { result } = await copyStorageFromConfig(config, options);
      assert.deepEqual(result?.failed, []);
      assert.equal(result?.copied.count, OBJECTS.length);
    } finally {
      standIn.answerPutChecksums(true);
    }
    assert.equal(standIn.counts.checksumHeads - heads, OBJECTS.length);
    for (const o of OBJECTS)
      assert.equal(sha(standIn.object(target, o.key)!.body), sha(bytesFor(o.key, o.size)));
    assert.equal((await verifyStorageFromConfig(config)).ok, true);
  });

  it('GIVEN a part and a PUT corrupted on the way WHEN copying THEN the target refuses them and the copy sends them again', async () => {
    const { config, target } = await setUp();
    const refused = standIn.counts.refused;
    standIn.corruptNext('multipart.bin', 2);
    standIn.corruptNext('streamed.bin');
    const { result } = await copyStorageFromConfig(config, options);
    // The probe's own PUT is refused too: 1 + the two corrupted uploads.
    assert.equal(standIn.counts.refused - refused, 3);
    assert.deepEqual(result?.failed, []);
    assert.ok((result?.retries ?? 0) >= 2, `retried (${result?.retries})`);
    for (const o of OBJECTS)
      assert.equal(sha(standIn.object(target, o.key)!.body), sha(bytesFor(o.key, o.size)));
    assert.equal((await verifyStorageFromConfig(config)).ok, true);
  });

  it('GIVEN bytes changed under an unchanged ETag WHEN verifying without --deep THEN the checksum the target keeps names the object, and copy repairs it', async () => {
    const { config, target } = await setUp();
    await copyStorageFromConfig(config, options);
    standIn.replaceBytes(target, 'small.bin', bytesFor('other', 100_000));
    const verify = await verifyStorageFromConfig(config);
    assert.equal(verify.ok, false);
    assert.deepEqual(verify.buckets[0]?.differ.sample, [{ key: 'small.bin', reason: 'checksum' }]);
    const again = await copyStorageFromConfig(config, options);
    assert.equal(again.result?.copied.count, 1);
    assert.equal((await verifyStorageFromConfig(config)).ok, true);
  });

  it('GIVEN --read-back WHEN copying THEN every object is read back all the same', async () => {
    const { config } = await setUp();
    const gets = standIn.counts.get;
    const { result } = await copyStorageFromConfig(config, { ...options, readBack: true });
    assert.equal(result?.confirmedBy, 'read-back');
    assert.equal(standIn.counts.get - gets, OBJECTS.length);
  });

  it('GIVEN a six-part object and a target slow to answer each part WHEN copying THEN parts are sent side by side, never more than four at once, and the object verifies', async () => {
    const big = { key: 'big.bin', size: 26 * MiB + 11 };
    const { config, target } = await setUp([big]);
    standIn.counts.partsAtOnce = 0;
    standIn.slowParts(300);
    try {
      const { result } = await copyStorageFromConfig(config, options);
      assert.deepEqual(result?.failed, []);
    } finally {
      standIn.slowParts(0);
    }
    assert.ok(standIn.counts.partsAtOnce >= 2, `parts at once: ${standIn.counts.partsAtOnce}`);
    assert.ok(standIn.counts.partsAtOnce <= 4, `parts at once: ${standIn.counts.partsAtOnce}`);
    assert.equal(sha(standIn.object(target, big.key)!.body), sha(bytesFor(big.key, big.size)));
    assert.equal((await verifyStorageFromConfig(config)).ok, true);
  });
});
