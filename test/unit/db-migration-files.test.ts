import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildSchema } from '../../src/db/schema/build-schema.ts';
import { readMigrations } from '../../src/db/schema/migration-files.ts';
import { tempDir } from '../helpers/temp-dir.ts';

function project(files: Record<string, string>): string {
  const root = tempDir('migration-files');
  const dir = path.join(root, 'migrations');
  mkdirSync(dir);
  writeFileSync(path.join(root, 'seed.sql'), 'insert into public.a values (1);\n');
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
  return dir;
}

describe('migration files, chosen as `supabase db push` chooses them', () => {
  it('reads only <digits>_<name>.sql in byte order and says why each other file is skipped', () => {
    const dir = project({
      '20240102000000_b.sql': 'select 2;',
      '2_a.sql': 'select 1;',
      '20240101000000_a.sql': 'select 1;',
      'seed.sql': 'insert into x values (1);',
      'notes.sql': 'select 3;',
      '20240103_draft.sql.bak': 'select 4;',
    });
    const { scripts, skipped } = readMigrations(dir);
    assert.deepEqual(
      scripts.map((s) => s.source),
      ['20240101000000_a.sql', '20240102000000_b.sql', '2_a.sql'],
    );
    assert.deepEqual(
      skipped.map((s) => s.file),
      ['20240103_draft.sql.bak', 'notes.sql', 'seed.sql'],
    );
    assert.match(skipped.find((s) => s.file === 'seed.sql')?.reason ?? '', /--seed/);
  });

  it('skips an old CLI init file when it comes first', () => {
    const { scripts, skipped } = readMigrations(
      project({ '20200101000000_init.sql': 'select 1;', '20240101000000_a.sql': 'select 2;' }),
    );
    assert.deepEqual(
      scripts.map((s) => s.source),
      ['20240101000000_a.sql'],
    );
    assert.equal(skipped[0]?.file, '20200101000000_init.sql');
  });

  it('adds supabase/seed.sql last only with seed: true', () => {
    const dir = project({ '1_a.sql': 'create table public.a (id int);' });
    assert.deepEqual(
      readMigrations(dir, { seed: true }).scripts.map((s) => s.source),
      ['1_a.sql', 'seed.sql'],
    );
  });

  it('takes empty and comment-only files, and reports the skipped ones as a warning', async () => {
    const dir = project({
      '1_empty.sql': '',
      '2_comments.sql': '-- nothing yet\n/* later */\n',
      '3_a.sql': 'create table public.a (id int);',
      'README.md': 'x',
    });
    const built = await buildSchema({ source: { kind: 'migrations', dir } });
    assert.ok(built.script.statements.some((s) => s.sql.includes('create table public.a')));
    const warning = built.warnings.find((w) => w.code === 'DB_MIGRATION_FILES_SKIPPED');
    assert.deepEqual(
      warning?.objects?.map((o) => o.split(':')[0]),
      ['README.md'],
    );
  });
});
