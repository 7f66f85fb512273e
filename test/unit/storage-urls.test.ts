import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBarePath, parseStorageUrl, projectHosts } from '../../src/storage/urls/parse.ts';
import { UrlRewriter } from '../../src/storage/urls/rewriter.ts';
import { encodeKey, publicObjectUrl } from '@supa2aws/runtime/storage';

const PROJECT = 'https://abcdefghij.supabase.co';
const hosts = projectHosts(PROJECT);
const buckets = {
  videos: { target: 'app-videos', access: 'private' as const },
  images: { target: 'app-images', access: 'public-read' as const },
  'asset-images': {
    target: 'app-assets',
    access: 'public-read' as const,
    publicBaseUrl: 'https://cdn.example.com/assets',
  },
};

function rewriter(
  signedUrls: 'path' | 'public' = 'path',
  target: Record<string, string> = { endpoint: 'http://127.0.0.1:9000' },
) {
  return new UrlRewriter({ projectUrl: PROJECT, buckets, signedUrls, target });
}

describe('parseStorageUrl', () => {
  it('recognises public, render, signed and authenticated URLs of the project', () => {
    const pub = parseStorageUrl(`${PROJECT}/storage/v1/object/public/images/a/b.png`, hosts);
    assert.deepEqual(pub, {
      kind: 'public',
      bucket: 'images',
      key: 'a/b.png',
      relative: false,
      extraQuery: [],
      transform: false,
    });
    const render = parseStorageUrl(
      `${PROJECT}/storage/v1/render/image/public/images/a.png?width=320&height=180`,
      hosts,
    );
    assert.equal(render?.kind, 'render');
    assert.equal(render?.transform, true);
    const signed = parseStorageUrl(
      `${PROJECT}/storage/v1/object/sign/videos/u/v.mp4?token=eyJhbGciOi.x.y`,
      hosts,
    );
    assert.equal(signed?.kind, 'signed');
    assert.equal(signed?.key, 'u/v.mp4');
    assert.deepEqual(signed?.extraQuery, []);
    assert.equal(
      parseStorageUrl(`${PROJECT}/storage/v1/object/authenticated/videos/x.mp4`, hosts)?.kind,
      'authenticated',
    );
    assert.equal(parseStorageUrl(`${PROJECT}/storage/v1/object/videos/x.mp4`, hosts)?.kind, 'authenticated');
  });

  it('decodes percent-encoded keys (supabase-js passes URLs through encodeURI)', () => {
    const url = encodeURI(
      `${PROJECT}/storage/v1/object/public/asset-images/u/références/café 日本/été (1).png`,
    );
    assert.equal(parseStorageUrl(url, hosts)?.key, 'u/références/café 日本/été (1).png');
    const literalPercent = `${PROJECT}/storage/v1/object/public/images/100%25%20done.png`;
    assert.equal(parseStorageUrl(literalPercent, hosts)?.key, '100% done.png');
  });

  it('keeps . and .. segments that new URL() would resolve away', () => {
    assert.equal(
      parseStorageUrl(`${PROJECT}/storage/v1/object/public/images/a/../b/./c.png`, hosts)?.key,
      'a/../b/./c.png',
    );
    assert.equal(
      parseStorageUrl(`${PROJECT}/storage/v1/object/public/images/dots..in..name...png`, hosts)?.key,
      'dots..in..name...png',
    );
  });

  it('accepts host-relative URLs and the storage subdomain, rejects everything else', () => {
    assert.equal(parseStorageUrl('/storage/v1/object/public/images/x.png', hosts)?.relative, true);
    assert.equal(
      parseStorageUrl('https://abcdefghij.storage.supabase.co/storage/v1/object/public/images/x.png', hosts)
        ?.bucket,
      'images',
    );
    assert.equal(
      parseStorageUrl('https://other.supabase.co/storage/v1/object/public/images/x.png', hosts),
      undefined,
    );
    assert.equal(
      parseStorageUrl('https://example.com/storage/v1/object/public/images/x.png', hosts),
      undefined,
    );
    assert.equal(parseStorageUrl(`${PROJECT}/rest/v1/projects`, hosts), undefined);
    assert.equal(parseStorageUrl(`${PROJECT}/storage/v1/object/upload/sign/images/x.png`, hosts), undefined);
    assert.equal(parseStorageUrl(`${PROJECT}/storage/v1/object/public/images`, hosts), undefined);
    assert.equal(
      parseStorageUrl(`${PROJECT}/storage/v1/object/public/images/%E0%A4%A.png`, hosts),
      undefined,
    );
    assert.equal(parseStorageUrl(` ${PROJECT}/storage/v1/object/public/images/x.png`, hosts), undefined);
    assert.equal(parseStorageUrl('not a url', hosts), undefined);
  });

  it("keeps query parameters that are not Supabase's own", () => {
    const ref = parseStorageUrl(
      `${PROJECT}/storage/v1/object/public/images/x.png?t=123&download=x.png`,
      hosts,
    );
    assert.deepEqual(ref?.extraQuery, [['t', '123']]);
  });
});

