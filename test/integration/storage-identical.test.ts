/**
 * One rule for "identical" (issue 24): what `storage verify` calls a difference, `storage copy` copies again,
 * and both verify commands name the key. The case that parted them: a small, metadata-sealed target object
 * overwritten with other bytes of the same size and the same metadata (seal, source ETag), so only the two
 * servers' MD5 ETags tell.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandboxConfigFile, sandboxEnv } from '../../src/sandbox/sandbox-config.ts';
import { copyStorageFromConfig, setupStorageFromConfig } from '../../src/storage/index.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { bytesFor, seedBucket, storageConfig } from './storage-helpers.ts';

describe('storage: verify and copy share one rule for identical', () => {
  let sb: TestSandbox;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-identical-'));
  before(async () => {
    sb = await getTestSandbox();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a same-size overwrite of a sealed small object: verify 1 naming it, copy repairs it, verify 0', async () => {
    const db = await sb.freshSourceDb();
    const bucket = sb.uniqueName('ident');
    const target = `${bucket}-t`;
    const objects = [
      { key: 'a/one.bin', size: 2048 },
      { key: 'a/two.bin', size: 512 },
    ];
    await seedBucket(sb, db, bucket, objects);
    const config = storageConfig(sb, db, { [bucket]: target });
    await setupStorageFromConfig(config);
    await copyStorageFromConfig(config);

    const raw = structuredClone(sandboxConfigFile(sb.state)) as {
      source: { db: { url: string } };
      storage: { buckets: unknown };
    };
    raw.source.db.url = db.url;
    raw.storage.buckets = { [bucket]: { target, access: 'private' } };
    const file = path.join(dir, 'supa2aws.config.json');
    writeFileSync(file, JSON.stringify(raw));
    const cli = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', ...args, '--config', file, '--report-dir', dir],
        { env: { ...process.env, ...sandboxEnv(sb.state) }, encoding: 'utf8', timeout: 120_000 },
      );
    assert.equal(cli('storage', 'verify').status, 0);

    // Other bytes, same size, the metadata (seal and source ETag) of the copy kept.
    const key = 'a/one.bin';
    const head = await sb.targetS3.send(new HeadObjectCommand({ Bucket: target, Key: key }));
    const other = bytesFor(key, 2048, 'overwritten');
    await sb.targetS3.send(
      new PutObjectCommand({
        Bucket: target,
        Key: key,
        Body: other,
        ContentLength: other.length,
        Metadata: head.Metadata,
      }),
    );

    const storageVerify = cli('storage', 'verify');
    assert.equal(storageVerify.status, 1, storageVerify.stderr);
    assert.match(storageVerify.stdout, new RegExp(`differ in ${target}: ${key} \\(md5\\)`));
    const topVerify = cli('verify', '--phases', 'storage');
    assert.equal(topVerify.status, 1, topVerify.stderr);
    assert.match(
      topVerify.stdout,
      new RegExp(`${target}/${key} \\(md5\\)`),
      'the top-level verify names the key',
    );

    const plan = cli('storage', 'plan');
    assert.equal(plan.status, 0, plan.stderr);
    assert.match(plan.stdout, /to copy because 1 md5-differs/);
    const copy = cli('storage', 'copy');
    assert.equal(copy.status, 0, copy.stderr);
    assert.match(copy.stdout, /^copied 1 \(/);

    assert.equal(cli('storage', 'verify').status, 0);
    const got = await sb.targetS3.send(new GetObjectCommand({ Bucket: target, Key: key }));
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), bytesFor(key, 2048));
  });
});
