/**
 * What `supa2aws migrate-code` writes in place of supabase-js calls, run against real PostgreSQL (the
 * sandbox's RDS stand-in): `sqlResult` answers `{ data, error }` as supabase-js did (counts as numbers,
 * timestamps as ISO strings, PostgREST's single-row errors), and the generated `rowSql` writes rows as
 * PostgREST did with the JSON body (undefined keys left out so defaults apply, objects and arrays into
 * jsonb and array columns).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { generatedModule } from '../../src/codemod/index.ts';
import { closePool, createPool, sqlResult } from '@supa2aws/runtime/db';
import { getTestSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

type RowSql = (
  op: 'insert' | 'update',
  table: string,
  row: object,
  clauses?: { where?: string; params?: unknown[]; returning?: string },
) => [string, unknown[]];

let pool: pg.Pool;
let rowSql: RowSql;

before(async () => {
  const sb = await getTestSandbox();
  const db = await sb.freshTargetDb();
  pool = createPool({ connectionString: db.url, max: 2 });
  await pool.query(`
    CREATE TABLE notes (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      title text NOT NULL,
      status text NOT NULL DEFAULT 'draft',
      tags text[] NOT NULL DEFAULT '{}',
      settings jsonb NOT NULL DEFAULT '{}',
      due date,
      created_at timestamptz NOT NULL DEFAULT '2026-01-02T03:04:05.678Z'
    );
    CREATE FUNCTION note_count() RETURNS int LANGUAGE sql AS 'SELECT count(*)::int FROM notes';
    CREATE FUNCTION note_titles() RETURNS SETOF text LANGUAGE sql AS 'SELECT title FROM notes ORDER BY id';`);
  const file = path.join(tempDir('codemod-rowsql-'), 'supa2aws.server.ts');
  writeFileSync(file, generatedModule('server', new Set(['rowSql'])));
  ({ rowSql } = (await import(pathToFileURL(file).href)) as { rowSql: RowSql });
});

after(async () => {
  await closePool(pool);
});

describe('rowSql: rows written as PostgREST wrote the JSON body', () => {
  it('GIVEN undefined keys, an object for jsonb and an array for text[] THEN defaults apply and each value reaches its column type', async () => {
    const { data, error } = await sqlResult(
      pool,
      ...rowSql(
        'insert',
        'notes',
        { title: 'first', status: undefined, tags: ['a', 'b'], settings: { fps: 24, cuts: [1, 2] } },
        { returning: ' RETURNING *' },
      ),
      'single',
    );
    assert.equal(error, null);
    assert.equal(data.status, 'draft', 'an undefined key leaves the column to its default');
    assert.deepEqual(data.tags, ['a', 'b']);
    assert.deepEqual(data.settings, { fps: 24, cuts: [1, 2] });
    assert.equal(data.created_at, '2026-01-02T03:04:05.678Z', 'timestamps come back as ISO strings');
  });

  it('GIVEN a list of rows THEN one INSERT of all of them, keys missing from a row written as NULL (supabase-js defaultToNull)', async () => {
    const { data, error } = await sqlResult(
      pool,
      ...rowSql('insert', 'notes', [{ title: 'second', due: '2026-03-04' }, { title: 'third' }], {
        returning: ' RETURNING title, due::text AS due',
      }),
      'rows',
    );
    assert.equal(error, null);
    assert.deepEqual(data, [
      { title: 'second', due: '2026-03-04' },
      { title: 'third', due: null },
    ]);
  });

  it('GIVEN an update with a filter THEN only the defined keys change, on the rows the filter matches', async () => {
    const { data, error } = await sqlResult(
      pool,
      ...rowSql(
        'update',
        'notes',
        { status: 'done', title: undefined, settings: ['x'] },
        { where: ' WHERE title = $1', params: ['first'], returning: ' RETURNING title, status, settings' },
      ),
      'maybeSingle',
    );
    assert.equal(error, null);
    assert.deepEqual(data, { title: 'first', status: 'done', settings: ['x'] });
    const none = await sqlResult(
      pool,
      ...rowSql('update', 'notes', { status: 'done' }, { where: ' WHERE title = $1', params: ['nobody'] }),
      'maybeSingle',
    );
    assert.deepEqual(none, { data: null, error: null });
  });
});

describe('sqlResult: results shaped as supabase-js returned them', () => {
  it('GIVEN a head count and a write count THEN numbers, not the bigint strings node-postgres gives', async () => {
    const counted = await sqlResult(pool, 'SELECT count(*) FROM notes', [], 'count');
    assert.deepEqual(counted, { data: null, error: null, count: 3 });
    const deleted = await sqlResult(
      pool,
      'WITH written AS (DELETE FROM notes WHERE title = $1 RETURNING 1) SELECT count(*) FROM written',
      ['third'],
      'count',
    );
    assert.equal(deleted.count, 1);
  });

  it('GIVEN single() over no row or two THEN PGRST116 in error, data null; maybeSingle() over none THEN data null', async () => {
    const none = await sqlResult(pool, 'SELECT * FROM notes WHERE title = $1', ['nobody'], 'single');
    assert.equal(none.data, null);
    assert.equal(none.error?.code, 'PGRST116');
    const two = await sqlResult(pool, 'SELECT * FROM notes', [], 'single');
    assert.equal(two.error?.code, 'PGRST116');
    assert.equal(two.error?.details, 'The result contains 2 rows');
    assert.deepEqual(await sqlResult(pool, 'SELECT * FROM notes WHERE false', [], 'maybeSingle'), {
      data: null,
      error: null,
    });
  });

  it('GIVEN a statement PostgreSQL refuses THEN { data: null, error } with the SQLSTATE, never a throw', async () => {
    const result = await sqlResult(pool, 'INSERT INTO notes (title) VALUES ($1)', [null], 'none');
    assert.equal(result.data, null);
    assert.equal(result.error?.code, '23502');
    assert.match(result.error?.message ?? '', /title/);
  });

  it('GIVEN rpc() of a scalar and of SETOF a scalar THEN the value and the list of values', async () => {
    const scalar = await sqlResult(pool, 'SELECT * FROM note_count()', [], { rpc: 'note_count' });
    assert.deepEqual(scalar, { data: 2, error: null });
    const list = await sqlResult(pool, 'SELECT * FROM note_titles()', [], { rpc: 'note_titles' });
    assert.deepEqual(list, { data: ['first', 'second'], error: null });
  });
});
