// GIVEN object keys that are legal in S3 but unsafe as paths
// WHEN the sandbox's s3rver stand-in lays them out on disk
// THEN every on-disk name stays inside its bucket directory and under 255 bytes, and the key comes back.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeKeyPath, encodeKeyPath } from '../../src/sandbox/services/s3rver-keys.ts';

const keys = [
  'plain/one.png',
  '../../../../etc/passwd',
  'a/../../b/./c',
  'a//b///c',
  '/leading/slash',
  'trailing/slash/',
  '.',
  '..',
  'a/..',
  `long/${'x'.repeat(300)}`,
  `long/${'é'.repeat(300)}/${'日本'.repeat(200)}/end`,
  `esc/\u0001c\u0001e/\u0001\u0001/${'\u0001'.repeat(250)}`,
];

describe('sandbox: s3rver key layout', () => {
  for (const key of keys) {
    it(`stores ${JSON.stringify(key.slice(0, 40))} inside the bucket, in short names, and reads it back`, () => {
      const encoded = encodeKeyPath(key);
      assert.equal(decodeKeyPath(encoded), key);
      const parts = encoded.split('/');
      // As s3rver builds the path: the last part gets its resource suffix.
      parts[parts.length - 1] = `${parts.at(-1)}._S3rver_metadata.json`;
      const onDisk = path.join('/root', 'bucket', ...parts);
      assert.ok(onDisk.startsWith('/root/bucket/'), onDisk);
      assert.equal(
        path.relative('/root/bucket', onDisk).split('/').length,
        parts.length,
        'no part collapsed',
      );
      for (const part of parts) assert.ok(Buffer.byteLength(part) <= 255, `${Buffer.byteLength(part)} bytes`);
    });
  }

  it('keeps ordinary keys as they are and keeps prefixes prefixes', () => {
    assert.equal(encodeKeyPath('user-1/photos/cat.png'), 'user-1/photos/cat.png');
    const long = `p/${'y'.repeat(500)}`;
    assert.ok(encodeKeyPath(long).startsWith(encodeKeyPath(long.slice(0, 300))));
    assert.ok(encodeKeyPath('a//b/c').startsWith(encodeKeyPath('a//')));
    assert.equal(encodeKeyPath(''), '');
  });
});
