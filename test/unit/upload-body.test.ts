import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { AWS_CHUNK_SIZE, awsChunkedLength, SHA256_TRAILER, UploadBody } from '../../src/storage/streams.ts';

const MiB = 1024 * 1024;

/** Reads an aws-chunked body as S3 does: frames of `<hex size>\r\n<data>\r\n`, a 0 frame, trailer lines, a blank line. */
function decodeAwsChunked(raw: Buffer): { frames: number[]; body: Buffer; trailers: Record<string, string> } {
  const frames: number[] = [];
  const data: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    assert.ok(eol > at, `a frame size line at ${at}`);
    const size = Number.parseInt(raw.subarray(at, eol).toString('latin1'), 16);
    at = eol + 2;
    if (size === 0) break;
    frames.push(size);
    data.push(raw.subarray(at, at + size));
    at += size;
    assert.equal(raw.subarray(at, at + 2).toString('latin1'), '\r\n', 'each frame ends with CRLF');
    at += 2;
  }
  const tail = raw.subarray(at).toString('latin1');
  assert.ok(tail.endsWith('\r\n\r\n'), 'the trailers end with a blank line');
  const trailers: Record<string, string> = {};
  for (const line of tail.slice(0, -4).split('\r\n')) {
    const colon = line.indexOf(':');
    trailers[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return { frames, body: Buffer.concat(data), trailers };
}

/** The source as 64 KiB reads and a ragged last one, as an HTTP response body arrives. */
function source(data: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; at += 65_536) pieces.push(data.subarray(at, at + 65_536));
  return Readable.from(pieces);
}

async function through(data: Buffer, awsChunked: boolean) {
  const progress: number[] = [];
  const body = new UploadBody({ awsChunked, onBytes: (n) => progress.push(n) });
  const out = Buffer.concat(await source(data).pipe(body).toArray());
  return { body, out, progress: progress.reduce((a, b) => a + b, 0) };
}

describe('UploadBody', () => {
  for (const size of [3, AWS_CHUNK_SIZE - 1, AWS_CHUNK_SIZE, AWS_CHUNK_SIZE + 1, 5 * MiB - 7, 3 * MiB]) {
    it(`frames ${size} bytes as aws-chunked with the SHA-256 as trailer, Content-Length known up front`, async () => {
      const data = randomBytes(size);
      const { body, out, progress } = await through(data, true);
      const sha256 = createHash('sha256').update(data).digest();
      assert.equal(out.length, awsChunkedLength(size));
      const decoded = decodeAwsChunked(out);
      assert.deepEqual(decoded.body, data);
      assert.deepEqual(decoded.trailers, { [SHA256_TRAILER]: sha256.toString('base64') });
      // Every frame but the last is one MiB: far above S3's 8 KiB floor for all but the last chunk.
      assert.ok(decoded.frames.slice(0, -1).every((n) => n === AWS_CHUNK_SIZE));
      assert.deepEqual(body.digest, sha256);
      assert.equal(body.bytes, size);
      assert.equal(progress, size);
    });
  }

  it('unframed, hands the bytes on as they came and hashes them', async () => {
    const data = randomBytes(2 * MiB + 12_345);
    const progress: number[] = [];
    const body = new UploadBody({ awsChunked: false, onBytes: (n) => progress.push(n) });
    const out = Buffer.concat(await source(data).pipe(body).toArray());
    assert.deepEqual(out, data);
    assert.equal(
      progress.reduce((a, b) => a + b, 0),
      data.length,
    );
    assert.deepEqual(body.digest, createHash('sha256').update(data).digest());
  });
});
