/**
 * Rewrites one stored value (pure): Supabase public URLs → the target's public URL, signed and
 * authenticated URLs → the stable form `storage.signedUrls` chooses (never keeping the token), bare
 * `<bucket>/<key>` paths → `<target bucket>/<key>`. jsonb values are walked, every string rewritten.
 */
import { encodeKey, publicObjectUrl } from '@supa2aws/runtime/storage';
import type { BucketMapping, UrlColumn } from '../config.ts';
import { parseBarePath, parseStorageUrl, projectHosts, type RefKind, type StorageRef } from './parse.ts';

export interface RewriterOptions {
  /** https://<ref>.supabase.co */
  projectUrl: string;
  buckets: Record<string, BucketMapping>;
  /** 'public': a public target URL; 'path': `<target bucket>/<key>` (or the bare key in a column with `bucket`). */
  signedUrls: 'public' | 'path';
  target: { endpoint?: string; region?: string; publicBaseUrl?: string; forcePathStyle?: boolean };
}

export interface Rewrite {
  value: string;
  kind: RefKind;
  /** An image transform (width, height...) was dropped: S3 serves the original. */
  droppedTransform: boolean;
}

export type Unchanged = { reason: 'not-storage' | 'unmapped-bucket' };

/** Counts by kind for one value (jsonb values may hold many references). */
export type KindCounts = Partial<Record<RefKind | 'unmapped', number>>;

export class UrlRewriter {
  private readonly hosts: Set<string>;
  private readonly bucketIds: Set<string>;

  constructor(readonly options: RewriterOptions) {
    this.hosts = projectHosts(options.projectUrl);
    this.bucketIds = new Set(Object.keys(options.buckets));
  }

  /** Parses a value as a storage reference (URL, or bare path when `bare` allows it). */
  parse(value: string, column?: Pick<UrlColumn, 'bucket'>, bare = true): StorageRef | undefined {
    return (
      parseStorageUrl(value, this.hosts) ??
      (bare && !column?.bucket ? parseBarePath(value, this.bucketIds) : undefined)
    );
  }

  publicUrl(mapping: BucketMapping, key: string): string {
    return publicObjectUrl(mapping.target, key, {
      ...(mapping.publicBaseUrl ? { bucketBaseUrl: mapping.publicBaseUrl } : {}),
      ...(this.options.target.publicBaseUrl ? { publicBaseUrl: this.options.target.publicBaseUrl } : {}),
      ...(this.options.target.endpoint ? { endpoint: this.options.target.endpoint } : {}),
      ...(this.options.target.region ? { region: this.options.target.region } : {}),
      ...(this.options.target.forcePathStyle !== undefined
        ? { forcePathStyle: this.options.target.forcePathStyle }
        : {}),
    });
  }

  /** The new text for one reference, or why it stays. */
  rewriteRef(ref: StorageRef, column?: Pick<UrlColumn, 'bucket'>): Rewrite | Unchanged {
    const mapping = this.options.buckets[ref.bucket];
    if (!mapping) return { reason: 'unmapped-bucket' };
    const asPath = () => (column?.bucket === ref.bucket ? ref.key : `${mapping.target}/${ref.key}`);
    let value: string;
    switch (ref.kind) {
      case 'bare':
        value = `${mapping.target}/${ref.key}`;
        break;
      case 'public':
      case 'render':
        value = this.publicUrl(mapping, ref.key);
        break;
      case 'signed':
      case 'authenticated':
        value = this.options.signedUrls === 'public' ? this.publicUrl(mapping, ref.key) : asPath();
        break;
    }
    const isUrl = value.includes('://');
    if (isUrl && ref.extraQuery.length > 0) {
      value += `?${new URLSearchParams(ref.extraQuery).toString()}`;
    }
    return { value, kind: ref.kind, droppedTransform: ref.transform };
  }

  /** Rewrites a text value; undefined when it is not a mapped storage reference. */
  rewriteText(value: string, column?: Pick<UrlColumn, 'bucket'>, counts?: KindCounts): Rewrite | undefined {
    const ref = this.parse(value, column);
    if (!ref) return undefined;
    const out = this.rewriteRef(ref, column);
    if ('reason' in out) {
      if (counts) counts.unmapped = (counts.unmapped ?? 0) + 1;
      return undefined;
    }
    if (counts) counts[out.kind] = (counts[out.kind] ?? 0) + 1;
    return out;
  }

  /**
   * Finds every string inside a JSON value that is a mapped storage URL and says what it becomes, by path
   * (object keys and array indexes), so the database can change just those strings with jsonb_set and leave
   * every other byte of the document (numbers above 2^53 included) as it was. Bare paths are left alone
   * inside JSON, where a string like `images/x.png` is too likely to be something else.
   */
  rewriteJson(value: unknown, column?: Pick<UrlColumn, 'bucket'>, counts?: KindCounts): JsonChange[] {
    const changes: JsonChange[] = [];
    const walk = (node: unknown, path: string[]): void => {
      if (typeof node === 'string') {
        const ref = parseStorageUrl(node, this.hosts);
        if (!ref) return;
        const out = this.rewriteRef(ref, column);
        if ('reason' in out) {
          if (counts) counts.unmapped = (counts.unmapped ?? 0) + 1;
          return;
        }
        if (counts) counts[out.kind] = (counts[out.kind] ?? 0) + 1;
        changes.push({ path, before: node, after: out.value });
        return;
      }
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...path, String(i)]));
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node as Record<string, unknown>)) walk(v, [...path, k]);
      }
    };
    walk(value, []);
    return changes;
  }
}

/** One string inside a jsonb document to replace. `path` empty: the document is that string. */
export interface JsonChange {
  path: string[];
  before: string;
  after: string;
}

export { encodeKey };
