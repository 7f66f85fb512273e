import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnInfo, TableInfo } from '../../src/db/catalog/tables.ts';
import { commonColumns } from '../../src/db/catalog/tables.ts';
import { chooseFormat } from '../../src/db/copy/copy-table.ts';
import { chunkKey, digestExpressions } from '../../src/db/verify/digest.ts';

const col = (name: string, type: string, typeOid: number, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  type,
  typeOid,
  generated: false,
  notNull: false,
  binarySafe: true,
  collatable: false,
  ...extra,
});

const table = (columns: ColumnInfo[], primaryKey: string[] = []): TableInfo => ({
  schema: 'public',
  name: 't',
  columns,
  primaryKey,
  rowEstimate: 0,
  totalBytes: 0,
  rlsEnabled: false,
  rlsForced: false,
});

describe('what db copy and db verify read', () => {
  it('copies and digests only columns stored on both sides, never generated ones', () => {
    const source = table([
      col('id', 'uuid', 2950),
      col('email', 'character varying(255)', 1043),
      col('confirmed_at', 'timestamp with time zone', 1184, { generated: true }),
      col('aud', 'text', 25),
    ]);
    const target = table([
      col('id', 'uuid', 2950),
      col('email', 'text', 25, { collatable: true }),
      col('confirmed_at', 'timestamp with time zone', 1184),
      col('cognito_sub', 'text', 25),
    ]);
    assert.deepEqual(
      commonColumns(source, target).map((c) => c.name),
      ['id', 'email'],
    );
  });

  it('hashes built-in columns as they are and casts the rest (and type mismatches) to text', () => {
    const target = [
      col('id', 'uuid', 2950),
      col('status', 'public.generation_status', 16500),
      col('email', 'text', 25),
    ];
    const source = [
      col('id', 'uuid', 2950),
      col('status', 'public.generation_status', 17000),
      col('email', 'character varying(255)', 1043),
    ];
    assert.deepEqual(digestExpressions(target, source), ['"id"', '"status"::text', '"email"::text']);
  });

  it('uses binary COPY unless a column embeds type OIDs', () => {
    assert.equal(chooseFormat([col('a', 'uuid', 2950), col('b', 'jsonb', 3802)], 'auto'), 'binary');
    assert.equal(chooseFormat([col('a', 'public.status[]', 16600, { binarySafe: false })], 'auto'), 'text');
    assert.equal(chooseFormat([col('a', 'uuid', 2950)], 'text'), 'text');
  });

  it('chunks by the first key column when its order is the same on every server', () => {
    assert.equal(chunkKey(table([col('id', 'uuid', 2950)], ['id']))?.type, 'uuid');
    const text = chunkKey(table([col('slug', 'text', 25, { collatable: true })], ['slug']));
    assert.equal(text?.type, 'bytea');
    assert.equal(text?.expr('"slug"'), `convert_to("slug"::text, 'UTF8')`);
    assert.equal(chunkKey(table([col('id', 'uuid', 2950)])), undefined);
    assert.equal(chunkKey(table([col('p', 'point', 600)], ['p'])), undefined);
  });
});
