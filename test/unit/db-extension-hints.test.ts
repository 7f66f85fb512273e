import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { transformSchema } from '../../src/db/transform/transform.ts';
import { EXTENSIONS, missingExtensionHint, SANDBOX_EXTENSIONS } from '../../src/db/supabase-facts.ts';

describe('hints that name the right table: RDS 16 or the sandbox build', () => {
  it('says RDS has vector and plv8 and that the sandbox cannot prove them', () => {
    for (const name of ['vector', 'plv8']) {
      assert.equal(EXTENSIONS[name]?.rds16, 'supported');
      assert.equal(SANDBOX_EXTENSIONS.has(name), false);
      const hint = missingExtensionHint(name);
      assert.match(hint, new RegExp(`^RDS 16 has ${name}; the sandbox`));
      assert.doesNotMatch(hint, /not available on RDS/);
    }
  });

  it('says an extension RDS lacks is not on RDS, and one both have is missing from this server only', () => {
    assert.match(missingExtensionHint('pg_net'), /not available on RDS 16/);
    assert.match(missingExtensionHint('pgcrypto'), /so does the sandbox build/);
  });

  it('names pg_dump 17 only for what pg_dump 17 wrote: a pg_dump 15 dump with \\restrict says nothing of 17', async () => {
    const result = await transformSchema([
      { source: 'pg_dump', sql: '\\restrict k\nCREATE TABLE public.t (id int);\n\\unrestrict k\n' },
    ]);
    const fix = result.fixes.find((f) => f.code === 'DB_PG_DUMP_ARTIFACTS');
    assert.ok(fix);
    assert.doesNotMatch(fix.message, /17|transaction_timeout/);
    assert.match(fix.message, /2 psql meta-command line\(s\): \\restrict, \\unrestrict/);
    const none = await transformSchema([{ source: 'm.sql', sql: 'CREATE TABLE public.t (id int);' }]);
    assert.equal(
      none.fixes.some((f) => f.code === 'DB_PG_DUMP_ARTIFACTS'),
      false,
    );
  });
});
