/** Result and option types shaped like supabase-js storage's. */
import type { Readable } from 'node:stream';
import type { StorageError } from './errors.ts';

/** `{ data, error }` exactly one of which is set, as supabase-js returns. */
export type Result<T> = { data: T; error: null } | { data: null; error: StorageError };

export interface FileMetadata {
  eTag: string;
  size: number;
  mimetype?: string;
  cacheControl?: string;
  lastModified: string;
  contentLength: number;
  httpStatusCode: number;
  [key: string]: unknown;
}

/** One entry of `list()`: folders have only `name` (everything else null). */
export interface FileObject {
  name: string;
  /** The object's ETag (S3 has no object ids); null for folders. */
  id: string | null;
  updated_at: string | null;
  created_at: string | null;
  last_accessed_at: string | null;
  metadata: FileMetadata | null;
  bucket_id?: string;
}

export interface FileOptions {
  /** Seconds (`'3600'`) or a full header (`'max-age=3600, immutable'`). @default '3600' */
  cacheControl?: string;
  /** @default the Blob's type, else 'text/plain;charset=UTF-8' (as supabase-js) */
  contentType?: string;
  /** Overwrite an existing object. @default false */
  upsert?: boolean;
  /** Stored as user metadata. */
  metadata?: Record<string, unknown>;
  /** Ignored (supabase-js passes it to fetch). */
  duplex?: string;
  contentEncoding?: string;
}

export type FileBody =
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | Buffer
  | NodeJS.ReadableStream
  | Readable
  | ReadableStream<Uint8Array>
  | string;

export interface SearchOptions {
  /** @default 100 */
  limit?: number;
  /** @default 0 */
  offset?: number;
  /** @default { column: 'name', order: 'asc' } */
  sortBy?: { column?: string; order?: string };
  /** Names starting with this (case-insensitive), as Storage's search does. */
  search?: string;
}

export interface TransformOptions {
  width?: number;
  height?: number;
  resize?: 'cover' | 'contain' | 'fill';
  quality?: number;
  format?: 'origin';
}
