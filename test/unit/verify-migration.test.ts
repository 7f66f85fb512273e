import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { listOf, oneOf, positiveInt, wholeNumber } from '../../src/cli/option-parsers.ts';
import { parseConfig } from '../../src/config/index.ts';
import { phaseNotSetUp, VERIFY_PHASES, verifyExitCode, verifyMigration } from '../../src/verify/index.ts';

const raw = {
  version: 1,
  source: {
    projectUrl: 'https://abcdefghijklmnopqrst.supabase.co',
    db: { url: 'postgresql://postgres:pw@127.0.0.1:1/postgres' },
    storage: { endpoint: 'http://127.0.0.1:1', region: 'us-east-1' },
  },
  target: { db: { url: 'postgresql://postgres:pw@127.0.0.1:1/postgres' }, s3: { region: 'us-east-1' } },
};

describe('supa2aws verify', () => {
  const { config } = parseConfig(raw, {});
  assert.ok(config);

  it('knows which phases a config sets up', () => {
    assert.match(phaseNotSetUp(config, 'storage') ?? '', /storage\.buckets/);
    assert.equal(phaseNotSetUp(config, 'db'), undefined);
    assert.match(phaseNotSetUp(config, 'auth') ?? '', /target\.cognito/);
  });

  it('fails a phase asked for by name that the config does not set up, without connecting anywhere', async () => {
    const seen: string[] = [];
    const result = await verifyMigration(config, {
      phases: ['storage', 'auth', 'storage'],
      onPhase: (verdict) => seen.push(verdict.phase),
    });
    assert.equal(result.ok, false);
    assert.deepEqual(seen, ['storage', 'auth'], 'each phase once, reported as it ends');
    assert.equal(result.phases[0]?.error?.code, 'VERIFY_PHASE_NOT_SET_UP');
    assert.equal(verifyExitCode(result), 2);
    assert.deepEqual(
      result.phases.map((p) => [p.phase, p.status]),
      [
        ['storage', 'fail'],
        ['auth', 'fail'],
      ],
    );
  });

  it('reports a phase that cannot run as failed with its error code and hint, and still runs the others', async () => {
    const result = await verifyMigration(config);
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.phases.map((p) => [p.phase, p.status]),
      [
        ['storage', 'skipped'],
        ['db', 'fail'],
        ['auth', 'skipped'],
      ],
    );
    const db = result.phases[1];
    assert.ok(db?.error?.code, 'the db error carries a code');
    assert.equal(verifyExitCode(result), db.error.exitCode, 'exit with the error, not as a difference');
    assert.notEqual(verifyExitCode(result), 1);
    assert.doesNotMatch(JSON.stringify(result), /postgres:pw@/, 'no password in the result');
  });

  it('parses flags as usage errors, not crashes', () => {
    assert.equal(positiveInt('8'), 8);
    assert.throws(() => positiveInt('0'), InvalidArgumentError);
    for (const odd of ['1e3', '0x10', '8.0', ' 8', ''])
      assert.throws(() => positiveInt(odd), InvalidArgumentError, JSON.stringify(odd));
    assert.equal(wholeNumber('0'), 0);
    assert.throws(() => wholeNumber('1.5'), InvalidArgumentError);
    assert.equal(oneOf(['source', 'target'])('target'), 'target');
    assert.throws(() => oneOf(['source', 'target'])('x'), /expected source or target, got x/);
    assert.deepEqual(listOf(VERIFY_PHASES)('db, auth'), ['db', 'auth']);
    assert.throws(() => listOf(VERIFY_PHASES)('db,nosuch'), InvalidArgumentError);
  });
});
