/**
 * Where an object can be read publicly once it lives on S3: a CloudFront (or other) base URL when one is
 * configured, else the S3 URL itself (path-style for a custom endpoint, virtual-hosted for AWS).
 */

export interface PublicUrlOptions {
  /** Base URL serving this bucket's keys at its root, e.g. `https://images.example.com` (CloudFront). */
  bucketBaseUrl?: string;
  /** Base URL serving every bucket as `<base>/<bucket>/<key>`. Used when `bucketBaseUrl` is not given. */
  publicBaseUrl?: string;
  /** A custom S3 endpoint (local stand-in, S3-compatible service): URLs are `<endpoint>/<bucket>/<key>`. */
  endpoint?: string;
  /** @default 'us-east-1' */
  region?: string;
  /** Path-style URLs on AWS (`https://s3.<region>.amazonaws.com/<bucket>/<key>`). @default false */
  forcePathStyle?: boolean;
}

/** Percent-encodes each `/`-separated segment of a key (RFC 3986 unreserved characters stay). */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The public URL of `key` in `bucket` (no request is made; the bucket must allow public reads). */
export function publicObjectUrl(bucket: string, key: string, options: PublicUrlOptions = {}): string {
  const path = encodeKey(key);
  if (options.bucketBaseUrl) return `${trimSlash(options.bucketBaseUrl)}/${path}`;
  if (options.publicBaseUrl) return `${trimSlash(options.publicBaseUrl)}/${bucket}/${path}`;
  if (options.endpoint) return `${trimSlash(options.endpoint)}/${bucket}/${path}`;
  const region = options.region ?? 'us-east-1';
  // Buckets with dots do not match S3's wildcard certificate in virtual-hosted style.
  if (options.forcePathStyle || bucket.includes('.'))
    return `https://s3.${region}.amazonaws.com/${bucket}/${path}`;
  return `https://${bucket}.s3.${region}.amazonaws.com/${path}`;
}
