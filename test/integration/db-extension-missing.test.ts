/**
 * An extension RDS 16 has but the sandbox's PostgreSQL build does not ship (vector): the privileged step
 * stops with a coded error whose hint says so, instead of a raw PostgreSQL error or "unsupported on RDS".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setupPrivileged } from '../../src/db/index.ts';
import { getTestSandbox } from '../helpers/sandbox.ts';

describe('db schema: an extension the sandbox build lacks', () => {
  it('names RDS 16 as having vector and the sandbox as unable to prove it', async () => {
    const target = await (await getTestSandbox()).freshTargetDb();
    await assert.rejects(
      setupPrivileged({
        adminUrl: target.adminUrl,
        ownerRole: 'postgres',
        extensions: [{ name: 'vector', schema: 'extensions' }],
      }),
      (e: { code?: string; hint?: string }) =>
        e.code === 'DB_EXTENSION_NOT_AVAILABLE' && /^RDS 16 has vector; the sandbox/.test(e.hint ?? ''),
    );
  });
});
