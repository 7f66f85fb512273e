import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { loadConfig, ConfigProblems } from '../../examples/backend/src/config.ts';
import { createStorage, presignGet, presignPut, publicUrl } from '../../examples/backend/src/storage.ts';
import {
  localVideoChunks,
  LocalVideoProvider,
} from '../../examples/backend/src/worker/local-video-provider.ts';
import { Veo3Provider } from '../../examples/backend/src/worker/veo3-provider.ts';
import { videoKey } from '../../examples/backend/src/worker/video-job-executor.ts';
import type { S3Settings } from '../../examples/backend/src/config.ts';
import { inspect } from 'node:util';

const env = {
  DATABASE_URL: 'postgres://app:pw@db.example.com:5432/aiuteur',
  S3_VIDEOS_BUCKET: 'aiuteur-videos',
  S3_IMAGES_BUCKET: 'aiuteur-images',
  S3_ASSET_IMAGES_BUCKET: 'aiuteur-asset-images',
  AWS_REGION: 'eu-west-1',
};

describe('loadConfig', () => {
  it("GIVEN the plan's variables THEN defaults: port 3001, 10 s poll, 25 s stop timeout", () => {
    const config = loadConfig(env);
    assert.equal(config.port, 3001);
    assert.equal(config.worker.pollIntervalMs, 10_000);
    assert.equal(config.worker.stopTimeoutMs, 25_000);
    assert.equal(config.worker.provider, 'local');
    assert.deepEqual(config.s3.buckets, {
      videos: 'aiuteur-videos',
      images: 'aiuteur-images',
      assetImages: 'aiuteur-asset-images',
    });
    assert.deepEqual(config.corsOrigins, []);
  });

  it('GIVEN several problems THEN all are reported at once, naming each variable', () => {
    try {
      loadConfig({
        VIDEO_POLL_INTERVAL_MS: 'often',
        VIDEO_PROVIDER: 'sora',
        S3_IMAGES_PUBLIC_BASE_URL: 'cdn.example.com',
      });
      assert.fail('expected ConfigProblems');
    } catch (error) {
      assert.ok(error instanceof ConfigProblems);
      assert.equal(error.code, 'BACKEND_CONFIG_INVALID');
      const text = error.problems.join('\n');
      for (const name of [
        'S3_VIDEOS_BUCKET',
        'S3_IMAGES_BUCKET',
        'S3_ASSET_IMAGES_BUCKET',
        'DATABASE_URL',
        'VIDEO_POLL_INTERVAL_MS',
        'VIDEO_PROVIDER',
        'S3_IMAGES_PUBLIC_BASE_URL',
      ]) {
        assert.ok(text.includes(name), name);
      }
    }
  });
});

const settings: S3Settings = {
  region: 'eu-west-1',
  buckets: { videos: 'aiuteur-videos', images: 'aiuteur-images', assetImages: 'aiuteur-asset-images' },
  presignExpiresSeconds: 600,
};

