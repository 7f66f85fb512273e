/**
 * A source that resets or stalls half-way through a body, copied to an endpoint that takes the SDK's default
 * (aws-chunked, checksummed) uploads as AWS S3 does: the attempt fails with a retryable read error and the
 * upload it fed is aborted, never an uncaught exception. The sandbox's s3rver cannot take those uploads
 * (DESIGN §4), so the target here is a bare HTTP server that starts multipart uploads, takes whole
 * bodies, and leaves a cut one unanswered.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { isSupa2awsError } from '../../src/core/errors.ts';
import { createS3Client } from '@supa2aws/runtime/storage';
import { copyOneObject } from '../../src/storage/copy/index.ts';
import type { CopyItem } from '../../src/storage/plan.ts';

const MiB = 1024 * 1024;
let server: http.Server;
let target: S3Client;
let uploads = 0;

before(async () => {
  server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url?.includes('uploads')) {
      res.writeHead(200, { 'content-type': 'application/xml' });
      req.resume();
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>aiuteur-videos</Bucket><Key>k.mp4</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>',
      );
      return;
    }
    uploads++;
    req.resume();
    // A whole body (a multipart part before the reset) is taken; a cut one never gets an answer.
    req.on('end', () => {
      res.writeHead(200, { etag: '"part"' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = createS3Client({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accessKeyId: 'key',
    secretAccessKey: 'secret',
    maxAttempts: 1,
  });
});

after(async () => {
  target.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A source whose every GET sends `resetAfter` bytes and then fails as a connection reset does. */
function resettingSource(size: number, resetAfter: number): S3Client {
  return {
    send: async () => {
      let sent = 0;
      const body = new Readable({
        read() {
          if (sent >= resetAfter) {
            this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
            return;
          }
          sent += 256 * 1024;
          this.push(Buffer.alloc(256 * 1024, 1));
        },
      });
      return { Body: body, ContentLength: size, ETag: '"e"' };
    },
  } as unknown as S3Client;
}

async function copyThroughReset(
  size: number,
  resetAfter: number,
  source = resettingSource(size, resetAfter),
) {
  const item: CopyItem = {
    sourceBucket: 'videos',
    targetBucket: 'aiuteur-videos',
    key: 'k.mp4',
    size,
    sourceEtag: undefined,
    reason: 'missing',
  };
  const retried: unknown[] = [];
  const error = await copyOneObject(
    item,
    {
      source,
      target,
      partSize: 5 * MiB,
      multipartThreshold: 6 * MiB,
      attempts: 2,
      backoff: () => 1,
      signal: new AbortController().signal,
      onRetry: (_item, e) => retried.push(e),
    },
    { item, wrote: false },
  ).then(
    () => assert.fail('the copy cannot succeed'),
    (e: unknown) => e,
  );
  return { error, retried };
}

describe('a source reset under the SDK default checksums', () => {
  it('fails a streamed PUT as a retryable read, retried, without an uncaught exception', async () => {
    const before = uploads;
    const { error, retried } = await copyThroughReset(3 * MiB, MiB);
    assert.ok(isSupa2awsError(error), String(error));
    assert.equal(error.retryable, true);
    assert.match(error.message, /read/i);
    assert.equal(retried.length, 1);
    assert.equal(uploads - before, 2, 'each attempt reached the target and was aborted there');
  });

  it('fails a multipart part the same way', async () => {
    const { error, retried } = await copyThroughReset(13 * MiB, 7 * MiB);
    assert.ok(isSupa2awsError(error), String(error));
    assert.equal(error.retryable, true);
    assert.equal(retried.length >= 1, true);
  });

  it('cuts a source that stalls half-way through a body after the idle timeout, and retries it', async () => {
    const stalled = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-length': String(3 * MiB), etag: '"e"' });
      res.write(Buffer.alloc(MiB, 1));
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const source = createS3Client({
      endpoint: `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`,
      accessKeyId: 'key',
      secretAccessKey: 'secret',
      checksumsWhenRequired: true,
      maxAttempts: 1,
      idleTimeoutMs: 300,
    });
    try {
      const started = Date.now();
      const { error, retried } = await copyThroughReset(3 * MiB, MiB, source);
      assert.ok(isSupa2awsError(error), String(error));
      assert.equal(error.retryable, true);
      assert.equal(retried.length, 1);
      assert.ok(Date.now() - started < 10_000, 'cut after the idle timeout, not waited on');
    } finally {
      source.destroy();
      stalled.closeAllConnections();
      await new Promise<void>((resolve) => stalled.close(() => resolve()));
    }
  });
});
