import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadSchemaFile } from '../../src/db/schema/build-schema.ts';
import { renderSchema, SUMMARY_MARKER } from '../../src/db/transform/render.ts';
import { transformSchema } from '../../src/db/transform/transform.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dump = readFileSync(new URL('../fixtures/dumps/migration-style.sql', import.meta.url), 'utf8');

describe('the reviewable schema file', () => {
  it('is headed by every drop and rewrite with its reason, then the prelude, then the statements', async () => {
    const script = renderSchema(await transformSchema([{ source: 'm.sql', sql: dump }]), {
      source: 'test',
      now: new Date('2026-01-01T00:00:00Z'),
    });
    const header = script.text.slice(0, script.text.indexOf('-- ===== supa2aws prelude'));
    for (const rule of [
      'storage_bucket',
      'storage_policy',
      'realtime_publication',
      'pg_cron',
      'fk_to_managed',
      'platform_role',
    ])
      assert.match(header, new RegExp(`--   ${rule} \\(`), rule);
    assert.match(header, /BLOCKERS/);
    assert.ok(script.text.includes(SUMMARY_MARKER));
    assert.match(script.text, /CREATE TABLE IF NOT EXISTS auth\.users \(/);
    assert.match(script.text, /CREATE OR REPLACE FUNCTION auth\.uid\(\)/);
    assert.match(script.text, /current_setting\('request\.jwt\.claims', true\)/);
    assert.match(script.text, /-- supa2aws rewrote \(fk_to_managed\)/);
    assert.match(script.text, /-- was: create table public\.attachments \(/);
    assert.match(script.text, /INSERT INTO supa2aws\.schema_migrations/);
    assert.equal(script.summary.blockers.length, 3);
    assert.ok(script.statements.every((s) => s.fileLine !== undefined));
  });

  it('reads back into the same statements and checksum (apply-file), leaving out the record row and the blockers', async () => {
    const script = renderSchema(await transformSchema([{ source: 'm.sql', sql: dump }]), { source: 'test' });
    const file = path.join(tempDir('supa2aws-schema-'), 'schema.sql');
    writeFileSync(file, script.text);
    const loaded = await loadSchemaFile(file);
    assert.equal(loaded.statements.length, script.statements.length);
    assert.equal(loaded.checksum, script.checksum);
    assert.deepEqual(loaded.summary.blockers, []);
    assert.deepEqual(loaded.summary.extensions, script.summary.extensions);
    assert.equal(loaded.statements[0]?.fileLine, script.statements[0]?.fileLine);
  });

  it('is deterministic: the same input gives the same checksum', async () => {
    const a = renderSchema(await transformSchema([{ source: 'm.sql', sql: dump }]), { source: 'x' });
    const b = renderSchema(await transformSchema([{ source: 'm.sql', sql: dump }]), { source: 'x' });
    assert.equal(a.checksum, b.checksum);
  });
});