describe('storage URLs', () => {
  it('GIVEN AWS THEN virtual-hosted public URLs with each key segment encoded; a bucket base URL (as the stack sets it) or an endpoint overrides', () => {
    assert.equal(
      publicUrl(settings, 'aiuteur-images', 'u/1/my cover.png'),
      'https://aiuteur-images.s3.eu-west-1.amazonaws.com/u/1/my%20cover.png',
    );
    assert.equal(
      publicUrl(
        { ...settings, publicBaseUrls: { images: 'https://d1.cloudfront.net' } },
        'aiuteur-images',
        'k/x.png',
      ),
      'https://d1.cloudfront.net/k/x.png',
    );
    assert.equal(
      publicUrl(
        { ...settings, publicBaseUrls: { images: 'https://d1.cloudfront.net' } },
        'aiuteur-asset-images',
        'k',
      ),
      'https://aiuteur-asset-images.s3.eu-west-1.amazonaws.com/k',
    );
    assert.equal(
      publicUrl({ ...settings, endpoint: 'http://127.0.0.1:9000/' }, 'b', 'k'),
      'http://127.0.0.1:9000/b/k',
    );
  });

  it('GIVEN a presigned PUT THEN it signs Content-Type and Content-Length and carries no empty-body checksum', async () => {
    const storage = createStorage(settings, {
      accessKeyId: 'AKIAEXAMPLEEXAMPLE00',
      secretAccessKey: 'secret',
    });
    const url = new URL(
      await presignPut(storage, {
        bucket: 'aiuteur-images',
        key: 'u/x.png',
        contentType: 'image/png',
        contentLength: 1234,
      }),
    );
    assert.equal(url.hostname, 'aiuteur-images.s3.eu-west-1.amazonaws.com');
    assert.equal(url.searchParams.get('X-Amz-Expires'), '600');
    assert.deepEqual(url.searchParams.get('X-Amz-SignedHeaders')?.split(';').sort(), [
      'content-length',
      'content-type',
      'host',
    ]);
    for (const key of url.searchParams.keys()) assert.doesNotMatch(key, /checksum/i, key);
    const get = new URL(await presignGet(storage, { bucket: 'aiuteur-videos', key: 'u/p/j.mp4' }));
    assert.equal(get.pathname, '/u/p/j.mp4');
    storage.s3.destroy();
  });
});

describe('video providers', () => {
  const job = {
    id: '6f1c1c36-6a8e-4d55-9f53-0a3b7a6d9b1e',
    projectId: 'p',
    sceneId: null,
    userId: 'u',
    prompt: 'a cat',
    attempts: 1,
  };

  it('GIVEN the same job THEN the local provider yields the same MP4-shaped bytes; another prompt, others', async () => {
    const digest = (chunks: Iterable<Buffer>) => {
      const h = createHash('sha256');
      let n = 0;
      for (const c of chunks) {
        h.update(c);
        n += c.length;
      }
      return { hex: h.digest('hex'), n };
    };
    const a = digest(localVideoChunks(job, 40_000));
    assert.deepEqual(digest(localVideoChunks(job, 40_000)), a);
    assert.equal(a.n, 24 + 8 + 40_000);
    assert.notEqual(digest(localVideoChunks({ ...job, prompt: 'a dog' }, 40_000)).hex, a.hex);
    const first = localVideoChunks(job, 10).next().value as Buffer;
    assert.equal(first.subarray(4, 12).toString('latin1'), 'ftypisom');
    assert.equal(first.subarray(28, 32).toString('latin1'), 'mdat');

    const video = await new LocalVideoProvider({ payloadBytes: 100 }).generate(job, {
      signal: new AbortController().signal,
    });
    assert.equal(video.contentLength, 132);
  });

  it('GIVEN an aborted signal THEN the local provider stops', async () => {
    const abort = new AbortController();
    const pending = new LocalVideoProvider({ delayMs: 10_000 }).generate(job, { signal: abort.signal });
    abort.abort(new Error('stop'));
    await assert.rejects(pending, /stop/);
  });

  it('GIVEN the Veo3 stub THEN it says it is a stub, and keeps credentials out of inspect', async () => {
    const veo = new Veo3Provider({
      projectId: 'proj',
      credentialsJson: '{"private_key":"-----BEGIN PRIVATE KEY-----xyz"}',
    });
    assert.ok(!inspect(veo, { depth: 5 }).includes('PRIVATE KEY'));
    assert.ok(!JSON.stringify(veo).includes('PRIVATE KEY'));
    assert.equal(veo.hasCredentials, true);
    await assert.rejects(
      veo.generate(job, { signal: new AbortController().signal }),
      (e: { code?: string }) => e.code === 'VEO3_NOT_IMPLEMENTED',
    );
  });

  it('GIVEN a job THEN its video key is per user, per project, per job', () => {
    assert.equal(videoKey({ id: 'j', projectId: 'p', userId: 'u' }), 'u/p/j.mp4');
  });
});
