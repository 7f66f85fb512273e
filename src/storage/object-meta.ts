/**
 * What supa2aws stores with every target object (S3 user metadata, `x-amz-meta-*`), and how a target
 * object is judged already copied.
 */

/** SHA-256 (hex) of the bytes, written only after the target was read back and matched: the seal. */
export const META_SHA256 = 'sha256';
/** The source object's ETag when it was copied: a changed source object is copied again. */
export const META_SOURCE_ETAG = 'supa2aws-source-etag';
/** storage.objects.user_metadata, JSON then percent-encoded (S3 metadata values must be ASCII). */
export const META_USER_METADATA = 'supabase-user-metadata';

const OURS = new Set([META_SHA256, META_SOURCE_ETAG, META_USER_METADATA]);

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** What HeadObject says about a target object. */
export interface TargetHead {
  size: number;
  metadata: Record<string, string>;
  etag?: string;
  lastModified?: string;
}

export type TargetState =
  /** Sealed, same size, same source ETag: nothing to do. */
  | 'identical'
  /** No object under the key. */
  | 'missing'
  /** An object without a seal: a copy that was interrupted before it was verified, or someone else's. */
  | 'unverified'
  /** Sealed, but the size differs from the source. */
  | 'size-differs'
  /** Sealed from another version of the source object. */
  | 'source-changed';

/** Compares a target object with the source object it should be a copy of. */
export function judgeTarget(
  head: TargetHead | undefined,
  source: { size: number; etag: string | undefined },
): TargetState {
  if (!head) return 'missing';
  const sha = head.metadata[META_SHA256];
  if (!sha || !SHA256_HEX.test(sha)) return 'unverified';
  if (head.size !== source.size) return 'size-differs';
  const copiedFrom = head.metadata[META_SOURCE_ETAG];
  if (
    source.etag !== undefined &&
    copiedFrom !== undefined &&
    normaliseEtag(copiedFrom) !== normaliseEtag(source.etag)
  )
    return 'source-changed';
  return 'identical';
}

/** ETags come quoted or not depending on the API; compare them bare. */
export function normaliseEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"+|"+$/g, '');
}

/** S3 metadata keys arrive lower-cased; keep the source's own metadata, drop ours. */
export function foreignMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (!OURS.has(key.toLowerCase())) out[key.toLowerCase()] = value;
  }
  return out;
}

/** storage.objects.user_metadata as one ASCII-safe metadata value; undefined when empty. */
export function encodeUserMetadata(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'object' && Object.keys(value as object).length === 0) return undefined;
  return encodeURIComponent(JSON.stringify(value));
}

export function decodeUserMetadata(value: string | undefined): unknown {
  if (!value) return undefined;
  try {
    return JSON.parse(decodeURIComponent(value)) as unknown;
  } catch {
    return undefined;
  }
}

/** S3 allows 2 KB of user metadata in all (keys and values). */
export function metadataBytes(metadata: Record<string, string>): number {
  return Object.entries(metadata).reduce(
    (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );
}

/**
 * `x-amz-copy-source` for CopyObject / UploadPartCopy: `bucket/key`, percent-encoded. Keeps `/` and the
 * sub-delimiters (`&+,;=:@$`) literal, which S3 accepts and stand-ins that decode with `decodeURI` need;
 * `?`, `#` and `%` are always encoded. With `versionId`, that version of the object.
 */
export function copySource(bucket: string, key: string, versionId?: string): string {
  const path = `${bucket}/${encodeURI(key).replace(/[?#]/g, (c) => encodeURIComponent(c))}`;
  return versionId ? `${path}?versionId=${encodeURIComponent(versionId)}` : path;
}
