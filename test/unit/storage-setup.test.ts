/**
 * `storage setup` against an in-memory S3 that implements what s3rver lacks (bucket policies, public access
 * blocks, versioning). Real AWS cannot run here; this fake only keeps what it is given, so the test proves
 * what supa2aws asks for and that a second run changes nothing.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bucketOwnerFor,
  mergePolicy,
  policyEffect,
  policyStatementsFor,
  publicAccessBlockFor,
  setupStorage,
} from '../../src/storage/setup.ts';
import {
  bucketsFromEnv,
  createStorage,
  isStorageError,
  storageOptionsFromEnv,
  toStorageError,
} from '@supa2aws/runtime/storage';

class FakeAws {
  buckets = new Map<string, Record<string, unknown>>();
  calls: string[] = [];

  send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    const name = command.constructor.name.replace(/Command$/, '');
    const input = command.input;
    this.calls.push(name);
    const bucket = this.buckets.get(input.Bucket as string);
    const err = (n: string, status: number) =>
      Object.assign(new Error(n), { name: n, $metadata: { httpStatusCode: status } });
    if (name !== 'CreateBucket' && !bucket) return Promise.reject(err('NotFound', 404));
    const b = bucket as Record<string, unknown>;
    const get = (field: string, missing: string, wrap: (v: unknown) => unknown) =>
      b[field] === undefined ? Promise.reject(err(missing, 404)) : Promise.resolve(wrap(b[field]));
    switch (name) {
      case 'HeadBucket':
        return Promise.resolve({});
      case 'CreateBucket':
        this.buckets.set(input.Bucket as string, {});
        return Promise.resolve({});
      case 'GetPublicAccessBlock':
        return get('pab', 'NoSuchPublicAccessBlockConfiguration', (v) => ({
          PublicAccessBlockConfiguration: v,
        }));
      case 'PutPublicAccessBlock':
        b.pab = input.PublicAccessBlockConfiguration;
        return Promise.resolve({});
      case 'GetBucketPolicy':
        return get('policy', 'NoSuchBucketPolicy', (v) => ({ Policy: v }));
      case 'PutBucketPolicy':
        b.policy = input.Policy;
        return Promise.resolve({});
      case 'GetBucketCors':
        return get('cors', 'NoSuchCORSConfiguration', (v) => ({ CORSRules: v }));
      case 'PutBucketCors':
        b.cors = (input.CORSConfiguration as { CORSRules: unknown }).CORSRules;
        return Promise.resolve({});
      case 'GetBucketVersioning':
        return Promise.resolve({ Status: b.versioning });
      case 'PutBucketVersioning':
        b.versioning = (input.VersioningConfiguration as { Status: string }).Status;
        return Promise.resolve({});
      default:
        return Promise.reject(err('NotImplemented', 501));
    }
  }
}

const buckets = {
  videos: { target: 'app-videos', access: 'private' as const },
  images: { target: 'app-images', access: 'public-read' as const },
  assets: { target: 'app-assets', access: 'public-read' as const, publicBaseUrl: 'https://cdn.example.com' },
};
const cors = {
  allowedOrigins: ['https://app.example.com'],
  allowedMethods: ['GET' as const, 'PUT' as const],
  maxAgeSeconds: 600,
};

describe('storage setup on AWS-like S3', () => {
  it('GIVEN no buckets WHEN setup runs twice THEN it creates and configures them, then changes nothing', async () => {
    const aws = new FakeAws();
    const first = await setupStorage({
      target: aws as unknown as S3Client,
      buckets,
      region: 'us-east-1',
      cors,
      versioning: true,
    });
    const status = (bucket: string, setting: string) =>
      first.buckets.find((b) => b.target === bucket)?.actions.find((a) => a.setting === setting)?.status;
    assert.equal(status('app-videos', 'bucket'), 'created');
    for (const setting of ['public-access-block', 'bucket-policy', 'cors', 'versioning']) {
      assert.equal(status('app-images', setting), 'applied', setting);
    }
    assert.equal(first.notSupported, 0);
    assert.equal(first.manual, 1, 'the CloudFront bucket needs its OAC grant');
    assert.deepEqual(aws.buckets.get('app-videos')?.pab, {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    assert.equal(
      aws.buckets.get('app-images')?.pab &&
        (aws.buckets.get('app-images')?.pab as { BlockPublicPolicy: boolean }).BlockPublicPolicy,
      false,
    );
    const imagesPolicy = JSON.parse(aws.buckets.get('app-images')?.policy as string);
    assert.ok(
      imagesPolicy.Statement.some(
        (s: { Sid: string; Action: string }) => s.Sid === 'Supa2awsPublicRead' && s.Action === 's3:GetObject',
      ),
    );
    const videosPolicy = JSON.parse(aws.buckets.get('app-videos')?.policy as string);
    assert.ok(
      !videosPolicy.Statement.some((s: { Effect: string }) => s.Effect === 'Allow'),
      'the private bucket gets no Allow',
    );
    assert.equal(aws.buckets.get('app-videos')?.versioning, 'Enabled');

    aws.calls = [];
    const second = await setupStorage({
      target: aws as unknown as S3Client,
      buckets,
      region: 'us-east-1',
      cors,
      versioning: true,
    });
    const changed = second.buckets
      .flatMap((b) => b.actions)
      .filter((a) => a.status !== 'unchanged' && a.status !== 'exists' && a.status !== 'manual');
    assert.deepEqual(changed, []);
    assert.ok(!aws.calls.some((c) => c.startsWith('Put') || c === 'CreateBucket'), aws.calls.join(','));
  });

  it('reports what the endpoint does not implement instead of claiming it', async () => {
    const aws = new FakeAws();
    aws.buckets.set('app-videos', {});
    const original = aws.send.bind(aws);
    aws.send = (command) =>
      /PublicAccessBlock|BucketPolicy/.test(command.constructor.name)
        ? Promise.reject(
            Object.assign(new Error('x'), { name: 'NotImplemented', $metadata: { httpStatusCode: 501 } }),
          )
        : original(command);
    const result = await setupStorage({
      target: aws as unknown as S3Client,
      buckets: { videos: buckets.videos },
      region: 'us-east-1',
      cors,
      versioning: true,
    });
    assert.equal(result.notSupported, 2);
    assert.equal(
      result.buckets[0]?.actions.find((a) => a.setting === 'bucket-policy')?.status,
      'not-supported',
    );
  });

  it('keeps statements it does not own when merging a policy', () => {
    const existing = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Theirs', Effect: 'Allow' },
        { Sid: 'Supa2awsPublicRead', Effect: 'Allow' },
      ],
    });
    const merged = mergePolicy(existing, policyStatementsFor(buckets.videos));
    assert.deepEqual(
      merged.Statement.map((s) => s.Sid),
      ['Theirs', 'Supa2awsDenyInsecureTransport'],
    );
    assert.equal(
      publicAccessBlockFor(buckets.assets).BlockPublicPolicy,
      true,
      'CloudFront-served buckets stay fully blocked',
    );
  });
});

/** A bucket as the Storage stack deploys it (CDK's statements: enforceSSL without a Sid, PublicRead). */
function stackBucket(name: string, publicRead: boolean): Record<string, unknown> {
  const arn = `arn:aws:s3:::${name}`;
  return {
    pab: {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: !publicRead,
      RestrictPublicBuckets: !publicRead,
    },
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Resource: [arn, `${arn}/*`],
        },
        ...(publicRead
          ? [
              {
                Sid: 'PublicRead',
                Action: 's3:GetObject',
                Effect: 'Allow',
                Principal: { AWS: '*' },
                Resource: `${arn}/*`,
              },
            ]
          : []),
      ],
    }),
    cors: [
      {
        AllowedHeaders: ['*'],
        AllowedMethods: ['PUT', 'GET'],
        AllowedOrigins: ['https://app.example.com'],
        ExposeHeaders: ['ETag'],
        MaxAgeSeconds: 600,
      },
    ],
    versioning: 'Enabled',
  };
}

