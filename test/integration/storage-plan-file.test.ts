/**
 * `storage plan --out` then `storage copy --plan` on the sandbox, through the CLI (in this process): the
 * copy takes exactly the objects the plan names — an object added at the source since is reported as not in
 * the plan and left alone, one removed since is reported gone — a re-run copies nothing twice, and a config
 * that no longer matches the plan is refused with PLAN_CONFIG_CHANGED and exit 2.
 */
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../../src/config/index.ts';
import type { StorageCopyResult, StoragePlanFile } from '../../src/storage/index.ts';
import { setupStorageFromConfig } from '../../src/storage/index.ts';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { bytesFor, seedBucket, storageConfig, targetObjects, withAdmin } from './storage-helpers.ts';

let sb: TestSandbox;
let dir: string;
before(async () => {
  sb = await getTestSandbox();
  dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-storage-plan-file-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, config: Config): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

const cli = (configFile: string, ...args: string[]) =>
  runCliInProcess(['--config', configFile, ...args, '--report-dir', path.join(dir, 'report')], { cwd: dir });

describe('storage plan --out, then storage copy --plan', () => {
  it('GIVEN a saved plan WHEN an object is added and one removed at the source THEN copy --plan copies exactly the planned ones that remain and reports both', async () => {
    const db = await sb.freshSourceDb();
    const bucket = sb.uniqueName('plansrc');
    const target = sb.uniqueName('plantgt');
    await seedBucket(
      sb,
      db,
      bucket,
      ['a.bin', 'b.bin', 'c.bin'].map((key, i) => ({ key: `planned/${key}`, size: 1000 + i })),
    );
    const config = storageConfig(sb, db, { [bucket]: target });
    await setupStorageFromConfig(config);
    const configFile = writeConfig('storage.config.json', config);
    const planFile = path.join(dir, 'storage-plan.json');

    const planned = await cli(configFile, 'storage', 'plan', '--out', planFile, '--json');
    assert.equal(planned.status, 0, planned.stderr);
    const saved = JSON.parse(readFileSync(planFile, 'utf8')) as StoragePlanFile;
    assert.deepEqual(
      saved.plan.buckets.map((b) => [b.source, b.target, b.objects.map((o) => o.key)]),
      [[bucket, target, ['planned/a.bin', 'planned/b.bin', 'planned/c.bin']]],
    );
    const text = readFileSync(planFile, 'utf8');
    for (const secret of [
      config.source.storage.secretAccessKey,
      config.target.s3.secretAccessKey,
      'postgresql://',
    ])
      assert.ok(secret && !text.includes(secret), `${secret} is in the plan file`);

    // Since the plan: a newcomer (bytes and row), and c.bin removed (bytes and row).
    const body = bytesFor('late/new.bin', 500);
    await sb.sourceS3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'late/new.bin', Body: body, ContentLength: body.length }),
    );
    await sb.sourceS3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'planned/c.bin' }));
    await withAdmin(db, async (c) => {
      await c.query(`insert into storage.objects (bucket_id, name, metadata) values ($1, $2, $3)`, [
        bucket,
        'late/new.bin',
        { size: 500, mimetype: 'application/octet-stream' },
      ]);
      await c.query(`delete from storage.objects where bucket_id = $1 and name = $2`, [
        bucket,
        'planned/c.bin',
      ]);
    });

    const dry = await cli(configFile, 'storage', 'copy', '--plan', planFile, '--dry-run');
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /1 \(500 B\) not in the plan .* late\/new\.bin/);
    assert.match(dry.stdout, /dry run: nothing was copied/);
    assert.equal((await targetObjects(sb.targetS3, target)).size, 0);

    const copied = await cli(configFile, 'storage', 'copy', '--plan', planFile, '--json');
    assert.equal(copied.status, 0, copied.stderr);
    const result = JSON.parse(copied.stdout) as StorageCopyResult & { planFile: { file: string } };
    assert.equal(result.copied.count, 2);
    assert.equal(result.planFile.file, planFile);
    assert.deepEqual(result.buckets[0]?.sincePlan, {
      notInPlan: { count: 1, bytes: 500, sample: ['late/new.bin'] },
      gone: { count: 1, sample: ['planned/c.bin'] },
      changed: { count: 0, sample: [] },
    });
    const objects = await targetObjects(sb.targetS3, target);
    assert.deepEqual([...objects.keys()].sort(), ['planned/a.bin', 'planned/b.bin']);
    assert.ok([...objects.values()].every((o) => o.sealed));

    // A re-run (after a crash, say) copies nothing twice and still reports the newcomer.
    const again = await cli(configFile, 'storage', 'copy', '--plan', planFile, '--json');
    assert.equal(again.status, 0, again.stderr);
    const second = JSON.parse(again.stdout) as StorageCopyResult;
    assert.deepEqual([second.copied.count, second.identical.count], [0, 2]);
    assert.equal(second.buckets[0]?.sincePlan?.notInPlan.count, 1);

    // The newcomer is copied by a new plan.
    const fresh = await cli(configFile, 'storage', 'copy', '--json');
    assert.equal(fresh.status, 0, fresh.stderr);
    assert.equal((JSON.parse(fresh.stdout) as StorageCopyResult).copied.count, 1);
  });

  it('GIVEN a saved plan WHEN the config maps the bucket elsewhere THEN copy --plan is refused with PLAN_CONFIG_CHANGED, exit 2, nothing copied; with --shard i/N each shard copies its share of the plan', async () => {
    const db = await sb.freshSourceDb();
    const bucket = sb.uniqueName('plansrc');
    const target = sb.uniqueName('plantgt');
    const other = sb.uniqueName('planoth');
    await seedBucket(sb, db, bucket, [{ key: 'one.bin', size: 100 }]);
    const config = storageConfig(sb, db, { [bucket]: target });
    const moved = storageConfig(sb, db, { [bucket]: other });
    await setupStorageFromConfig(moved);
    const planFile = path.join(dir, 'storage-plan-moved.json');
    const planned = await cli(
      writeConfig('mapped.config.json', config),
      'storage',
      'plan',
      '--out',
      planFile,
    );
    assert.equal(planned.status, 0, planned.stderr);
    assert.match(planned.stdout, /storage copy --plan/);

    const movedFile = writeConfig('moved.config.json', moved);
    const refused = await cli(movedFile, 'storage', 'copy', '--plan', planFile);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /PLAN_CONFIG_CHANGED/);
    assert.ok(
      refused.stderr.includes(`buckets.${bucket} (planned "${target}", now "${other}")`),
      refused.stderr,
    );
    assert.equal((await targetObjects(sb.targetS3, other)).size, 0);

    // The plan is of every key: each of N shards (aws run --tasks N) copies its share of it, once.
    await setupStorageFromConfig(config);
    const same = writeConfig('same.config.json', config);
    const copied: number[] = [];
    for (const shard of ['1/2', '2/2']) {
      const run = await cli(same, 'storage', 'copy', '--plan', planFile, '--shard', shard, '--json');
      assert.equal(run.status, 0, run.stderr);
      copied.push((JSON.parse(run.stdout) as StorageCopyResult).copied.count);
    }
    assert.deepEqual(copied.sort(), [0, 1], 'the one planned object is copied by its shard alone');
    assert.deepEqual([...(await targetObjects(sb.targetS3, target)).keys()], ['one.bin']);
  });
});
