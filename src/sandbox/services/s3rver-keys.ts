/**
 * How the sandbox's s3rver stand-ins lay object keys out on disk. s3rver 3.7.1 maps a key straight to a
 * path (`<bucket>/<key>._S3rver_object`): a key with `..` segments writes outside its directory, `a//b`
 * collides with `a/b`, and a segment over 255 bytes fails with ENAMETOOLONG. All are legal S3 keys.
 *
 * Here each `/`-separated segment is kept as it is unless it would be unsafe:
 * - an inner segment that is empty, `.` or `..` becomes ESC `e`, ESC `d`, ESC `dd` (the last segment gets
 *   s3rver's suffix appended, so it is never one of those on disk);
 * - ESC (U+0001) in a key is doubled;
 * - a segment over SEGMENT_BYTES is cut into chunks, each further chunk a directory named ESC `c` + chunk.
 * Ordinary keys are stored exactly as before, so prefix listing works as s3rver's walk expects.
 * Pure; the service patches s3rver's FilesystemStore with these two functions.
 */

const ESC = '\u0001';
/** At most this many bytes per on-disk name, leaving room for s3rver's `._S3rver_metadata.json`. */
const SEGMENT_BYTES = 200;

function chunks(segment: string): string[] {
  if (Buffer.byteLength(segment, 'utf8') <= SEGMENT_BYTES) return [segment];
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  const chars = [...segment];
  for (let i = 0; i < chars.length; i++) {
    // An escaped ESC (two of them) stays in one chunk.
    const pair = chars[i] === ESC && chars[i + 1] === ESC;
    const unit = pair ? ESC + ESC : chars[i]!;
    if (pair) i++;
    const size = Buffer.byteLength(unit, 'utf8');
    if (bytes + size > SEGMENT_BYTES - 2) {
      out.push(current);
      current = '';
      bytes = 0;
    }
    current += unit;
    bytes += size;
  }
  out.push(current);
  return out;
}

/** The on-disk path of a key (or of a prefix: an encoded prefix is a prefix of every encoded key under it). */
export function encodeKeyPath(key: string): string {
  const segments = key.split('/');
  return segments
    .map((raw, i) => {
      const inner = i < segments.length - 1;
      if (inner && raw === '') return `${ESC}e`;
      if (inner && raw === '.') return `${ESC}d`;
      if (inner && raw === '..') return `${ESC}dd`;
      const [first, ...rest] = chunks(raw.replaceAll(ESC, ESC + ESC));
      return [first, ...rest.map((c) => `${ESC}c${c}`)].join('/');
    })
    .join('/');
}

/** The key an on-disk path holds (the inverse of encodeKeyPath). */
export function decodeKeyPath(keyPath: string): string {
  const segments: string[] = [];
  for (const part of keyPath.split('/')) {
    if (part.startsWith(`${ESC}c`) && segments.length > 0) {
      segments[segments.length - 1] += unescape(part.slice(2));
    } else if (part === `${ESC}e`) segments.push('');
    else if (part === `${ESC}d`) segments.push('.');
    else if (part === `${ESC}dd`) segments.push('..');
    else segments.push(unescape(part));
  }
  return segments.join('/');
}

function unescape(part: string): string {
  return part.replaceAll(ESC + ESC, ESC);
}
