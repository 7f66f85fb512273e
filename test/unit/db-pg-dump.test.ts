import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { choosePgDump, libpqEnv, schemaDumpArgs } from '../../src/db/schema/pg-dump.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** A stand-in pg_dump that only answers --version (the real one is not what is under test here). */
function fakePgDump(dir: string, version: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'pg_dump');
  writeFileSync(file, `#!/bin/sh\necho "pg_dump (PostgreSQL) ${version}"\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('finding pg_dump', () => {
  const root = tempDir('supa2aws-pgdump-');
  const v15 = fakePgDump(path.join(root, 'a'), '15.8');
  const v17 = fakePgDump(path.join(root, 'debian', '17', 'bin'), '17.2');
  const noDebian = path.join(root, 'none');

  it('takes the --pg-dump flag first, then PG_DUMP, then PATH', async () => {
    const env = { PATH: path.dirname(v15), PG_DUMP: v17 };
    assert.equal((await choosePgDump(15, { flag: v15, env, debianRoot: noDebian })).path, v15);
    assert.equal((await choosePgDump(15, { env, debianRoot: noDebian })).from, 'env');
    assert.equal(
      (await choosePgDump(15, { env: { PATH: path.dirname(v15) }, debianRoot: noDebian })).from,
      'path',
    );
  });

  it('refuses a pg_dump older than the server with DB_PG_DUMP_TOO_OLD and a hint to get the right one', async () => {
    await assert.rejects(
      choosePgDump(17, { flag: v15, env: {}, debianRoot: noDebian }),
      (e: { code?: string; hint?: string }) =>
        e.code === 'DB_PG_DUMP_TOO_OLD' && /postgresql-client-17/.test(e.hint ?? ''),
    );
  });

  it('prefers a newer Debian client over an old one on PATH when nothing is forced', async () => {
    const chosen = await choosePgDump(17, {
      env: { PATH: path.dirname(v15) },
      debianRoot: path.join(root, 'debian'),
    });
    assert.equal(chosen.path, v17);
    assert.equal(chosen.major, 17);
  });

  it('says DB_PG_DUMP_MISSING when there is none, and DB_PG_DUMP_NOT_RUNNABLE for a bad flag', async () => {
    await assert.rejects(choosePgDump(15, { env: { PATH: '' }, debianRoot: noDebian }), {
      code: 'DB_PG_DUMP_MISSING',
    });
    await assert.rejects(choosePgDump(15, { flag: path.join(root, 'nope'), env: {}, debianRoot: noDebian }), {
      code: 'DB_PG_DUMP_NOT_RUNNABLE',
    });
  });

  it('passes the password through PGPASSWORD, never on the command line', () => {
    const env = libpqEnv(
      'postgresql://postgres.ref:p%40ss@aws-0-us-east-1.pooler.supabase.com:5432/postgres?sslmode=require',
    );
    assert.deepEqual(env, {
      PGHOST: 'aws-0-us-east-1.pooler.supabase.com',
      PGPORT: '5432',
      PGUSER: 'postgres.ref',
      PGDATABASE: 'postgres',
      PGPASSWORD: 'p@ss',
      PGSSLMODE: 'require',
    });
    const args = schemaDumpArgs();
    assert.ok(args.includes('--schema-only'));
    assert.ok(args.includes('--exclude-schema=auth') && args.includes('--exclude-schema=storage'));
    assert.ok(!args.some((a) => a.includes('p@ss')));
  });
});
