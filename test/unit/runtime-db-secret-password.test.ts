/**
 * secretPassword's cache: the secret is read once, again only when the value is older than maxAgeMs or after
 * invalidate(), and concurrent connections share one read. The client is a stand-in of the one
 * GetSecretValue call (the SecretsClient the module takes); the Secrets Manager wire protocol and a live pool
 * under rotation are covered by test/integration/runtime-db-rotation.test.ts.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { secretPassword, type SecretPassword } from '@supa2aws/runtime/db';
import type { SecretsClient } from '@supa2aws/runtime/secrets';

function standIn(values: string[]) {
  const state = { calls: 0 };
  const client: SecretsClient = {
    send: async () => {
      const password = values[Math.min(state.calls, values.length - 1)]!;
      state.calls++;
      await new Promise((r) => setTimeout(r, 5));
      return { Name: 'app-db', SecretString: JSON.stringify({ username: 'aiuteur_app', password }) };
    },
  };
  return { client, state };
}

describe('secretPassword', () => {
  it('GIVEN a fresh value WHEN many connections ask at once THEN the secret is read once', async () => {
    const { client, state } = standIn(['one']);
    const password = secretPassword({ secretId: 'app-db', client });
    assert.deepEqual(await Promise.all([password(), password(), password()]), ['one', 'one', 'one']);
    assert.equal(state.calls, 1);
    assert.equal(password.reads, 1);
  });

  it('GIVEN a cached value WHEN it is older than maxAgeMs, or invalidated THEN the secret is read again', async () => {
    let now = 0;
    const { client, state } = standIn(['one', 'two', 'three']);
    const password: SecretPassword = secretPassword({
      secretId: 'app-db',
      client,
      maxAgeMs: 1000,
      now: () => now,
    });
    assert.equal(await password(), 'one');
    now = 999;
    assert.equal(await password(), 'one');
    now = 1000;
    assert.equal(await password(), 'two');
    password.invalidate();
    assert.equal(await password(), 'three');
    assert.equal(state.calls, 3);
  });

  it('GIVEN a secret without the key WHEN read THEN DB_CONFIG_INVALID names the keys, never a value', async () => {
    const client: SecretsClient = {
      send: async () => ({ SecretString: JSON.stringify({ username: 'aiuteur_app', pass: 's3cret-value' }) }),
    };
    await assert.rejects(secretPassword({ secretId: 'app-db', client })(), (e: Error) => {
      assert.equal((e as { code?: string }).code, 'DB_CONFIG_INVALID');
      assert.match(e.message, /keys: username, pass/);
      assert.doesNotMatch(e.message + inspect(e), /s3cret-value/);
      return true;
    });
  });
});
