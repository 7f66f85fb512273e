import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { isSupa2awsError } from '../../src/core/errors.ts';
import {
  closePool,
  createPool,
  DbErrorCode,
  describePool,
  poolOptionsFromEnv,
  resolvePoolConfig,
} from '@supa2aws/runtime/db';
import { tempDir } from '../helpers/temp-dir.ts';

const PASSWORD = 's3cr3t-P@ss/word';
const URL_WITH_PASSWORD = `postgres://app:${encodeURIComponent(PASSWORD)}@db.abc123.eu-west-1.rds.amazonaws.com:5432/aiuteur`;

function throwsCode(fn: () => unknown, code: string): Error {
  try {
    fn();
  } catch (error) {
    assert.ok(isSupa2awsError(error), String(error));
    assert.equal(error.code, code);
    assert.ok(error.hint);
    return error;
  }
  assert.fail(`expected ${code}`);
}

describe('resolvePoolConfig', () => {
  it('GIVEN a DATABASE_URL WHEN resolved THEN discrete fields, decoded password, verify-full TLS by default', () => {
    const { config, summary } = resolvePoolConfig({ connectionString: URL_WITH_PASSWORD });
    assert.equal(config.host, 'db.abc123.eu-west-1.rds.amazonaws.com');
    assert.equal(config.port, 5432);
    assert.equal(config.database, 'aiuteur');
    assert.equal(config.user, 'app');
    assert.equal(config.password, PASSWORD);
    assert.equal(config.connectionString, undefined, 'the URL (with its password) is not handed to pg');
    assert.deepEqual(config.ssl, { rejectUnauthorized: true });
    assert.equal(config.statement_timeout, 30_000);
    assert.equal(summary.sslMode, 'verify-full');
    assert.equal(summary.ca, 'system');
  });

  it('GIVEN sslmode=require (libpq: encrypt, no verification) THEN the certificate is still verified', () => {
    for (const mode of ['require', 'prefer', 'allow']) {
      const { config, summary } = resolvePoolConfig({
        connectionString: `${URL_WITH_PASSWORD}?sslmode=${mode}`,
      });
      assert.equal(summary.sslMode, 'verify-full', mode);
      assert.equal((config.ssl as { rejectUnauthorized?: boolean }).rejectUnauthorized, true, mode);
      assert.equal((config.ssl as { checkServerIdentity?: unknown }).checkServerIdentity, undefined, mode);
    }
  });

  it('GIVEN sslmode=no-verify THEN refused with DB_TLS_INSECURE', () => {
    throwsCode(
      () => resolvePoolConfig({ connectionString: `${URL_WITH_PASSWORD}?sslmode=no-verify` }),
      DbErrorCode.insecureTls,
    );
  });

  it('GIVEN sslmode=verify-ca THEN the chain is checked but not the host name', () => {
    const { config } = resolvePoolConfig({ connectionString: `${URL_WITH_PASSWORD}?sslmode=verify-ca` });
    const ssl = config.ssl as { rejectUnauthorized: boolean; checkServerIdentity: () => unknown };
    assert.equal(ssl.rejectUnauthorized, true);
    assert.equal(ssl.checkServerIdentity(), undefined);
  });

  it('GIVEN a CA bundle path (sslrootcert or caFile) THEN its PEM is the trust anchor', () => {
    const dir = tempDir('ca-');
    const file = path.join(dir, 'global-bundle.pem');
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const viaUrl = resolvePoolConfig({
      connectionString: `${URL_WITH_PASSWORD}?sslrootcert=${encodeURIComponent(file)}`,
    });
    assert.match(String((viaUrl.config.ssl as { ca: string }).ca), /BEGIN CERTIFICATE/);
    assert.equal(viaUrl.summary.ca, file);
    const viaOption = resolvePoolConfig({ connectionString: URL_WITH_PASSWORD, caFile: file });
    assert.equal((viaOption.config.ssl as { rejectUnauthorized: boolean }).rejectUnauthorized, true);
  });

  it('GIVEN a CA bundle path that does not exist THEN DB_CA_FILE_MISSING with the download hint', () => {
    const error = throwsCode(
      () =>
        resolvePoolConfig({ connectionString: URL_WITH_PASSWORD, caFile: '/nonexistent/global-bundle.pem' }),
      DbErrorCode.caFile,
    );
    assert.match((error as unknown as { hint: string }).hint, /truststore\.pki\.rds\.amazonaws\.com/);
  });

  it('GIVEN a loopback host THEN TLS is off unless asked for', () => {
    assert.equal(resolvePoolConfig({ host: '127.0.0.1', database: 'd', user: 'u' }).config.ssl, false);
    assert.equal(
      resolvePoolConfig({ host: 'localhost', database: 'd', user: 'u', sslMode: 'verify-full' }).summary
        .sslMode,
      'verify-full',
    );
    assert.equal(
      resolvePoolConfig({ connectionString: `${URL_WITH_PASSWORD}?sslmode=disable` }).config.ssl,
      false,
    );
  });

  it('GIVEN discrete settings THEN they override the URL', () => {
    const { config } = resolvePoolConfig({
      connectionString: URL_WITH_PASSWORD,
      database: 'other',
      port: 6543,
      statementTimeoutMs: 0,
    });
    assert.equal(config.database, 'other');
    assert.equal(config.port, 6543);
    assert.equal(config.statement_timeout, undefined, '0 turns the timeout off');
  });

  it('GIVEN the password WHEN the config or summary is serialised or inspected THEN it is absent', () => {
    const { config, summary } = resolvePoolConfig({ connectionString: URL_WITH_PASSWORD });
    for (const text of [
      JSON.stringify(config),
      inspect(config, { depth: 5 }),
      JSON.stringify(summary),
      inspect(summary),
      JSON.stringify({ ...config }),
    ]) {
      assert.ok(!text.includes(PASSWORD), text);
      assert.ok(!text.includes(encodeURIComponent(PASSWORD)), text);
    }
    assert.ok(!Object.keys(config).includes('password'));
    assert.equal(summary.passwordSet, true);
  });

  it('GIVEN a bad URL or a missing field THEN DB_CONFIG_INVALID that does not quote the password', () => {
    const encoded = encodeURIComponent(PASSWORD);
    const bad = throwsCode(
      () => resolvePoolConfig({ connectionString: `mysql://app:${encoded}@h/db` }),
      DbErrorCode.config,
    );
    assert.ok(!bad.message.includes(encoded), bad.message);
    const unparsable = throwsCode(
      () => resolvePoolConfig({ connectionString: `postgres://app:${encoded}@h:99999/db` }),
      DbErrorCode.config,
    );
    assert.ok(!unparsable.message.includes(encoded), unparsable.message);
    throwsCode(
      () => resolvePoolConfig({ connectionString: `postgres://app:${encoded}@h` }),
      DbErrorCode.config,
    );
    throwsCode(() => resolvePoolConfig({ host: 'h', database: 'd', user: 'u', port: 0 }), DbErrorCode.config);
    throwsCode(
      () => resolvePoolConfig({ connectionString: `${URL_WITH_PASSWORD}?sslmode=bogus` }),
      DbErrorCode.config,
    );
  });
});

