import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StorageError } from '../../src/core/errors.ts';
import { backoffMs, isRetryable, withRetry } from '../../src/core/retry.ts';

describe('retry by class', () => {
  it('classifies throttling, 5xx and resets as retryable; access denied is not', () => {
    assert.equal(isRetryable({ name: 'SlowDown' }), true);
    assert.equal(isRetryable({ name: 'OperationAborted', $metadata: { httpStatusCode: 409 } }), true);
    assert.equal(isRetryable({ code: 'ECONNRESET' }), true);
    assert.equal(isRetryable({ $metadata: { httpStatusCode: 503 } }), true);
    assert.equal(isRetryable({ name: 'TooManyRequestsException' }), true);
    assert.equal(isRetryable({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }), false);
    assert.equal(isRetryable({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }), false);
    assert.equal(isRetryable(new StorageError('X', 'y', { retryable: true })), true);
  });

  it('backs off with full jitter under an exponential ceiling', () => {
    assert.equal(backoffMs(1, { random: () => 0.999, baseMs: 100 }), 99);
    assert.equal(backoffMs(4, { random: () => 0.5, baseMs: 100 }), 400);
    assert.equal(backoffMs(30, { random: () => 0.999, baseMs: 100, maxMs: 1000 }), 999);
  });

  it('retries retryable failures and stops at once on others', async () => {
    let calls = 0;
    const value = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        return 'ok';
      },
      { baseMs: 1 },
    );
    assert.equal(value, 'ok');
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw new StorageError('STORAGE_ACCESS_DENIED', 'no', { exit: 'permission' });
        },
        { baseMs: 1 },
      ),
      (e: StorageError) => e.code === 'STORAGE_ACCESS_DENIED',
    );
    assert.equal(calls, 1);
  });

  it('waits what an injected backoff says between attempts', async () => {
    const waits: number[] = [];
    let calls = 0;
    await withRetry(
      async () => {
        if (++calls < 3) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      },
      { backoff: (attempt) => attempt, onRetry: (_error, _attempt, wait) => waits.push(wait) },
    );
    assert.deepEqual(waits, [1, 2]);
  });
});
