/**
 * Recognises Supabase Storage references by parsing them as URLs (never by regex over SQL):
 *   https://<ref>.supabase.co/storage/v1/object/public/<bucket>/<key>         public
 *   https://<ref>.supabase.co/storage/v1/render/image/public/<bucket>/<key>?… public, with a transform
 *   https://<ref>.supabase.co/storage/v1/object/sign/<bucket>/<key>?token=…   signed
 *   https://<ref>.supabase.co/storage/v1/object/authenticated/<bucket>/<key>  needs a user's token
 *   /storage/v1/object/public/<bucket>/<key>                                  the same without the host
 * and, for text values, bare `<bucket>/<key>` paths whose bucket is a known bucket id.
 */

export type RefKind = 'public' | 'render' | 'signed' | 'authenticated' | 'bare';

export interface StorageRef {
  kind: RefKind;
  bucket: string;
  /** The object key, percent-decoded. */
  key: string;
  /** Written without scheme and host. */
  relative: boolean;
  /** Query parameters other than Supabase's own (token, download, transforms). */
  extraQuery: Array<[string, string]>;
  /** Supabase transform parameters that were present (width, height...). */
  transform: boolean;
}

const SUPABASE_PARAMS = new Set(['token', 'download', 'width', 'height', 'resize', 'quality', 'format']);
const TRANSFORM_PARAMS = new Set(['width', 'height', 'resize', 'quality', 'format']);

/** Hosts that serve this project's storage: the project host and its storage subdomain. */
export function projectHosts(projectUrl: string): Set<string> {
  const host = new URL(projectUrl).host.toLowerCase();
  const hosts = new Set([host]);
  const m = /^([a-z0-9]+)\.supabase\.(co|in|net)$/.exec(host);
  if (m) hosts.add(`${m[1]}.storage.supabase.${m[2]}`);
  return hosts;
}

function decodeSegments(segments: string[]): string[] | undefined {
  try {
    return segments.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/** Classifies the path after `/storage/v1/`; undefined when it is not an object reference. */
function classifyPath(parts: string[]): { kind: RefKind; rest: string[] } | undefined {
  const [a, b, c] = parts;
  if (a === 'object') {
    if (b === 'public') return { kind: 'public', rest: parts.slice(2) };
    if (b === 'sign') return { kind: 'signed', rest: parts.slice(2) };
    if (b === 'authenticated') return { kind: 'authenticated', rest: parts.slice(2) };
    if (b === 'upload' || b === 'list' || b === 'info' || b === 'move' || b === 'copy') return undefined;
    return { kind: 'authenticated', rest: parts.slice(1) };
  }
  if (a === 'render' && b === 'image') {
    if (c === 'public') return { kind: 'render', rest: parts.slice(3) };
    if (c === 'sign') return { kind: 'signed', rest: parts.slice(3) };
    if (c === 'authenticated') return { kind: 'authenticated', rest: parts.slice(3) };
  }
  return undefined;
}

/**
 * A Supabase storage URL of this project, or undefined for anything else. The path is split by hand, not
 * through `new URL()`, which would resolve `.` and `..` segments that are legal in object keys.
 */
export function parseStorageUrl(value: string, hosts: ReadonlySet<string>): StorageRef | undefined {
  if (value.length === 0 || value.trim() !== value) return undefined;
  const relative = value.startsWith('/storage/v1/');
  const cut = value.search(/[?#]/);
  const beforeQuery = cut >= 0 ? value.slice(0, cut) : value;
  const query = cut >= 0 && value[cut] === '?' ? (value.slice(cut + 1).split('#')[0] ?? '') : '';
  let path: string;
  if (relative) {
    path = beforeQuery;
  } else {
    const m = /^https?:\/\/([^/]+)(\/.*)?$/i.exec(beforeQuery);
    if (!m) return undefined;
    let host: string;
    try {
      host = new URL(`https://${m[1]}`).host.toLowerCase();
    } catch {
      return undefined;
    }
    if (!hosts.has(host)) return undefined;
    path = m[2] ?? '';
  }
  const prefix = '/storage/v1/';
  if (!path.startsWith(prefix)) return undefined;
  const classified = classifyPath(path.slice(prefix.length).split('/'));
  if (!classified || classified.rest.length < 2) return undefined;
  const decoded = decodeSegments(classified.rest);
  if (!decoded) return undefined;
  const [bucket, ...keyParts] = decoded;
  const key = keyParts.join('/');
  if (!bucket || !key) return undefined;
  const extraQuery: Array<[string, string]> = [];
  let transform = false;
  for (const [k, v] of new URLSearchParams(query)) {
    if (TRANSFORM_PARAMS.has(k)) transform = true;
    if (!SUPABASE_PARAMS.has(k)) extraQuery.push([k, v]);
  }
  return { kind: classified.kind, bucket, key, relative, extraQuery, transform };
}

/** A bare `<bucket>/<key>` path whose bucket is one of `buckets`. */
export function parseBarePath(value: string, buckets: ReadonlySet<string>): StorageRef | undefined {
  if (value.includes('://') || value.startsWith('/') || value.includes('?') || value.trim() !== value)
    return undefined;
  const slash = value.indexOf('/');
  if (slash <= 0) return undefined;
  const bucket = value.slice(0, slash);
  const key = value.slice(slash + 1);
  if (!buckets.has(bucket) || !key) return undefined;
  return { kind: 'bare', bucket, key, relative: true, extraQuery: [], transform: false };
}
