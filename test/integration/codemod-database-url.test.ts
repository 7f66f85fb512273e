/**
 * `supa2aws migrate-code --database-url` against real PostgreSQL over TLS (the sandbox's RDS stand-in): the
 * foreign keys it reads turn an embedded relation into a subquery, and the connection follows libpq's TLS
 * rules and error codes as every other connection of supa2aws does (issue 21; before, it was a plain
 * pg.Client, plaintext unless the URL said otherwise, with every failure reported as CODE_SCHEMA_UNREADABLE).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import pg from 'pg';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { getTestSandbox, type TestDatabase } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const FILES: Record<string, string> = {
  'src/db.ts': [
    "import { createClient } from '@supabase/supabase-js';",
    'export const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_SERVICE_ROLE_KEY!);',
    '',
  ].join('\n'),
  'src/posts.ts': [
    "import { supabase } from './db.js';",
    'export async function withAuthors() {',
    "  const { data } = await supabase.from('posts').select('id, title, authors(name)');",
    '  return data;',
    '}',
    '',
  ].join('\n'),
};

let db: TestDatabase;

function app(): string {
  const root = tempDir('codemod-dburl-');
  for (const [rel, text] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

function migrate(root: string, url: string) {
  return runCliInProcess(
    [
      'migrate-code',
      root,
      '--json',
      '--no-type-check',
      '--diff',
      path.join(root, 'out.diff'),
      '--database-url',
      url,
    ],
    { cwd: root },
  );
}

before(async () => {
  const sb = await getTestSandbox();
  db = await sb.freshTargetDb();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`
    CREATE TABLE authors (id bigint PRIMARY KEY, name text NOT NULL);
    CREATE TABLE posts (id bigint PRIMARY KEY, title text NOT NULL, author_id bigint NOT NULL REFERENCES authors (id));`);
  await client.end();
});

describe('migrate-code --database-url', () => {
  it('GIVEN the schema over verify-full TLS WHEN an embed has one foreign key THEN it becomes a row_to_json subquery', async () => {
    assert.match(db.url, /sslmode=verify-full/);
    const root = app();
    const run = await migrate(root, db.url);
    assert.equal(run.status, 0, run.stderr);
    const diff = readFileSync(path.join(root, 'out.diff'), 'utf8');
    assert.match(
      diff,
      /SELECT row_to_json\(e1\) FROM \(SELECT name FROM authors AS e1_row WHERE e1_row\.id = posts\.author_id\)/,
    );
  });

  it('GIVEN a wrong password or an untrusted server certificate WHEN it connects THEN the coded error and exit of every supa2aws connection, with no password printed', async () => {
    const wrong = new URL(db.url);
    wrong.password = 'not-the-password-91x';
    const refused = await migrate(app(), wrong.toString());
    assert.equal(refused.status, 4, refused.stdout);
    assert.match(refused.stdout, /"code": "DB_AUTH_FAILED"/);
    assert.match(refused.stdout, /Check the user and password of the database URL\./);
    assert.doesNotMatch(refused.stderr + refused.stdout, /not-the-password-91x/);

    const untrusted = new URL(db.url);
    untrusted.searchParams.delete('sslrootcert');
    const tls = await runCliInProcess(
      ['migrate-code', '.', '--json', '--no-type-check', '--database-url', untrusted.toString()],
      { cwd: app(), env: { ...process.env, HOME: tempDir('codemod-dburl-home-') } },
    );
    assert.equal(tls.status, 3, tls.stdout);
    assert.match(tls.stdout, /"code": "DB_TLS_UNTRUSTED"/);
    assert.match(tls.stdout, /sslrootcert=\/path\/ca\.pem/);
  });
});
