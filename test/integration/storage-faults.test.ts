/**
 * Retries by class, against real servers: an HTTP proxy in front of the source s3rver answers 503 SlowDown
 * once, or cuts the connection half-way through a body once (in the middle of a multipart part, too).
 * The copy retries with backoff, resumes a part from a ranged GET, and verifies clean.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createS3Client } from '@supa2aws/runtime/storage';
import { applyStorageCopy, planStorageCopy, verifyStorageFromConfig } from '../../src/storage/index.ts';
import { S3RVER_KEY } from '../../src/sandbox/index.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { seedBucket, storageConfig, withAdmin } from './storage-helpers.ts';

const MiB = 1024 * 1024;
type Fault = { kind: 'slowdown' } | { kind: 'reset'; afterBytes: number };

let sb: TestSandbox;
let proxy: http.Server;
const faults = new Map<string, Fault>();
const seen: string[] = [];

before(async () => {
  sb = await getTestSandbox();
  const upstreamPort = sb.state.sourceS3?.port as number;
  proxy = http.createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
    const fault = req.method === 'GET' && !req.headers.range ? faults.get(path) : undefined;
    if (fault) faults.delete(path);
    if (fault?.kind === 'slowdown') {
      seen.push(`slowdown ${path}`);
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>',
      );
      req.resume();
      return;
    }
    if (req.headers.range) seen.push(`range ${path} ${req.headers.range}`);
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: false,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        // The copy let go of the body (a retry, Ctrl-C): stop reading the upstream, or it waits for a drain.
        res.on('close', () => up.destroy());
        let sent = 0;
        up.on('error', () => res.socket?.destroy());
        up.on('data', (chunk: Buffer) => {
          sent += chunk.length;
          if (fault?.kind === 'reset' && sent > fault.afterBytes) {
            seen.push(`reset ${path}`);
            up.destroy();
            res.socket?.destroy();
            return;
          }
          // Backpressure keeps the proxy from running far ahead of what the copy has read.
          if (!res.write(chunk)) {
            up.pause();
            res.once('drain', () => up.resume());
          }
        });
        up.on('end', () => res.end());
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  proxy.closeAllConnections();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
});

describe('storage copy through a faulty source', () => {
  it('retries SlowDown and connection resets, resumes a multipart part from a ranged GET, and verifies', async () => {
    const db = await sb.freshSourceDb();
    const bucket = sb.uniqueName('src');
    const target = sb.uniqueName('tgt');
    const objects = [
      { key: 'slow/a.bin', size: 2000 },
      { key: 'reset/streamed.bin', size: 3 * MiB },
      { key: 'reset/multipart.bin', size: 16 * MiB },
      { key: 'fine/b.bin', size: 10 },
    ];
    await seedBucket(sb, db, bucket, objects);
    await sb.targetS3.send(new CreateBucketCommand({ Bucket: target }));
    faults.set(`/${bucket}/slow/a.bin`, { kind: 'slowdown' });
    faults.set(`/${bucket}/reset/streamed.bin`, { kind: 'reset', afterBytes: MiB });
    faults.set(`/${bucket}/reset/multipart.bin`, { kind: 'reset', afterBytes: 12 * MiB });

    const config = storageConfig(sb, db, { [bucket]: target });
    const source = createS3Client({
      endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      accessKeyId: S3RVER_KEY,
      secretAccessKey: S3RVER_KEY,
      checksumsWhenRequired: true,
      maxAttempts: 1,
    });
    const targetS3 = createS3Client({
      endpoint: `http://127.0.0.1:${sb.state.targetS3?.port}`,
      accessKeyId: S3RVER_KEY,
      secretAccessKey: S3RVER_KEY,
      checksumsWhenRequired: true,
      maxAttempts: 1,
    });
    try {
      const plan = await withAdmin(db, (client) =>
        planStorageCopy({ db: client, source, target: targetS3, buckets: config.storage.buckets }),
      );
      const result = await applyStorageCopy(plan, {
        source,
        target: targetS3,
        concurrency: 2,
        partSizeBytes: 5 * MiB,
        multipartThresholdBytes: 6 * MiB,
        backoff: () => 5,
      });
      assert.deepEqual(result.failed, []);
      assert.equal(result.copied.count, objects.length);
      assert.equal(result.retries, 3, `retried: ${seen.join('; ')}`);
      assert.ok(seen.includes(`slowdown /${bucket}/slow/a.bin`));
      assert.ok(seen.includes(`reset /${bucket}/reset/multipart.bin`));
      // The reset lands in part 2 or 3, depending on how far the socket buffers ran ahead of the copy: the
      // part is sent again from a ranged GET starting at its first byte.
      const resumed = seen
        .map((line) => new RegExp(`^range /${bucket}/reset/multipart\\.bin bytes=(\\d+)-$`).exec(line)?.[1])
        .filter((start) => start !== undefined)
        .map(Number);
      assert.equal(resumed.length, 1, `one ranged resume: ${seen.join('; ')}`);
      assert.ok(
        [5 * MiB, 10 * MiB].includes(resumed[0] as number),
        `resumed at a part boundary: ${resumed[0]}`,
      );
    } finally {
      source.destroy();
      targetS3.destroy();
    }
    const verify = await verifyStorageFromConfig(config, { deep: true });
    assert.equal(verify.ok, true);
    assert.equal(verify.totals.match, objects.length);
  });
});
