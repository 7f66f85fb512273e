/**
 * Bad input, run through the CLI (in-process, as main.ts runs it): each case is a coded error with a hint and exit 2 (usage), 3
 * (environment) or 4 (permission) as documented; never 70 (a bug) and never 0.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCliInProcess, type InProcessRun } from '../helpers/cli-in-process.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('bad-input-');
const notPem = path.join(dir, 'not-a-cert.pem');
writeFileSync(notPem, 'hello\n');
writeFileSync(
  path.join(dir, 'aws-config'),
  '[default]\nregion = eu-west-1\n[profile work]\nregion = eu-central-1\n',
);

const base = {
  version: 1,
  source: {
    projectUrl: 'https://abcdefghijklmnopqrst.supabase.co',
    db: { url: 'postgresql://postgres:${SRC_PW}@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=3' },
    storage: {
      endpoint: 'https://abcdefghijklmnopqrst.storage.supabase.co/storage/v1/s3',
      region: 'eu-west-1',
    },
  },
  target: {
    region: 'eu-west-1',
    db: { url: 'postgresql://postgres:${TGT_PW}@127.0.0.1:1/app?sslmode=disable' },
    s3: {},
  },
};

type Raw = typeof base & Record<string, unknown>;

interface Case {
  name: string;
  /** The config file's content: an object (written as JSON) or raw text; undefined for no file. */
  config?: ((raw: Raw) => unknown) | string;
  args?: string[];
  env?: Record<string, string>;
  code: string;
  exit: 2 | 3 | 4;
}

const sourceUrl = (url: string) => (raw: Raw) => ({ ...raw, source: { ...raw.source, db: { url } } });
const src = (query: string) =>
  sourceUrl(`postgresql://postgres:\${SRC_PW}@db.abcdefghijklmnopqrst.supabase.co:5432/postgres?${query}`);

const cases: Case[] = [
  { name: 'config that is not JSON', config: '{ "version": 1,', code: 'CONFIG_NOT_JSON', exit: 2 },
  { name: 'no config file', args: ['-c', 'missing.json'], code: 'CONFIG_NOT_FOUND', exit: 2 },
  {
    name: 'missing ${ENV} reference',
    config: sourceUrl('postgresql://postgres:${SUPA2AWS_TEST_UNSET}@db.example.com:5432/postgres'),
    code: 'CONFIG_INVALID',
    exit: 2,
  },
  { name: 'mysql:// URL', config: sourceUrl('mysql://u:p@h/db'), code: 'CONFIG_INVALID', exit: 2 },
  {
    name: 'URL without a scheme',
    config: sourceUrl('db.example.com:5432/postgres'),
    code: 'CONFIG_INVALID',
    exit: 2,
  },
  {
    name: 'port out of range',
    config: sourceUrl('postgresql://u:p@db.example.com:99999/postgres'),
    code: 'DB_CONFIG_INVALID',
    exit: 2,
  },
  { name: 'unknown sslmode', config: src('sslmode=verify'), code: 'DB_CONFIG_INVALID', exit: 2 },
  { name: 'sslmode=no-verify', config: src('sslmode=no-verify'), code: 'DB_TLS_INSECURE', exit: 2 },
  {
    name: 'unreadable CA file',
    config: src('sslmode=verify-full&sslrootcert=/nonexistent/ca.pem'),
    code: 'DB_CA_FILE_MISSING',
    exit: 2,
  },
  {
    name: 'CA file that is not PEM',
    config: src(`sslrootcert=${encodeURIComponent(notPem)}`),
    code: 'DB_CA_FILE_MISSING',
    exit: 2,
  },
  {
    name: 'sslrootcert=system with require',
    config: src('sslmode=require&sslrootcert=system'),
    code: 'DB_CONFIG_INVALID',
    exit: 2,
  },
  {
    name: 'client certificates',
    config: src('sslcert=/x.pem&sslkey=/x.key'),
    code: 'DB_CONFIG_INVALID',
    exit: 2,
  },
  {
    name: 'unknown --profile',
    config: (r) => r,
    args: ['--profile', 'nope'],
    code: 'AWS_PROFILE_NOT_FOUND',
    exit: 2,
  },
  {
    name: 'unknown AWS_PROFILE',
    config: (r) => r,
    env: { AWS_PROFILE: 'prod' },
    code: 'AWS_PROFILE_NOT_FOUND',
    exit: 2,
  },
  {
    name: '--region typo',
    config: (r) => r,
    args: ['--region', 'eu-wset-1'],
    code: 'AWS_REGION_INVALID',
    exit: 2,
  },
  {
    name: 'target.region typo',
    config: (r) => ({ ...r, target: { ...r.target, region: 'us-east1' } }),
    code: 'AWS_REGION_INVALID',
    exit: 2,
  },
  {
    name: 'AWS_REGION in capitals',
    config: (r) => r,
    env: { AWS_REGION: 'EU-WEST-1' },
    code: 'AWS_REGION_INVALID',
    exit: 2,
  },
  { name: 'config version 2', config: (r) => ({ ...r, version: 2 }), code: 'CONFIG_INVALID', exit: 2 },
  { name: 'unknown config key', config: (r) => ({ ...r, tagret: {} }), code: 'CONFIG_INVALID', exit: 2 },
  {
    name: 'projectUrl that is not a URL',
    config: (r) => ({ ...r, source: { ...r.source, projectUrl: 'abcdefghijklmnopqrst' } }),
    code: 'CONFIG_INVALID',
    exit: 2,
  },
  {
    name: 'host that does not resolve',
    config: sourceUrl('postgresql://u:p@db.nonexistent.invalid:5432/postgres'),
    code: 'DB_HOST_NOT_FOUND',
    exit: 3,
  },
  { name: 'nothing listening', config: (r) => r, code: 'DB_UNREACHABLE', exit: 3 },
];

function runCli(args: string[], env: Record<string, string>): Promise<InProcessRun> {
  return runCliInProcess(args, {
    cwd: dir,
    env: {
      ...process.env,
      HOME: dir,
      AWS_CONFIG_FILE: path.join(dir, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      AWS_PROFILE: '',
      SUPA2AWS_CONFIG: '',
      SUPA2AWS_SANDBOX_DIR: '',
      SRC_PW: 'pw',
      TGT_PW: 'pw',
      ...env,
    },
  });
}

describe('bad input: a coded error, a hint, exit 2/3/4, never 70', () => {
  assert.ok(cases.length >= 20);
  cases.forEach((c, i) => {
    it(`${c.name} → ${c.code} (exit ${c.exit})`, { timeout: 120_000 }, async () => {
      const args = [...(c.args ?? [])];
      if (c.config !== undefined) {
        const file = path.join(dir, `case-${i}.json`);
        const raw = structuredClone(base) as Raw;
        writeFileSync(file, typeof c.config === 'string' ? c.config : JSON.stringify(c.config(raw)));
        args.push('-c', file);
      }
      const result = await runCli(['db', 'plan', '--json', ...args], c.env ?? {});
      const out = JSON.parse(result.stdout) as { error?: { code?: string; hint?: string } };
      const error = out.error ?? (out as { code?: string; hint?: string });
      assert.equal(error.code, c.code, result.stdout + result.stderr.slice(-1000));
      assert.ok(error.hint, 'a hint');
      assert.equal(result.status, c.exit);
    });
  });
});
