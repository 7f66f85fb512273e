import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { tempDir } from '../helpers/temp-dir.ts';

function liveConfig(dir: string): string {
  const file = path.join(dir, 'supa2aws.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      source: {
        projectUrl: 'https://abcdefghijklmnopqrst.supabase.co',
        db: { url: 'postgresql://postgres:${SRC_PW}@db.abcdefghijklmnopqrst.supabase.co:5432/postgres' },
        storage: {
          endpoint: 'https://abcdefghijklmnopqrst.storage.supabase.co/storage/v1/s3',
          region: 'eu-west-1',
        },
      },
      target: {
        region: 'eu-west-1',
        db: { url: 'postgresql://postgres:${TGT_PW}@app.abc123.eu-west-1.rds.amazonaws.com:5432/app' },
        s3: {},
      },
      storage: { buckets: { videos: { target: 'acme-videos', access: 'private' } } },
    }),
  );
  return file;
}

function run(dir: string, args: string[]) {
  return runCliInProcess(args, {
    cwd: dir,
    env: {
      ...process.env,
      HOME: dir,
      SRC_PW: 'x',
      TGT_PW: 'y',
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      AWS_PROFILE: '',
    },
  });
}

describe('what a command will touch, and asking before a live change', () => {
  it('GIVEN a live target and no terminal WHEN storage setup runs without --yes THEN it says what it would touch and refuses with exit 2', async () => {
    const dir = tempDir('touches-');
    const file = liveConfig(dir);
    const result = await run(dir, ['storage', 'setup', '--json', '-c', file]);
    assert.equal(result.status, 2, result.stderr);
    const events = result.stderr
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { message?: string; data?: { touches?: Record<string, unknown> } });
    const first = events[0];
    assert.match(first?.message ?? '', /^config /);
    const touches = first?.data?.touches as {
      source: { projectRef: string };
      target: { region: string; regionFrom: string; dbHost: string; buckets: string[] };
      local: boolean;
    };
    assert.equal(touches.source.projectRef, 'abcdefghijklmnopqrst');
    assert.equal(touches.target.region, 'eu-west-1');
    assert.equal(touches.target.regionFrom, 'config target.region');
    assert.equal(touches.target.dbHost, 'app.abc123.eu-west-1.rds.amazonaws.com:5432');
    assert.deepEqual(touches.target.buckets, ['acme-videos']);
    assert.equal(touches.local, false);
    const error = JSON.parse(result.stdout) as { error?: { code?: string; hint?: string } } & {
      code?: string;
    };
    assert.match(JSON.stringify(error), /CONFIRMATION_REQUIRED/);
    assert.match(JSON.stringify(error), /--yes/);
  });

  it('GIVEN --region WHEN the config is loaded THEN the header says where the region came from', async () => {
    const dir = tempDir('touches-region-');
    const file = liveConfig(dir);
    const result = await run(dir, ['storage', 'setup', '--region', 'eu-north-1', '-c', file]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /AWS eu-north-1 \(from --region\)/);
  });
});
