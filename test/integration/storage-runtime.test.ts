/**
 * @supa2aws/runtime/storage against the sandbox's S3 stand-in: the supabase-js shaped facade the app's
 * assetImageLocalizer, Veo3Provider and ImageGenerationService switch to.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { before, describe, it } from 'node:test';
import { createStorage, type Storage } from '@supa2aws/runtime/storage';
import { S3RVER_KEY } from '../../src/sandbox/index.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { bytesFor } from './storage-helpers.ts';

const MiB = 1024 * 1024;
let sb: TestSandbox;
let storage: Storage;
let endpoint: string;
let bucket: string;

before(async () => {
  sb = await getTestSandbox();
  endpoint = `http://127.0.0.1:${sb.state.targetS3?.port}`;
  bucket = sb.uniqueName('rt');
  await sb.targetS3.send(new CreateBucketCommand({ Bucket: bucket }));
  storage = createStorage({
    s3: { endpoint, accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY, checksumsWhenRequired: true },
    buckets: { videos: bucket },
    partSize: 5 * MiB,
  });
});

describe('runtime storage facade', () => {
  it('uploads (buffer, multipart stream, Blob), refuses to overwrite without upsert, downloads', async () => {
    const videos = storage.from('videos');
    const up = await videos.upload('u1/a b/clip é.mp4', Buffer.from('hello'), {
      contentType: 'video/mp4',
      cacheControl: '60',
      metadata: { scene: 3 },
    });
    assert.deepEqual((await videos.info('u1/a b/clip é.mp4')).data?.metadata, { scene: 3 });
    assert.deepEqual(up, {
      data: { id: up.data?.id, path: 'u1/a b/clip é.mp4', fullPath: 'videos/u1/a b/clip é.mp4' },
      error: null,
    });

    const dup = await videos.upload('u1/a b/clip é.mp4', Buffer.from('again'));
    assert.equal(dup.data, null);
    assert.equal(dup.error?.statusCode, '409');
    assert.equal(
      (await videos.upload('u1/a b/clip é.mp4', Buffer.from('again'), { upsert: true, cacheControl: '60' }))
        .error,
      null,
    );

    const big = bytesFor('big', 12 * MiB + 5);
    const streamed = await videos.upload(
      'u1/big.mp4',
      Readable.from([big.subarray(0, 3 * MiB), big.subarray(3 * MiB)]),
      { contentType: 'video/mp4' },
    );
    assert.equal(streamed.error, null, 'a 12 MiB stream goes up in 5 MiB parts, never whole in memory');
    const back = await videos.downloadStream('u1/big.mp4');
    const hash = createHash('sha256');
    for await (const c of back.data!.stream) hash.update(c as Buffer);
    assert.equal(hash.digest('hex'), createHash('sha256').update(big).digest('hex'));

    await videos.upload('u1/blob.txt', new Blob(['blob body'], { type: 'text/markdown' }));
    const blob = await videos.download('u1/blob.txt');
    assert.equal(await blob.data?.text(), 'blob body');
    assert.equal(blob.data?.type, 'text/markdown');

    const info = await videos.info('u1/a b/clip é.mp4');
    assert.equal(info.data?.cacheControl, 'max-age=60');
    assert.equal(info.data?.contentType, 'text/plain;charset=UTF-8', "supabase-js's default content type");
    assert.deepEqual(info.data?.size, 5);
    const missing = await videos.download('u1/nope.mp4');
    assert.deepEqual(
      [missing.data, missing.error?.statusCode, missing.error?.message],
      [null, '404', 'Object not found'],
    );
    assert.deepEqual(await videos.exists('u1/nope.mp4'), { data: false, error: null });
  });

  it('public, signed and signed-upload URLs work over HTTP', async () => {
    const videos = storage.from('videos');
    await videos.upload('urls/file name.txt', Buffer.from('via url'), { contentType: 'text/plain' });
    assert.equal(
      videos.getPublicUrl('urls/file name.txt').data.publicUrl,
      `${endpoint}/${bucket}/urls/file%20name.txt`,
    );
    const signed = await videos.createSignedUrl('urls/file name.txt', 60, { download: true });
    assert.equal(signed.error, null);
    const res = await fetch(signed.data!.signedUrl);
    assert.equal(await res.text(), 'via url');
    assert.equal((await videos.createSignedUrl('x', 8 * 24 * 3600)).error?.statusCode, '400');

    const upload = await videos.createSignedUploadUrl('urls/browser.txt');
    assert.equal(upload.error, null);
    const put = await videos.uploadToSignedUrl(
      'urls/browser.txt',
      upload.data!.token,
      Buffer.from('from the browser'),
      { contentType: 'text/plain' },
    );
    assert.equal(put.error, null);
    assert.equal(await (await videos.download('urls/browser.txt')).data?.text(), 'from the browser');
    const many = await videos.createSignedUrls(['urls/file name.txt', 'urls/browser.txt'], 60);
    assert.equal(many.data?.length, 2);
  });

  it('lists folders and files with limit/offset/search, copies, moves and removes', async () => {
    const videos = storage.from('videos');
    for (const k of ['ls/b.txt', 'ls/a.txt', 'ls/c.txt', 'ls/sub/x.txt', 'ls/sub2/y.txt'])
      await videos.upload(k, Buffer.from(k));
    const all = await videos.list('ls');
    assert.deepEqual(
      all.data?.map((f) => [f.name, f.id === null]),
      [
        ['a.txt', false],
        ['b.txt', false],
        ['c.txt', false],
        ['sub', true],
        ['sub2', true],
      ],
    );
    assert.equal(all.data?.[0]?.metadata?.size, 8);
    assert.deepEqual(
      (await videos.list('ls/', { limit: 2, offset: 1 })).data?.map((f) => f.name),
      ['b.txt', 'c.txt'],
    );
    assert.deepEqual(
      (await videos.list('ls', { search: 'SUB' })).data?.map((f) => f.name),
      ['sub', 'sub2'],
    );
    assert.deepEqual(
      (await videos.list('ls', { sortBy: { column: 'name', order: 'desc' }, limit: 1 })).data?.map(
        (f) => f.name,
      ),
      ['sub2'],
    );

    assert.deepEqual(await videos.copy('ls/a.txt', 'ls/copied.txt'), {
      data: { path: 'videos/ls/copied.txt' },
      error: null,
    });
    assert.deepEqual(await videos.move('ls/b.txt', 'ls/moved.txt'), {
      data: { message: 'Successfully moved' },
      error: null,
    });
    assert.deepEqual((await videos.exists('ls/b.txt')).data, false);
    const removed = await videos.remove(['ls/a.txt', 'ls/c.txt']);
    assert.deepEqual(removed.data?.map((f) => f.name).sort(), ['ls/a.txt', 'ls/c.txt']);
    assert.deepEqual(
      (await videos.list('ls')).data?.map((f) => f.name),
      ['copied.txt', 'moved.txt', 'sub', 'sub2'],
    );
  });
});
