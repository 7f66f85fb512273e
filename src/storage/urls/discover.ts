/**
 * `storage rewrite-urls --discover`: scans every text and jsonb column of the app's schemas for Supabase
 * storage references and proposes the `storage.urlColumns` block to paste into the config. Columns with
 * bare keys are recognised by checking a sample of their values against storage.objects.
 */
import type { UrlColumn } from '../config.ts';
import { type PgClient } from '../../core/pg.ts';
import type { UrlRewriter } from './rewriter.ts';
import { MANAGED_SCHEMAS } from '../../db/supabase-facts.ts';
import { qualified, quoteIdent } from '../../core/sql-quote.ts';

/** Supabase-managed schemas (DESIGN §5), the system ones and ours: never scanned. */
const SKIP_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast', ...MANAGED_SCHEMAS, 'supa2aws'];

export interface DiscoveredColumn {
  schema: string;
  table: string;
  column: string;
  kind: 'text' | 'jsonb';
  /** Rows whose value mentions /storage/v1/. */
  rowsWithUrls: number;
  /** Of a sample, how many parsed as storage references, by kind. */
  sampled: number;
  kinds: Record<string, number>;
  buckets: Record<string, number>;
  /** For bare keys: the bucket most sampled values are keys of. */
  bareKeysOf?: string;
  hasPrimaryKey: boolean;
}

export interface DiscoverResult {
  columns: DiscoveredColumn[];
  /** Paste into the config. */
  config: { storage: { urlColumns: UrlColumn[] } };
}

export interface DiscoverInput {
  db: PgClient;
  rewriter: UrlRewriter;
  /** Values sampled per column. @default 200 */
  sampleSize?: number;
}

export async function discoverUrlColumns(input: DiscoverInput): Promise<DiscoverResult> {
  const { db, rewriter } = input;
  const sample = input.sampleSize ?? 200;
  const { rows: cols } = await db.query<{
    schema: string;
    table: string;
    column: string;
    type: string;
    has_pk: boolean;
  }>(
    `select n.nspname as schema, c.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as type,
            exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisprimary) as has_pk
       from pg_attribute a
       join pg_class c on c.oid = a.attrelid and c.relkind in ('r', 'p')
       join pg_namespace n on n.oid = c.relnamespace
      where a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
        and (a.atttypid in ('text'::regtype, 'varchar'::regtype, 'jsonb'::regtype))
        and n.nspname <> all($1::text[]) and n.nspname not like 'pg\\_%' and n.nspname not like 'timescaledb\\_%'
      order by 1, 2, a.attnum`,
    [SKIP_SCHEMAS],
  );
  const hasObjects = (
    await db.query<{ ok: boolean }>(`select to_regclass('storage.objects') is not null as ok`)
  ).rows[0]?.ok;
  const found: DiscoveredColumn[] = [];
  for (const c of cols) {
    const kind: 'text' | 'jsonb' = c.type === 'jsonb' ? 'jsonb' : 'text';
    const table = qualified(c.schema, c.table);
    const ident = quoteIdent(c.column);
    const asText = kind === 'jsonb' ? `${ident}::text` : ident;
    const {
      rows: [stats],
    } = await db.query<{ n: number }>(
      `select count(*)::int as n from ${table} where ${asText} like '%/storage/v1/%'`,
    );
    const entry: DiscoveredColumn = {
      schema: c.schema,
      table: c.table,
      column: c.column,
      kind,
      rowsWithUrls: stats?.n ?? 0,
      sampled: 0,
      kinds: {},
      buckets: {},
      hasPrimaryKey: c.has_pk,
    };
    if (entry.rowsWithUrls > 0) {
      const { rows } = await db.query<{ v: string }>(
        `select ${asText} as v from ${table} where ${asText} like '%/storage/v1/%' limit $1`,
        [sample],
      );
      for (const { v } of rows) {
        const strings = kind === 'jsonb' ? jsonStrings(JSON.parse(v) as unknown) : [v];
        for (const s of strings) {
          const ref = rewriter.parse(s, undefined, false);
          if (!ref) continue;
          entry.sampled++;
          entry.kinds[ref.kind] = (entry.kinds[ref.kind] ?? 0) + 1;
          entry.buckets[ref.bucket] = (entry.buckets[ref.bucket] ?? 0) + 1;
        }
      }
    }
    if (kind === 'text' && hasObjects) {
      // Bare keys: sample values that are not URLs and look them up in storage.objects.
      const { rows } = await db.query<{ bucket_id: string; n: number }>(
        `with s as (select ${ident} as v from ${table} where ${ident} is not null and ${ident} not like '%://%'
                      and ${ident} not like '/storage/v1/%' limit $1)
         select o.bucket_id, count(*)::int as n from s join storage.objects o on o.name = s.v group by 1 order by 2 desc`,
        [sample],
      );
      const best = rows[0];
      if (best && best.n > 0) {
        entry.bareKeysOf = best.bucket_id;
        entry.kinds.bare = (entry.kinds.bare ?? 0) + best.n;
        entry.buckets[best.bucket_id] = (entry.buckets[best.bucket_id] ?? 0) + best.n;
      }
      const { rows: prefixed } = await db.query<{ v: string }>(
        `select ${ident} as v from ${table} where ${ident} like any($1::text[]) limit $2`,
        [
          Object.keys(rewriter.options.buckets).map((b) => `${b.replace(/[\\%_]/g, (x) => `\\${x}`)}/%`),
          sample,
        ],
      );
      for (const { v } of prefixed) {
        const ref = rewriter.parse(v);
        if (ref?.kind !== 'bare') continue;
        entry.kinds.bare = (entry.kinds.bare ?? 0) + 1;
        entry.buckets[ref.bucket] = (entry.buckets[ref.bucket] ?? 0) + 1;
      }
    }
    if (entry.rowsWithUrls > 0 || (entry.kinds.bare ?? 0) > 0) found.push(entry);
  }
  return {
    columns: found,
    config: {
      storage: {
        urlColumns: found
          .filter((f) => f.hasPrimaryKey)
          .map((f) => ({
            schema: f.schema,
            table: f.table,
            column: f.column,
            kind: f.kind,
            ...(f.bareKeysOf ? { bucket: f.bareKeysOf } : {}),
          })),
      },
    },
  };
}

function jsonStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) jsonStrings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) jsonStrings(v, out);
  return out;
}
