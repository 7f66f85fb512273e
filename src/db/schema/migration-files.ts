/**
 * The migration files `supabase db push` applies, chosen by its own rules (supabase/cli,
 * pkg/migration/list.go `ListLocalMigrations` and pkg/migration/file.go `migrateFilePattern`, read 2026-12):
 * the entries of `supabase/migrations` in name order (Go's `fs.ReadDir` sorts by bytes), only names matching
 * `^([0-9]+)_(.*)\.sql$`, and a first entry `<14 digits>_init.sql` older than 20211209000000 skipped (old CLIs
 * wrote it). Seed files are not migrations: the CLI's default `[db.seed] sql_paths = ["./seed.sql"]` is
 * `supabase/seed.sql`, run only when asked (`db push --include-seed`); here only with `seed: true`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DbError } from '../../core/errors.ts';
import type { SqlScript } from '../transform/transform.ts';

const MIGRATION_FILE = /^([0-9]+)_(.*)\.sql$/;
const OLD_INIT_FILE = /([0-9]{14})_init\.sql/;

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface MigrationFiles {
  scripts: SqlScript[];
  skipped: SkippedFile[];
}

function oldInit(name: string): boolean {
  const match = OLD_INIT_FILE.exec(name);
  return match !== null && Number(match[1]) < 20211209000000;
}

/** Migration files of `dir` in `supabase db push` order; with `seed`, `seed.sql` beside `dir` comes last. */
export function readMigrations(dir: string, options: { seed?: boolean } = {}): MigrationFiles {
  let names: string[];
  try {
    names = readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  } catch {
    throw new DbError('DB_MIGRATIONS_DIR_MISSING', `no migrations directory at ${dir}`, {
      exit: 'usage',
      hint: "Pass the folder holding the app's migrations, e.g. --from-migrations supabase/migrations",
    });
  }
  const scripts: SqlScript[] = [];
  const skipped: SkippedFile[] = [];
  names.forEach((name, i) => {
    const file = path.join(dir, name);
    if (!statSync(file).isFile()) return;
    if (i === 0 && oldInit(name))
      skipped.push({
        file: name,
        reason: 'an init file of CLIs before 2021-12-09, which `supabase db push` skips',
      });
    else if (!MIGRATION_FILE.test(name))
      skipped.push({
        file: name,
        reason:
          name === 'seed.sql'
            ? 'a seed file, not a migration: read only with --seed'
            : 'the name does not match <digits>_<name>.sql, so `supabase db push` never applies it',
      });
    else scripts.push({ source: name, sql: readFileSync(file, 'utf8') });
  });
  if (options.seed) {
    const seed = path.join(dir, '..', 'seed.sql');
    try {
      scripts.push({ source: 'seed.sql', sql: readFileSync(seed, 'utf8') });
    } catch {
      throw new DbError('DB_SEED_MISSING', `--seed was given but there is no seed file at ${seed}`, {
        exit: 'usage',
        hint: 'Put the seed beside the migrations folder (supabase/seed.sql), or run without --seed.',
      });
    }
  }
  if (scripts.length === 0) {
    throw new DbError('DB_MIGRATIONS_EMPTY', `${dir} holds no migration files named <digits>_<name>.sql`, {
      exit: 'usage',
      hint: "Pass the folder holding the app's migrations, e.g. --from-migrations supabase/migrations",
      details: { skipped },
    });
  }
  return { scripts, skipped };
}