describe('poolOptionsFromEnv', () => {
  it('GIVEN DATABASE_URL and DATABASE_CA_FILE THEN both are used; PG* vars are ignored', () => {
    const options = poolOptionsFromEnv({
      DATABASE_URL: URL_WITH_PASSWORD,
      DATABASE_CA_FILE: '/app/global-bundle.pem',
      PGHOST: 'ignored',
      PGSSLMODE: 'disable',
      DATABASE_STATEMENT_TIMEOUT_MS: '5000',
      DATABASE_POOL_MAX: '4',
    });
    assert.equal(options.connectionString, URL_WITH_PASSWORD);
    assert.equal(options.host, undefined);
    assert.equal(options.sslMode, undefined, "the URL's own sslmode wins, as in libpq");
    assert.equal(options.caFile, '/app/global-bundle.pem');
    assert.equal(options.statementTimeoutMs, 5000);
    assert.equal(options.max, 4);
  });

  it('GIVEN only PG* vars THEN discrete settings', () => {
    const options = poolOptionsFromEnv({
      PGHOST: 'h',
      PGPORT: '5433',
      PGDATABASE: 'd',
      PGUSER: 'u',
      PGPASSWORD: PASSWORD,
      PGSSLMODE: 'verify-ca',
    });
    assert.deepEqual(
      { ...options, password: undefined },
      { host: 'h', port: 5433, database: 'd', user: 'u', password: undefined, sslMode: 'verify-ca' },
    );
  });

  it('GIVEN a non-numeric timeout THEN DB_CONFIG_INVALID', () => {
    throwsCode(
      () => poolOptionsFromEnv({ DATABASE_URL: URL_WITH_PASSWORD, DATABASE_STATEMENT_TIMEOUT_MS: 'soon' }),
      DbErrorCode.config,
    );
  });
});

describe('createPool', () => {
  it('GIVEN a pool WHEN it and its options are inspected THEN the password is absent', async () => {
    const pool = createPool({ connectionString: URL_WITH_PASSWORD });
    for (const text of [
      inspect(pool, { depth: 6 }),
      JSON.stringify(pool.options),
      inspect(pool.options),
      JSON.stringify(describePool(pool)),
    ]) {
      assert.ok(!text.includes(PASSWORD), text.slice(0, 200));
    }
    assert.equal(describePool(pool)?.host, 'db.abc123.eu-west-1.rds.amazonaws.com');
    assert.deepEqual(await closePool(pool), { drained: true, open: 0 });
    assert.deepEqual(await closePool(pool), { drained: true, open: 0 }, 'closing twice is fine');
  });
});
