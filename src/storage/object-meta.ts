/**
 * What supa2aws stores with every target object (S3 user metadata, `x-amz-meta-*`), and how a target
 * object is judged already copied.
 */

/**
 * SHA-256 (hex) of the bytes, written only once they are known to be at the target: the seal. Objects read
 * whole before their PUT (up to 1 MiB) carry it as metadata from the start; larger ones get it afterwards as
 * object tags (`TAG_SHA256`, with `TAG_SEALED_ETAG`), which changes no bytes and makes no new version.
 */
export const META_SHA256 = 'sha256';
/** The source object's ETag when it was copied: a changed source object is copied again. */
export const META_SOURCE_ETAG = 'supa2aws-source-etag';
/** storage.objects.user_metadata, JSON then percent-encoded (S3 metadata values must be ASCII). */
export const META_USER_METADATA = 'supabase-user-metadata';
/** The seal of a streamed object, as an object tag: its SHA-256, set after the read-back matched. */
export const TAG_SHA256 = 'sha256';
/**
 * The ETag of the object the seal tag was set on. Tags are not bytes: S3 drops them when the object is
 * replaced, but a stand-in may keep them (s3rver does), and a writer could replace the object between the
 * read-back and the tagging. A seal counts only on the object whose ETag it names.
 */
export const TAG_SEALED_ETAG = 'supa2aws-sealed-etag';

/**
 * The checksum S3 keeps for a multipart upload sent with per-part SHA-256 checksums, as `HeadObject` with
 * checksum mode returns it (composite: base64 SHA-256 of the parts' SHA-256 digests, `-<parts>`). Set with the
 * seal, so `storage verify` can compare what S3 reports without reading the bytes.
 */
export const TAG_CHECKSUM = 'supa2aws-checksum-sha256';

const OURS = new Set([META_SHA256, META_SOURCE_ETAG, META_USER_METADATA]);

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** What HeadObject (and, for objects without a metadata seal, GetObjectTagging) says about a target object. */
export interface TargetHead {
  size: number;
  metadata: Record<string, string>;
  /** Object tags; read only when the metadata carries no seal. */
  tags?: Record<string, string>;
  etag?: string;
  lastModified?: string;
  /** The SHA-256 checksum the target keeps for the object (S3 with checksum mode), base64, `-N` if composite. */
  checksumSha256?: string;
}

/**
 * The one rule for "identical" that `storage plan`/`copy` and `storage verify` share: whatever verify calls a
 * difference, copy copies again. Without reading any bytes a target object is identical when it carries a
 * seal (its SHA-256, written only after a read-back matched), has the source's size, was copied from the
 * source object's current ETag, and — when both ETags are plain MD5s (single-part uploads: each server's MD5
 * of its own bytes) — the two MD5s are equal. What this cannot see: bytes changed under an unchanged
 * ETag on a side whose ETag is not a plain MD5 (multipart); only reading both sides (`--deep`,
 * deep-compare.ts) proves those.
 */
export type TargetState =
  /** Sealed, same size, same source ETag, equal MD5s where both have one: nothing to do. */
  | 'identical'
  /** No object under the key. */
  | 'missing'
  /** An object without a seal: a copy that was interrupted before it was verified, or someone else's. */
  | 'unverified'
  /** Sealed, but the size differs from the source. */
  | 'size-differs'
  /** Sealed from another version of the source object. */
  | 'source-changed'
  /** Sealed, same size and source ETag, but both ETags are plain MD5s and they differ (bytes overwritten). */
  | 'md5-differs'
  /** Sealed, but the SHA-256 checksum the target itself keeps for the object is not the seal's. */
  | 'checksum-differs';

/** Whether both ETags are plain MD5s (single-part uploads), so the two servers' checksums can be compared. */
export function md5Comparable(head: TargetHead, source: { etag: string | undefined }): boolean {
  return (
    PLAIN_MD5.test(source.etag ? normaliseEtag(source.etag) : '') &&
    PLAIN_MD5.test(head.etag ? normaliseEtag(head.etag) : '')
  );
}

const PLAIN_MD5 = /^[0-9a-f]{32}$/i;

/** The SHA-256 a target object is sealed with (metadata, or tags naming its current ETag), if any. */
export function sealedSha256(head: TargetHead): string | undefined {
  const meta = head.metadata[META_SHA256];
  if (meta && SHA256_HEX.test(meta)) return meta;
  const tagged = head.tags?.[TAG_SHA256];
  const sealedEtag = head.tags?.[TAG_SEALED_ETAG];
  if (!tagged || !SHA256_HEX.test(tagged) || !sealedEtag || !head.etag) return undefined;
  return normaliseEtag(sealedEtag) === normaliseEtag(head.etag) ? tagged : undefined;
}

/**
 * The tag set that seals the object with ETag `etag` as holding the bytes whose SHA-256 is `sha256`; with
 * `checksum`, the composite checksum the target keeps for it (multipart uploads sent with checksums).
 */
export function sealTags(
  sha256: string,
  etag: string,
  checksum?: string,
): Array<{ Key: string; Value: string }> {
  return [
    { Key: TAG_SHA256, Value: sha256 },
    { Key: TAG_SEALED_ETAG, Value: normaliseEtag(etag) },
    ...(checksum ? [{ Key: TAG_CHECKSUM, Value: checksum }] : []),
  ];
}

/** SHA-256 hex → the base64 form S3 uses in `x-amz-checksum-sha256`. */
export function checksumOfHex(sha256: string): string {
  return Buffer.from(sha256, 'hex').toString('base64');
}

/**
 * Whether the SHA-256 checksum the target keeps for a sealed object (S3 checked it against the bytes it
 * received) agrees with the seal: a whole-object checksum must be the seal's SHA-256, a composite one
 * (multipart) the composite the seal names. True where the target keeps none (s3rver, objects sent without
 * one) or a composite the seal does not name (sealed without checksums).
 */
export function checksumMatchesSeal(head: TargetHead, sealed: string): boolean {
  if (!head.checksumSha256) return true;
  if (head.checksumSha256.includes('-')) {
    const named = sealedEtagMatches(head) ? head.tags?.[TAG_CHECKSUM] : undefined;
    return named === undefined || named === head.checksumSha256;
  }
  return head.checksumSha256 === checksumOfHex(sealed);
}

function sealedEtagMatches(head: TargetHead): boolean {
  const sealedEtag = head.tags?.[TAG_SEALED_ETAG];
  return !!sealedEtag && !!head.etag && normaliseEtag(sealedEtag) === normaliseEtag(head.etag);
}

/** Compares a target object with the source object it should be a copy of, by the rule of TargetState. */
export function judgeTarget(
  head: TargetHead | undefined,
  source: { size: number; etag: string | undefined },
): TargetState {
  if (!head) return 'missing';
  const sealed = sealedSha256(head);
  if (!sealed) return 'unverified';
  if (head.size !== source.size) return 'size-differs';
  const copiedFrom = head.metadata[META_SOURCE_ETAG];
  if (
    source.etag !== undefined &&
    copiedFrom !== undefined &&
    normaliseEtag(copiedFrom) !== normaliseEtag(source.etag)
  )
    return 'source-changed';
  if (
    md5Comparable(head, source) &&
    normaliseEtag(head.etag!).toLowerCase() !== normaliseEtag(source.etag!).toLowerCase()
  )
    return 'md5-differs';
  if (!checksumMatchesSeal(head, sealed)) return 'checksum-differs';
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

/** S3 allows 2 KB of user metadata in all (keys and values). */
export function metadataBytes(metadata: Record<string, string>): number {
  return Object.entries(metadata).reduce(
    (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );
}