describe('parseBarePath', () => {
  const ids = new Set(Object.keys(buckets));
  it('takes <bucket>/<key> for known buckets only', () => {
    assert.deepEqual(parseBarePath('videos/u/v.mp4', ids), {
      kind: 'bare',
      bucket: 'videos',
      key: 'u/v.mp4',
      relative: true,
      extraQuery: [],
      transform: false,
    });
    assert.equal(parseBarePath('unknown/u/v.mp4', ids), undefined);
    assert.equal(parseBarePath('videos/', ids), undefined);
    assert.equal(parseBarePath('/videos/x', ids), undefined);
    assert.equal(parseBarePath('https://x/videos/x', ids), undefined);
  });
});

describe('UrlRewriter', () => {
  it('public URLs become the target public URL (path-style for an endpoint, CloudFront base when set)', () => {
    const r = rewriter();
    assert.equal(
      r.rewriteText(`${PROJECT}/storage/v1/object/public/images/a b/é.png`)?.value,
      'http://127.0.0.1:9000/app-images/a%20b/%C3%A9.png',
    );
    assert.equal(
      r.rewriteText('/storage/v1/object/public/asset-images/u/x.png')?.value,
      'https://cdn.example.com/assets/u/x.png',
    );
    const aws = rewriter('path', { region: 'eu-west-1' });
    assert.equal(
      aws.rewriteText(`${PROJECT}/storage/v1/object/public/images/x.png`)?.value,
      'https://app-images.s3.eu-west-1.amazonaws.com/x.png',
    );
  });

  it('signed URLs never keep their token: a bare path, or a public URL when configured', () => {
    const url = `${PROJECT}/storage/v1/object/sign/videos/u/v.mp4?token=eyJhbGciOiJIUzI1NiJ9.eyJ1cmwiOiJ4In0.sig`;
    assert.equal(rewriter('path').rewriteText(url)?.value, 'app-videos/u/v.mp4');
    assert.equal(rewriter('path').rewriteText(url, { bucket: 'videos' })?.value, 'u/v.mp4');
    const pub = rewriter('public').rewriteText(url)?.value ?? '';
    assert.equal(pub, 'http://127.0.0.1:9000/app-videos/u/v.mp4');
    assert.ok(!pub.includes('token'));
  });

  it('render URLs drop the transform; bare paths follow the bucket mapping; unmapped buckets stay', () => {
    const counts = {};
    const out = rewriter().rewriteText(
      `${PROJECT}/storage/v1/render/image/public/images/x.png?width=10`,
      undefined,
      counts,
    );
    assert.equal(out?.value, 'http://127.0.0.1:9000/app-images/x.png');
    assert.equal(out?.droppedTransform, true);
    assert.equal(rewriter().rewriteText('videos/u/v.mp4')?.value, 'app-videos/u/v.mp4');
    assert.equal(
      rewriter().rewriteText('u/v.mp4', { bucket: 'videos' }),
      undefined,
      'a key in a column with a bucket stays',
    );
    const c: Record<string, number> = {};
    assert.equal(
      rewriter().rewriteText(`${PROJECT}/storage/v1/object/public/other/x.png`, undefined, c),
      undefined,
    );
    assert.equal(c.unmapped, 1);
  });

  it('finds the storage strings inside a JSON document by path', () => {
    const doc = {
      big: 1.5,
      refs: [
        `${PROJECT}/storage/v1/object/public/images/a.png`,
        'plain',
        { url: `${PROJECT}/storage/v1/object/sign/videos/v.mp4?token=x` },
      ],
      'key with /storage/v1/': 'videos/not-rewritten-in-json.mp4',
    };
    const changes = rewriter().rewriteJson(doc);
    assert.deepEqual(
      changes.map((c) => [c.path, c.after]),
      [
        [['refs', '0'], 'http://127.0.0.1:9000/app-images/a.png'],
        [['refs', '2', 'url'], 'app-videos/v.mp4'],
      ],
    );
    assert.deepEqual(rewriter().rewriteJson(`${PROJECT}/storage/v1/object/public/images/a.png`)[0]?.path, []);
    assert.deepEqual(rewriter().rewriteJson({ a: 1 }), []);
  });
});

describe('public URLs', () => {
  it('encodes each key segment and picks the URL form', () => {
    assert.equal(encodeKey("a b/c+d&e=f/(1)!'*.png"), 'a%20b/c%2Bd%26e%3Df/%281%29%21%27%2A.png');
    assert.equal(
      publicObjectUrl('b', 'k.png', { endpoint: 'http://localhost:9000/' }),
      'http://localhost:9000/b/k.png',
    );
    assert.equal(publicObjectUrl('b', 'k.png', { publicBaseUrl: 'https://cdn.x' }), 'https://cdn.x/b/k.png');
    assert.equal(publicObjectUrl('b', 'k.png', { bucketBaseUrl: 'https://img.x/' }), 'https://img.x/k.png');
    assert.equal(publicObjectUrl('b', 'k.png', {}), 'https://b.s3.us-east-1.amazonaws.com/k.png');
    assert.equal(
      publicObjectUrl('my.bucket', 'k.png', { region: 'eu-west-1' }),
      'https://s3.eu-west-1.amazonaws.com/my.bucket/k.png',
    );
  });
});
