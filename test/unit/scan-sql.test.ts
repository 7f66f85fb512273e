/** from() and rpc() chains translated to parameterised SQL, and what is deliberately left untranslated. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type ts from 'typescript';
import {
  analyzeCode,
  parseSource,
  quoteIdent,
  selectList,
  translateFromChain,
  type Finding,
} from '../../src/scan/index.ts';

function scan(code: string, file = 'backend/src/routes/x.ts'): Finding[] {
  const src = `import { supabase } from '../config/supabase.js';\nimport express from 'express';\n${code}\n`;
  return analyzeCode({ sf: parseSource(file, src), rel: file, resolveImport: () => undefined }).filter(
    (f) => f.kind === 'query' || f.kind === 'rpc',
  );
}

function sqlOf(code: string): { text: string; params: string[]; notes: string[] } {
  const [f] = scan(code);
  assert.ok(f, 'one finding');
  assert.ok(f.sql, `translated (skipped: ${f.sqlSkipped})`);
  return f.sql;
}

function skippedOf(code: string): string {
  const [f] = scan(code);
  assert.ok(f?.sqlSkipped, 'skipped');
  assert.equal(f.sql, undefined);
  return f.sqlSkipped;
}

describe('SELECT', () => {
  it('translates the example from the issue', () => {
    const sql = sqlOf(
      `const r = await supabase.from('projects').select('id,title').eq('user_id', uid).order('created_at', { ascending: false }).limit(10);`,
    );
    assert.equal(
      sql.text,
      'SELECT id, title FROM projects WHERE user_id = $1 ORDER BY created_at DESC LIMIT 10',
    );
    assert.deepEqual(sql.params, ['uid']);
  });

  it('maps every simple filter operator', () => {
    const sql = sqlOf(
      `supabase.from('jobs').select().neq('a', x).gt('b', 1).gte('c', y).lt('d', z).lte('e', w)` +
        `.like('f', '%v%').ilike('g', q).is('h', null).not('i', 'is', null).in('j', ids).contains('k', tags)` +
        `.eq('l', null).not('m', 'eq', v).filter('n', 'gte', 5)`,
    );
    assert.equal(
      sql.text,
      'SELECT * FROM jobs WHERE a <> $1 AND b > $2 AND c >= $3 AND d < $4 AND e <= $5 AND f LIKE $6 AND g ILIKE $7 ' +
        'AND h IS NULL AND i IS NOT NULL AND j = ANY($8) AND k @> $9 AND l IS NULL AND m <> $10 AND n >= $11',
    );
    assert.deepEqual(sql.params, ['x', '1', 'y', 'z', 'w', "'%v%'", 'q', 'ids', 'tags', 'v', '5']);
  });

  it('keeps aliases and casts, quotes reserved names, follows schema()', () => {
    assert.equal(selectList('id, name:title, created_at::date'), 'id, title AS name, created_at::date');
    assert.equal(quoteIdent('user'), '"user"');
    assert.equal(quoteIdent('Projects'), '"Projects"');
    const sql = sqlOf(
      `supabase.schema('app').from('order').select('id').match({ user_id: uid, status: 'open' })`,
    );
    assert.equal(sql.text, 'SELECT id FROM app."order" WHERE user_id = $1 AND status = $2');
    assert.deepEqual(sql.params, ['uid', "'open'"]);
  });

  it('orders with nulls, ranges and counts', () => {
    assert.equal(
      sqlOf(
        `supabase.from('t').select('*').order('a').order('b', { ascending: false, nullsFirst: true }).range(20, 29)`,
      ).text,
      'SELECT * FROM t ORDER BY a ASC, b DESC NULLS FIRST LIMIT 10 OFFSET 20',
    );
    const limitParam = sqlOf(`supabase.from('t').select('id').limit(n)`);
    assert.equal(limitParam.text, 'SELECT id FROM t LIMIT $1');
    assert.deepEqual(limitParam.params, ['n']);
    assert.equal(
      sqlOf(`supabase.from('t').select('*', { count: 'exact', head: true }).eq('u', uid)`).text,
      'SELECT count(*) FROM t WHERE u = $1',
    );
    assert.match(
      sqlOf(`supabase.from('t').select('id').eq('id', id).single()`).notes[0] ?? '',
      /exactly one row/,
    );
  });
});

describe('INSERT, UPSERT, UPDATE, DELETE', () => {
  it('inserts one or many rows, with RETURNING from select()', () => {
    const one = sqlOf(`supabase.from('projects').insert({ user_id: uid, title }).select('id').single()`);
    assert.equal(one.text, 'INSERT INTO projects (user_id, title) VALUES ($1, $2) RETURNING id');
    assert.deepEqual(one.params, ['uid', 'title']);
    const many = sqlOf(`supabase.from('tags').insert([{ name: a, n: 1 }, { name: b, n: 2 }])`);
    assert.equal(many.text, 'INSERT INTO tags (name, n) VALUES ($1, $2), ($3, $4)');
  });

  it('upserts on the conflict target, or on the primary key constraint (never an assumed id column)', () => {
    assert.equal(
      sqlOf(`supabase.from('credits').upsert({ user_id: u, balance: b }, { onConflict: 'user_id' })`).text,
      'INSERT INTO credits (user_id, balance) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET balance = EXCLUDED.balance',
    );
    const assumed = sqlOf(`supabase.from('credits').upsert({ id: i, balance: b })`);
    assert.equal(
      assumed.text,
      'INSERT INTO credits (id, balance) VALUES ($1, $2) ON CONFLICT ON CONSTRAINT credits_pkey DO UPDATE SET id = EXCLUDED.id, balance = EXCLUDED.balance',
    );
    assert.match(assumed.notes.join(' '), /primary key.*credits_pkey/);
  });

  it('updates and deletes with their filters, and warns when there is none', () => {
    const upd = sqlOf(`supabase.from('scenes').update({ image_url: url }).eq('id', sceneId).select()`);
    assert.equal(upd.text, 'UPDATE scenes SET image_url = $1 WHERE id = $2 RETURNING *');
    assert.deepEqual(upd.params, ['url', 'sceneId']);
    const del = sqlOf(`supabase.from('sessions').delete()`);
    assert.equal(del.text, 'DELETE FROM sessions');
    assert.match(del.notes.join(' '), /every row/);
  });
});

describe('rpc', () => {
  it('calls the function with named arguments', () => {
    const sql = sqlOf(`supabase.rpc('deduct_credits', { p_user_id: uid, p_amount: 5 })`);
    assert.equal(sql.text, 'SELECT * FROM deduct_credits(p_user_id => $1, p_amount => $2)');
    assert.deepEqual(sql.params, ['uid', '5']);
    assert.equal(sqlOf(`supabase.rpc('refresh_stats')`).text, 'SELECT * FROM refresh_stats()');
  });
});

describe('not translated, with the reason', () => {
  it('skips what it cannot say exactly', () => {
    assert.match(skippedOf(`supabase.from('a').select('id, b(*)')`), /embeds a related table/);
    assert.match(skippedOf(`supabase.from('a').select('*').or('x.eq.1,y.eq.2')`), /\.or\(\)/);
    assert.match(skippedOf(`supabase.from(table).select('*')`), /table name is not a string literal/);
    assert.match(skippedOf(`supabase.from('a').update([a, b]).eq('id', 1)`), /update\(\) with an array/);
    assert.match(skippedOf(`supabase.from('a').select(cols)`), /not a string literal/);
    assert.match(skippedOf(`supabase.from('a').select('data->name')`), /JSON path/);
  });

  it('reads a column list from a const of the file, not from a name the file declares twice', () => {
    assert.equal(
      sqlOf(`const COLS = 'id, title';\nsupabase.from('a').select(COLS).eq('id', x);`).text,
      'SELECT id, title FROM a WHERE id = $1',
    );
    assert.match(
      skippedOf(`const COLS = 'id';\nfunction f(COLS: string) { return supabase.from('a').select(COLS); }`),
      /not a string literal/,
    );
  });

  it('reports a query built across statements once, at its from()', () => {
    const findings = scan(
      [
        `let q = supabase.from('assets').select('id').eq('project_id', p);`,
        `if (x) q = q.eq('kind', 'image');`,
        `const { data } = await q;`,
      ].join('\n'),
    );
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.line, 3);
    assert.match(findings[0]?.sqlSkipped ?? '', /built across statements \(q\)/);
  });

  it('translates a query stored in a variable that is only awaited', () => {
    const findings = scan(`const q = supabase.from('assets').select('id');\nconst { data } = await q;`);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.sql?.text, 'SELECT id FROM assets');
  });
});

describe('what supabase-js does that a naive translation gets wrong (issue 21)', () => {
  const skipped = (code: string) => {
    const f = analyzeCode({
      sf: parseSource('src/x.ts', code),
      rel: 'src/x.ts',
      resolveImport: () => undefined,
    });
    return f.find((x) => x.kind === 'query' || x.kind === 'rpc')?.sqlSkipped;
  };

  it('keeps .range(), filters and order after .rpc()', () => {
    const sql = sqlOf(
      `supabase.rpc('search_projects', { q: term }).eq('status', 'draft').order('rank', { ascending: false }).range(from, to)`,
    );
    assert.equal(
      sql.text,
      'SELECT * FROM search_projects(q => $1) WHERE status = $2 ORDER BY rank DESC LIMIT ($4::bigint - $3::bigint + 1) OFFSET $3::bigint',
    );
    assert.deepEqual(sql.params, ['term', "'draft'", 'from', 'to']);
  });

  it('does not drop .order() or .limit() after a write: marks it', () => {
    assert.match(skipped(`supabase.from('a').insert({ x: 1 }).select().order('x').limit(1)`) ?? '', /order/);
    assert.match(skipped(`supabase.from('a').update({ x: 1 }).eq('id', i).limit(5)`) ?? '', /limit/);
  });

  it('does not bind a PostgREST list string for .not(col, "in", "(1,2)")', () => {
    assert.match(skipped(`supabase.from('a').select().not('id', 'in', '(1,2)')`) ?? '', /list string/);
  });

  it('counts with head: true without an ORDER BY that would make the SQL invalid', () => {
    const sql = sqlOf(
      `supabase.from('jobs').select('*', { count: 'exact', head: true }).eq('status', 'queued').order('created_at')`,
    );
    assert.equal(sql.text, 'SELECT count(*) FROM jobs WHERE status = $1');
    assert.match(sql.notes.join(' '), /Number\(rows\[0\]\.count\)/);
  });

  it('does not apply .limit(n, { referencedTable }) to the main query', () => {
    assert.match(
      skipped(`supabase.from('projects').select('id').limit(3, { referencedTable: 'scenes' })`) ?? '',
      /related table/,
    );
  });

  it('notes where results differ from supabase-js: timestamps, counts, arrays bound to jsonb', () => {
    assert.match(sqlOf(`supabase.from('a').select('id, created_at')`).notes.join(' '), /Date objects/);
    assert.match(
      sqlOf(`supabase.from('a').select('id', { count: 'exact' })`).notes.join(' '),
      /node-postgres returns as a string/,
    );
    assert.match(
      sqlOf(`supabase.from('a').insert({ tags: ['x', 'y'], n: 1 })`).notes.join(' '),
      /tags is bound from a JS array.*JSON\.stringify/,
    );
  });
});

describe('supabase-js semantics kept (issue 21)', () => {
  it('GIVEN .textSearch() THEN the tsquery function of its type, with its config', () => {
    const sql = sqlOf(
      `supabase.from('projects').select('id').textSearch('search_vector', q, { type: 'websearch', config: 'english' })`,
    );
    assert.equal(
      sql.text,
      "SELECT id FROM projects WHERE search_vector @@ websearch_to_tsquery('english', $1)",
    );
    assert.equal(
      sqlOf(`supabase.from('p').select('id').textSearch('fts', q)`).text,
      'SELECT id FROM p WHERE fts @@ to_tsquery($1)',
    );
    assert.match(
      skippedOf(`supabase.from('p').select('id').textSearch('fts', q, { type: kind })`),
      /type is not plain, phrase or websearch/,
    );
  });

  it("GIVEN a write with { count: 'exact' } THEN the count of the rows written", () => {
    assert.equal(
      sqlOf(`supabase.from('p').delete({ count: 'exact' }).eq('id', id)`).text,
      'WITH written AS (DELETE FROM p WHERE id = $1 RETURNING 1) SELECT count(*) FROM written',
    );
    assert.match(
      skippedOf(`supabase.from('p').update({ a: 1 }, { count: 'exact' }).eq('id', id).select()`),
      /rows and their count need two statements/,
    );
  });

  it('GIVEN a row that is not an object literal THEN its keys are read at run time and the row bound as JSON', () => {
    const [f] = scan(`supabase.from('projects').update(fields).eq('id', id).select('id').maybeSingle()`);
    assert.deepEqual(f?.sql?.row, {
      op: 'update',
      table: 'projects',
      expression: 'fields',
      where: ' WHERE id = $1',
      returning: ' RETURNING id',
    });
    assert.deepEqual(f?.sql?.params, ['id', 'JSON.stringify(fields)']);
    const insert = sqlOf(`supabase.from('projects').insert({ ...fields, user_id: uid })`);
    assert.equal(
      insert.text,
      'INSERT INTO projects (<keys of the row>) SELECT <keys of the row> FROM jsonb_populate_recordset(NULL::projects, $1::jsonb)',
    );
  });
});

describe('embedded relations (issue 21)', () => {
  const fks = [
    {
      name: 'posts_author_id_fkey',
      table: 'public.posts',
      columns: ['author_id'],
      refTable: 'public.profiles',
      refColumns: ['id'],
    },
    {
      name: 'comments_post_id_fkey',
      table: 'public.comments',
      columns: ['post_id'],
      refTable: 'public.posts',
      refColumns: ['id'],
    },
  ];
  const translate = (select: string, keys = fks) => {
    const sf = parseSource('x.ts', `supabase.from('posts').select('${select}')`);
    const chain = (sf.statements[0] as ts.ExpressionStatement).expression as ts.CallExpression;
    return translateFromChain(sf, 'posts', [{ name: 'select', call: chain, node: chain }], keys);
  };

  it('GIVEN the foreign keys THEN a to-one embed is row_to_json, a to-many one json_agg, in one query', () => {
    const t = translate('id, author:profiles(name), comments(id, body)');
    assert.ok('sql' in t);
    assert.equal(
      t.sql.text,
      'SELECT id, (SELECT row_to_json(e1) FROM (SELECT name FROM profiles AS e1_row WHERE e1_row.id = posts.author_id) AS e1) AS author, ' +
        "COALESCE((SELECT json_agg(e2) FROM (SELECT id, body FROM comments AS e2_row WHERE e2_row.post_id = posts.id) AS e2), '[]'::json) AS comments FROM posts",
    );
  });
});