describe('storage setup when the Storage stack owns the buckets (AWS S3)', () => {
  const input = (aws: FakeAws) => ({
    target: aws as unknown as S3Client,
    buckets: { videos: buckets.videos, images: buckets.images },
    region: 'eu-west-1',
    cors,
    versioning: true,
    owner: 'stack' as const,
  });

  it('GIVEN AWS S3 or an amazonaws.com endpoint WHEN the owner is chosen THEN it is the stack; GIVEN the sandbox s3rver THEN setup', () => {
    assert.equal(bucketOwnerFor(undefined), 'stack');
    assert.equal(bucketOwnerFor('https://s3.eu-west-1.amazonaws.com'), 'stack');
    assert.equal(bucketOwnerFor('http://127.0.0.1:4569'), 'setup');
  });

  it('GIVEN the stack is not deployed WHEN setup runs THEN it refuses with the deploy command and creates nothing', async () => {
    const aws = new FakeAws();
    await assert.rejects(setupStorage(input(aws)), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'STORAGE_BUCKET_NOT_DEPLOYED');
      assert.match(e.message, /app-videos, app-images/);
      assert.match(e.hint ?? '', /cdk deploy <prefix>-Storage/);
      return true;
    });
    assert.ok(!aws.calls.includes('CreateBucket'));
    assert.equal(aws.buckets.size, 0);
  });

  it('GIVEN the buckets the stack deployed WHEN setup runs THEN every setting matches and nothing is written', async () => {
    const aws = new FakeAws();
    aws.buckets.set('app-videos', stackBucket('app-videos', false));
    aws.buckets.set('app-images', stackBucket('app-images', true));
    // As config from-stack writes it: the public base URL is the bucket's own S3 host (bucket-policy mode).
    const result = await setupStorage({
      ...input(aws),
      buckets: {
        videos: buckets.videos,
        images: { ...buckets.images, publicBaseUrl: 'https://app-images.s3.eu-west-1.amazonaws.com' },
      },
    });
    assert.equal(result.owner, 'stack');
    assert.equal(result.differs, 0, JSON.stringify(result.buckets));
    assert.deepEqual(
      aws.calls.filter((c) => /^(Put|Create)/.test(c)),
      [],
    );
  });

  it('GIVEN a stack bucket whose settings differ from the config WHEN setup runs THEN it names them and still writes nothing', async () => {
    const aws = new FakeAws();
    aws.buckets.set('app-videos', { ...stackBucket('app-videos', false), versioning: undefined });
    aws.buckets.set('app-images', stackBucket('app-images', false));
    const result = await setupStorage(input(aws));
    const differs = result.buckets.flatMap((b) =>
      b.actions.filter((a) => a.status === 'differs').map((a) => `${b.target} ${a.setting}`),
    );
    assert.deepEqual(differs.sort(), [
      'app-images bucket-policy',
      'app-images public-access-block',
      'app-videos versioning',
    ]);
    assert.deepEqual(
      aws.calls.filter((c) => /^(Put|Create)/.test(c)),
      [],
    );
    assert.deepEqual(policyEffect(stackBucket('x', true).policy as string), {
      tlsOnly: true,
      publicRead: true,
    });
  });
});

