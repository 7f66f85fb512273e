import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadParser } from '../../src/db/sql/parser.ts';
import { splitSql } from '../../src/db/sql/split.ts';
import { analyzeStatement } from '../../src/db/sql/analyze.ts';

describe('splitting SQL with the PostgreSQL parser', () => {
  before(() => loadParser());

  it("keeps each statement's original text, its leading comments and its line", () => {
    const { statements } = splitSql(
      '--\n-- Name: t; Type: TABLE\n--\n\nCREATE TABLE public."Ünïcode" (id int); -- trailing\nselect 1;\n',
      'dump.sql',
    );
    assert.equal(statements.length, 2);
    assert.equal(statements[0]?.text, 'CREATE TABLE public."Ünïcode" (id int)');
    assert.equal(statements[0]?.leading, '--\n-- Name: t; Type: TABLE\n--\n\n');
    assert.equal(statements[0]?.line, 5);
    assert.equal(statements[1]?.text, 'select 1');
    assert.equal(statements[1]?.line, 5 + 1);
  });

  it('blanks psql meta-commands by line, but not backslash lines inside a body', () => {
    const sql =
      '\\restrict abc\nCREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$\n\\not a meta command\nselect 1\n$$;\n\\unrestrict abc\n';
    const { statements, stripped } = splitSql(sql, 'x.sql');
    assert.deepEqual(
      stripped.map((s) => s.line),
      [1, 6],
    );
    assert.equal(statements.length, 1);
    assert.ok(statements[0]?.text.includes('\\not a meta command'));
    assert.equal(statements[0]?.line, 2);
  });

  it('reports a syntax error with its file, line and column as DB_SQL_PARSE_ERROR', () => {
    assert.throws(
      () => splitSql('select 1;\nselect (;\n', 'broken.sql'),
      (e: { code?: string; details?: { line?: number } }) =>
        e.code === 'DB_SQL_PARSE_ERROR' && e.details?.line === 2,
    );
  });

  it('finds the object and references of a statement, function bodies included', () => {
    const [create] = splitSql(
      `create function public.f() returns trigger language plpgsql as $$
       declare v uuid := auth.uid();
       begin
         insert into public.log(id) values (vault.create_secret('x'));
         new.x := net.http_get('u');
         return new;
       end $$;`,
    ).statements;
    const info = analyzeStatement(create!);
    assert.deepEqual(info.target, { kind: 'function', schema: 'public', name: 'f' });
    const calls = info.bodyRefs?.functions.map((f) => `${f.schema}.${f.name}`);
    assert.deepEqual(calls?.sort(), ['auth.uid', 'net.http_get', 'vault.create_secret']);
    assert.ok(info.bodyRefs?.relations.some((r) => r.schema === 'public' && r.name === 'log'));
  });
});
