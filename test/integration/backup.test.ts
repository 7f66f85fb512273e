import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  checkBackup,
  checkBucketBackup,
  parseBucketLocation,
  runBackup,
  takeBackup,
} from '../../src/backup/index.ts';
import { getTestSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('final backup', () => {
  it('writes schema, data and a storage manifest with checksums, and catches a tampered file', async () => {
    const sandbox = await getTestSandbox();
    const source = await sandbox.freshSourceDb();
    const out = path.join(tempDir('backup-'), 'final');
    const manifest = await takeBackup({
      sourceDbUrl: source.url,
      storage: sandbox.sourceS3,
      outDir: out,
      pgDump: process.env.PG_DUMP ?? 'pg_dump',
    });
    assert.deepEqual(
      manifest.files.map((f) => f.name),
      ['schema.dump', 'data.dump', 'storage-objects.ndjson'],
    );
    for (const f of manifest.files)
      assert.equal(statSync(path.join(out, f.name)).mode & 0o777, 0o600, f.name);
    assert.ok(manifest.storage.objects > 0);
    assert.equal(manifest.storage.ghosts, 0);
    const lines = readFileSync(path.join(out, 'storage-objects.ndjson'), 'utf8').trim().split('\n');
    assert.equal(lines.length, manifest.storage.objects);
    assert.ok(lines.every((l) => (JSON.parse(l) as { present: boolean }).present));
    assert.equal((await checkBackup(out)).ok, true);

    writeFileSync(path.join(out, 'schema.dump'), 'tampered');
    const checked = await checkBackup(out);
    assert.equal(checked.ok, false);
    assert.match(checked.problems.join(), /schema\.dump/);
  });
});

describe('final backup in a bucket', () => {
  it('uploads the files with their SHA-256, writes the manifest last, and catches a changed object', async () => {
    const sandbox = await getTestSandbox();
    const source = await sandbox.freshSourceDb();
    const config = sandbox.config({ sourceDb: source });
    const bucket = sandbox.uniqueName('backups');
    await sandbox.targetS3.send(new CreateBucketCommand({ Bucket: bucket }));
    const { manifest } = await runBackup({
      config,
      out: `s3://${bucket}/supabase/final`,
      pgDump: {},
    });
    const where = parseBucketLocation(`s3://${bucket}/supabase/final`)!;
    assert.deepEqual(where, { bucket, prefix: 'supabase/final/' });
    const checked = await checkBucketBackup(sandbox.targetS3, where);
    assert.equal(checked.ok, true, checked.problems.join());
    assert.equal(checked.manifest?.files.length, manifest.files.length);

    await sandbox.targetS3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'supabase/final/data.dump', Body: 'changed' }),
    );
    const tampered = await checkBucketBackup(sandbox.targetS3, where);
    assert.equal(tampered.ok, false);
    assert.match(tampered.problems.join(), /data\.dump/);
  });
});

describe('the pg_dump a backup runs', () => {
  it('GIVEN a pg_dump older than the source WHEN backup runs THEN it stops before writing anything, as db schema would', async () => {
    const sandbox = await getTestSandbox();
    const config = sandbox.config({ sourceDb: await sandbox.freshSourceDb() });
    const dir = tempDir('backup-old-');
    const old = path.join(dir, 'pg_dump');
    writeFileSync(old, '#!/bin/sh\necho "pg_dump (PostgreSQL) 14.9"\n', { mode: 0o755 });
    const out = path.join(dir, 'out');
    await assert.rejects(runBackup({ config, out, pgDump: { flag: old } }), { code: 'DB_PG_DUMP_TOO_OLD' });
    assert.equal(existsSync(out), false);
  });
});
