import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, parseConfig, parseDotenv } from '../../src/config/index.ts';
import type { ConfigError } from '../../src/core/errors.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const valid = {
  version: 1,
  source: {
    projectUrl: 'https://abcdefghijklmnopqrst.supabase.co',
    db: { url: 'postgresql://postgres:${SRC_PW}@db.abcdefghijklmnopqrst.supabase.co:5432/postgres' },
    storage: {
      endpoint: 'https://abcdefghijklmnopqrst.storage.supabase.co/storage/v1/s3',
      region: 'us-east-1',
    },
  },
  target: {
    db: { url: 'postgresql://postgres:${TGT_PW}@aiuteur.xxxx.us-east-1.rds.amazonaws.com:5432/aiuteur' },
    s3: { region: 'us-east-1' },
  },
};

describe('config', () => {
  it('interpolates ${ENV} and fills defaults', () => {
    const { config, errors } = parseConfig(valid, { SRC_PW: 's3cret', TGT_PW: 'other' });
    assert.deepEqual(errors, []);
    assert.ok(config);
    assert.match(config.source.db.url, /postgres:s3cret@/);
    assert.equal(config.storage.concurrency, 8);
    assert.equal(config.db.rls, 'keep');
  });

  it('leaves out a one-step password whose variable is unset, so every other command still runs; set, it is used', () => {
    const withRoles = {
      ...valid,
      db: { appRole: { password: '${SUPA2AWS_APP_DB_PASSWORD}' } },
      auth: { migrateRolePassword: '${SUPA2AWS_MIGRATE_USER_PASSWORD}' },
    };
    const unset = parseConfig(withRoles, { SRC_PW: 's3cret', TGT_PW: 'other' });
    assert.deepEqual(unset.errors, []);
    assert.equal(unset.config?.db.appRole.password, undefined);
    assert.equal(unset.config?.auth.migrateRolePassword, undefined);
    const set = parseConfig(withRoles, {
      SRC_PW: 's3cret',
      TGT_PW: 'other',
      SUPA2AWS_APP_DB_PASSWORD: 'app-password-123',
      SUPA2AWS_MIGRATE_USER_PASSWORD: 'migrate-password-123',
    });
    assert.equal(set.config?.db.appRole.password, 'app-password-123');
    assert.equal(set.config?.auth.migrateRolePassword, 'migrate-password-123');
    // Any other field naming an unset variable is still a problem.
    const url = parseConfig(withRoles, { SRC_PW: 's3cret' });
    assert.deepEqual(
      url.errors.map((e) => e.field),
      ['target.db.url'],
    );
  });

  it('reports every problem in one pass, each with the field, the value seen and what is allowed', () => {
    const broken = {
      version: 2,
      source: { ...valid.source, db: { url: 'mysql://nope' } },
      target: { db: valid.target.db, s3: { region: 'us-east-1', bogus: true } },
      db: { rls: 'sometimes' },
      storage: { concurrency: 0 },
    };
    const { config, errors } = parseConfig(broken, {});
    assert.equal(config, undefined);
    const byField = new Map(errors.map((e) => [e.field, e]));
    assert.ok(byField.has('version'), 'version');
    assert.equal(byField.get('version')?.seen, '2');
    assert.match(byField.get('version')?.expected ?? '', /1/);
    assert.ok(byField.has('source.db.url'), 'source.db.url');
    assert.ok(byField.has('target.db.url'), 'missing env var TGT_PW is reported');
    assert.match(byField.get('target.db.url')?.expected ?? '', /TGT_PW/);
    assert.ok(byField.has('target.s3'), 'unknown key');
    assert.equal(byField.get('db.rls')?.seen, '"sometimes"');
    assert.match(byField.get('db.rls')?.expected ?? '', /"keep", "drop"/);
    assert.ok(byField.has('storage.concurrency'));
    assert.ok(errors.length >= 6);
  });

  it('warns about literal secrets and never echoes them', () => {
    const literal = structuredClone(valid);
    literal.source.db.url = 'postgresql://postgres:hunter2@localhost:5432/postgres';
    const { warnings } = parseConfig(literal, { TGT_PW: 'x' });
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.field, 'source.db.url');
    assert.ok(!JSON.stringify(warnings).includes('hunter2'));
  });

  it('loadConfig throws CONFIG_INVALID listing problems, and reads a .env beside the file', async () => {
    const dir = tempDir('cfg-');
    writeFileSync(path.join(dir, 'supa2aws.config.json'), JSON.stringify(valid));
    await assert.rejects(loadConfig({ cwd: dir, env: {} }), (e: ConfigError) => e.code === 'CONFIG_INVALID');
    writeFileSync(path.join(dir, '.env'), 'SRC_PW=a\nTGT_PW="b"\n');
    const loaded = await loadConfig({ cwd: dir });
    assert.match(loaded.config.target.db.url, /postgres:b@/);
    await assert.rejects(
      loadConfig({ cwd: dir, file: 'nope.json' }),
      (e: ConfigError) => e.code === 'CONFIG_NOT_FOUND',
    );
    writeFileSync(path.join(dir, 'bad.json'), '{ "version": 1, }');
    await assert.rejects(
      loadConfig({ cwd: dir, file: 'bad.json' }),
      (e: ConfigError) => e.code === 'CONFIG_NOT_JSON',
    );
  });

  it('parses dotenv lines', () => {
    assert.deepEqual(parseDotenv('# c\nA=1\nexport B = two\nC="x y"\nbad\n'), { A: '1', B: 'two', C: 'x y' });
    assert.deepEqual(parseDotenv('A=bar # comment\nB="x # y"\n'), { A: 'bar', B: 'x # y' });
  });
});
