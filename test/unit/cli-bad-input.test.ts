// GIVEN the CLI (run in-process, as main.ts runs it) and a config whose services are all unreachable
// WHEN a command is given bad input (a bad flag, an out-of-range number, a missing file, a directory or a
//   failing module as --config, a database password with unencoded URL characters)
// THEN it exits with a documented class (2 usage, 3 environment), prints a code and a hint, no stack
//   trace and no secret, and writes nothing.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCliInProcess } from '../helpers/cli-in-process.ts';

const dead = (dbUrl = 'postgresql://postgres:${PGPW}@127.0.0.1:1/postgres') => ({
  version: 1,
  source: {
    projectUrl: 'https://deadref000000000000.supabase.co',
    db: { url: dbUrl },
    storage: {
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    },
  },
  target: {
    region: 'us-east-1',
    db: { url: 'postgresql://postgres:${PGPW}@127.0.0.1:1/aiuteur' },
    s3: {
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    },
  },
  storage: { buckets: { videos: { target: 'app-videos', access: 'private' } } },
});

const cases: { args: string[]; code: string; exit: number; secret?: string }[] = [
  { args: ['storage', 'copy', '--bogus'], code: 'CLI_USAGE', exit: 2 },
  {
    args: ['--config', 'dead.json', 'storage', 'copy', '--concurrency', '100000'],
    code: 'CLI_USAGE',
    exit: 2,
  },
  { args: ['--config', 'dead.json', 'db', 'copy', '--concurrency', '17'], code: 'CLI_USAGE', exit: 2 },
  { args: ['--config', 'dead.json', 'storage', 'copy', '--part-size', '1'], code: 'CLI_USAGE', exit: 2 },
  {
    args: ['--config', 'dead.json', 'storage', 'copy', '--shard', '0/4'],
    code: 'STORAGE_BAD_SHARD',
    exit: 2,
  },
  {
    args: ['--config', 'dead.json', 'storage', 'copy', '--shard', '5/4'],
    code: 'STORAGE_BAD_SHARD',
    exit: 2,
  },
  { args: ['nonsense-command'], code: 'CLI_USAGE', exit: 2 },
  { args: ['--config', 'dead.json', 'db', 'schema', '--rls', 'maybe'], code: 'CLI_USAGE', exit: 2 },
  {
    args: ['--config', 'dead.json', 'auth', 'import', '--remaining', '--rate', 'abc'],
    code: 'CLI_USAGE',
    exit: 2,
  },
  {
    args: ['--config', 'dead.json', 'storage', 'plan', '--out', 'a-directory'],
    code: 'PLAN_FILE_UNWRITABLE',
    exit: 2,
  },
  {
    args: ['--config', 'dead.json', 'db', 'schema', '--apply-file', 'missing.sql'],
    code: 'DB_SCHEMA_FILE_UNREADABLE',
    exit: 2,
  },
  { args: ['--config', 'a-directory', 'db', 'plan'], code: 'CONFIG_IS_DIRECTORY', exit: 2 },
  { args: ['--config', 'throws.mjs', 'db', 'plan'], code: 'CONFIG_MODULE_FAILED', exit: 2 },
  { args: ['--config', 'password.json', 'db', 'plan'], code: 'CONFIG_INVALID', exit: 2, secret: 'w#rd' },
  { args: ['--config', 'dead.json', 'db', 'plan'], code: 'DB_UNREACHABLE', exit: 3 },
  { args: ['--config', 'dead.json', 'auth', 'plan'], code: 'DB_UNREACHABLE', exit: 3 },
];

describe('CLI: bad input gives a code, a hint and a documented exit', () => {
  let dir: string;
  let inputs: string[];
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-bad-input-'));
    writeFileSync(path.join(dir, 'dead.json'), JSON.stringify(dead()));
    writeFileSync(
      path.join(dir, 'password.json'),
      JSON.stringify(dead('postgresql://postgres:p@ss/w#rd?x@127.0.0.1:1/postgres')),
    );
    writeFileSync(path.join(dir, 'throws.mjs'), "throw new Error('boom from the config module');\n");
    mkdirSync(path.join(dir, 'a-directory'));
    inputs = readdirSync(dir).sort();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const c of cases) {
    for (const json of [false, true]) {
      it(
        `${c.args.join(' ')}${json ? ' --json' : ''} → ${c.code}, exit ${c.exit}`,
        { timeout: 60_000 },
        async () => {
          const run = await runCliInProcess([...(json ? ['--json'] : []), ...c.args], {
            cwd: dir,
            env: { ...process.env, PGPW: 'pw' },
          });
          const out = `${run.stdout}${run.stderr}`;
          assert.equal(run.status, c.exit, out);
          assert.ok([2, 3, 4, 130].includes(run.status));
          if (json) {
            const body = JSON.parse(run.stdout) as { ok: boolean; error: { code: string; hint?: string } };
            assert.equal(body.error.code, c.code);
            assert.ok(body.error.hint, 'a hint');
          } else {
            assert.match(run.stderr, new RegExp(`error ${c.code}: `));
            assert.match(run.stderr, /\nhint: \S/);
          }
          assert.ok(!/\n\s+at .+:\d+:\d+/.test(out), `no stack trace:\n${out}`);
          if (c.secret) assert.ok(!out.includes(c.secret), 'the password stays out');
          assert.deepEqual(readdirSync(dir).sort(), inputs, 'nothing written');
        },
      );
    }
  }
});
