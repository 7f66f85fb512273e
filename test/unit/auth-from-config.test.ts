import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyAuthRollbackFromConfig,
  exportLegacyStoreFromConfig,
  importRemainingOptions,
  planAuthFromConfig,
  planAuthRollbackFromConfig,
  relinkUserFromConfig,
  verifyAuthFromConfig,
} from '../../src/auth/index.ts';
import { parseConfig, type Config } from '../../src/config/index.ts';
import { isSupa2awsError } from '../../src/core/errors.ts';

const { config: parsed, errors } = parseConfig(
  {
    version: 1,
    source: {
      projectUrl: 'https://abcdefghijklmnopqrst.supabase.co',
      db: { url: 'postgresql://postgres:pw@127.0.0.1:1/postgres' },
      storage: { endpoint: 'http://127.0.0.1:1', region: 'us-east-1' },
    },
    target: {
      region: 'eu-central-1',
      db: { url: 'postgresql://postgres:pw@127.0.0.1:1/aiuteur' },
      s3: {},
      cognito: { endpoint: 'http://127.0.0.1:1', userPoolId: 'eu-central-1_abc', clientId: 'client' },
    },
    auth: { maxRequestsPerSecond: 7 },
  },
  {},
);
assert.ok(parsed, JSON.stringify(errors));
const config: Config = parsed;

/** A connector that says which database the step opened first, and opens none. */
class Opened extends Error {
  constructor(readonly url: string) {
    super(`opened ${url}`);
  }
}
const connect = (url: string) => Promise.reject(new Opened(url));

describe('auth adapters from a config', () => {
  it('GIVEN auth.maxRequestsPerSecond WHEN auth import maps it THEN it is the ceiling, --rate overrides it and the config stays as it was', () => {
    const options = importRemainingOptions(config);
    assert.equal(options.maxRequestsPerSecond, 7);
    assert.equal(options.csvFile, false);
    assert.equal(options.csvOnly, false);
    assert.equal(options.config, config, 'the engine gets the loaded config itself, not a copy');
    const flagged = importRemainingOptions(config, { rate: 40, csvFile: 'users.csv', csvOnly: true });
    assert.deepEqual(
      [flagged.maxRequestsPerSecond, flagged.csvFile, flagged.csvOnly],
      [40, 'users.csv', true],
    );
    assert.equal(config.auth.maxRequestsPerSecond, 7);
  });

  it('GIVEN a --rate Cognito would refuse WHEN auth import maps it THEN it is a usage error with the quota in the hint', () => {
    for (const rate of [0, -1, 51, Number.NaN]) {
      assert.throws(
        () => importRemainingOptions(config, { rate }),
        (error: unknown) =>
          isSupa2awsError(error) &&
          error.code === 'AUTH_RATE_INVALID' &&
          error.exitCode === 2 &&
          /50 AdminCreateUser/.test(error.hint ?? ''),
      );
    }
  });

  it('GIVEN an injected connector WHEN plan, export, relink and verify run from the config THEN each opens the databases the config names through it', async () => {
    const opened = async (run: () => Promise<unknown>) => {
      const error = await run().then(
        () => assert.fail('expected the connector to be used'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof Opened, String(error));
      return error.url;
    };
    assert.equal(await opened(() => planAuthFromConfig(config, {}, { connect })), config.source.db.url);
    assert.equal(await opened(() => exportLegacyStoreFromConfig(config, { connect })), config.source.db.url);
    assert.equal(
      await opened(() => relinkUserFromConfig(config, { userId: crypto.randomUUID() }, { connect })),
      config.target.db.url,
    );
    assert.equal(await opened(() => verifyAuthFromConfig(config, {}, { connect })), config.source.db.url);
  });

  it('GIVEN an injected connector WHEN auth rollback plans from the config THEN it opens the source database the config names through it', async () => {
    const error = await planAuthRollbackFromConfig(config, { connect }).then(
      () => assert.fail('expected the connector to be used'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof Opened, String(error));
    assert.equal(error.url, config.source.db.url);
  });

  it('GIVEN a rollback plan for another pool WHEN applied from the config THEN it is a usage error and nobody is removed', async () => {
    const plan = {
      version: 1 as const,
      userPoolId: 'eu-central-1_other',
      poolUsers: 1,
      remove: [
        {
          username: 'a',
          sub: null,
          userId: null,
          email: null,
          reason: 'created-in-cognito' as const,
          detail: '',
        },
      ],
      changed: [],
      everyone: [],
      undetectable: [],
    };
    await assert.rejects(
      applyAuthRollbackFromConfig(config, plan),
      (error: unknown) =>
        isSupa2awsError(error) &&
        error.code === 'AUTH_ROLLBACK_PLAN_POOL' &&
        error.exitCode === 2 &&
        /eu-central-1_abc/.test(error.message),
    );
  });
});