describe('runtime storage configuration and errors', () => {
  it('reads bucket names and endpoint from the environment', () => {
    assert.deepEqual(bucketsFromEnv({ S3_VIDEOS_BUCKET: 'v', S3_ASSET_IMAGES_BUCKET: 'a', S3_X: 'no' }), {
      videos: 'v',
      'asset-images': 'a',
    });
    const o = storageOptionsFromEnv({
      AWS_REGION: 'eu-west-1',
      S3_ENDPOINT: 'http://localhost:9000',
      S3_PUBLIC_BASE_URL: 'https://cdn',
    });
    assert.deepEqual(o.s3, { region: 'eu-west-1', endpoint: 'http://localhost:9000' });
    assert.equal(o.publicBaseUrl, 'https://cdn');
  });

  it('GIVEN the per-bucket base URLs the infra stacks set THEN each public bucket is served at its own base', () => {
    const o = storageOptionsFromEnv({
      S3_IMAGES_BUCKET: 'aiuteur-images',
      S3_IMAGES_PUBLIC_BASE_URL: 'https://d1.cloudfront.net',
      S3_ASSET_IMAGES_PUBLIC_BASE_URL: 'https://d2.cloudfront.net',
      S3_PUBLIC_BASE_URL: 'https://cdn',
    });
    assert.deepEqual(o.publicBaseUrl, {
      images: 'https://d1.cloudfront.net',
      'asset-images': 'https://d2.cloudfront.net',
    });
    const storage = createStorage(o);
    assert.equal(
      storage.from('images').getPublicUrl('a/b.png').data.publicUrl,
      'https://d1.cloudfront.net/a/b.png',
    );
  });

  it('maps S3 errors to supabase-js shaped errors', () => {
    const notFound = toStorageError({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    assert.ok(isStorageError(notFound));
    assert.deepEqual(
      [notFound.name, notFound.statusCode, notFound.message],
      ['StorageApiError', '404', 'Object not found'],
    );
    assert.equal(
      toStorageError({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } }).statusCode,
      '409',
    );
    assert.equal(toStorageError({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }).status, 403);
    assert.equal(toStorageError(new Error('socket hang up')).name, 'StorageUnknownError');
  });
});
