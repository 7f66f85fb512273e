/**
 * Pacing and backoff under Cognito's shared quota (cognito-local never throttles, so the maths is
 * tested here with a fake clock).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdaptiveRateLimiter, isThrottle } from '../../src/auth/rate-limiter.ts';
import { authConfigSchema } from '../../src/auth/config.ts';

function fakeTime() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
    get t() {
      return t;
    },
  };
}

const throttle = () =>
  Object.assign(new Error('Rate exceeded'), {
    name: 'TooManyRequestsException',
    $metadata: { httpStatusCode: 400 },
  });

describe('AdaptiveRateLimiter', () => {
  it('defaults below the shared 50 requests/s quota and refuses a config above it', () => {
    const config = authConfigSchema.parse({});
    assert.equal(config.maxRequestsPerSecond, 20);
    assert.ok(config.maxRequestsPerSecond < 50);
    assert.equal(authConfigSchema.safeParse({ maxRequestsPerSecond: 51 }).success, false);
  });

  it('never lets more than the ceiling through in any one-second window', async () => {
    const time = fakeTime();
    const limiter = new AdaptiveRateLimiter({ ceiling: 20, ...time });
    const at: number[] = [];
    for (let i = 0; i < 100; i++) {
      await limiter.acquire();
      at.push(time.t);
    }
    for (let i = 0; i < at.length; i++) {
      const inWindow = at.filter((x) => x >= at[i]! && x < at[i]! + 1000).length;
      assert.ok(inWindow <= 20, `window at ${at[i]} holds ${inWindow}`);
    }
    // 100 calls at 20/s: the last starts 99 intervals of 50 ms after the first.
    assert.equal(at[99]! - at[0]!, 99 * 50);
  });

  it('halves the rate on each throttle, down to the floor, then adds 1/s per second of successes', () => {
    const time = fakeTime();
    const limiter = new AdaptiveRateLimiter({ ceiling: 20, floor: 2, ...time });
    limiter.throttled();
    assert.equal(limiter.rate, 10);
    limiter.throttled();
    limiter.throttled();
    limiter.throttled();
    assert.equal(limiter.rate, 2);
    assert.equal(limiter.throttles, 4);
    for (let i = 0; i < 2; i++) limiter.succeeded();
    assert.equal(limiter.rate, 3);
    for (let i = 0; i < 3; i++) limiter.succeeded();
    assert.equal(limiter.rate, 4);
    for (let i = 0; i < 1000; i++) limiter.succeeded();
    assert.equal(limiter.rate, 20);
  });

  it('retries a throttled call with growing jittered backoff, then succeeds', async () => {
    const time = fakeTime();
    let attempts = 0;
    const waits: number[] = [];
    const sleep = time.sleep;
    const spying = new AdaptiveRateLimiter({
      ceiling: 10,
      now: time.now,
      sleep: async (ms) => {
        waits.push(ms);
        await sleep(ms);
      },
    });
    const result = await spying.call(
      async () => {
        attempts++;
        if (attempts < 4) throw throttle();
        return 'created';
      },
      { random: () => 1 },
    );
    assert.equal(result, 'created');
    assert.equal(attempts, 4);
    assert.equal(spying.throttles, 3);
    assert.equal(spying.rate, 10 / 8);
    // Backoff ceilings 250, 500, 1000 ms (random = 1 takes the ceiling), besides the pacing waits.
    for (const backoff of [250, 500, 1000]) assert.ok(waits.includes(backoff), `waited ${waits.join(', ')}`);
  });

  it('gives up after the attempts and fails at once on errors that are not worth retrying', async () => {
    const time = fakeTime();
    const limiter = new AdaptiveRateLimiter({ ceiling: 10, ...time });
    let n = 0;
    await assert.rejects(
      limiter.call(
        async () => {
          n++;
          throw throttle();
        },
        { attempts: 3, random: () => 0 },
      ),
      { name: 'TooManyRequestsException' },
    );
    assert.equal(n, 3);
    n = 0;
    await assert.rejects(
      limiter.call(async () => {
        n++;
        throw Object.assign(new Error('bad'), {
          name: 'InvalidParameterException',
          $metadata: { httpStatusCode: 400 },
        });
      }),
      { name: 'InvalidParameterException' },
    );
    assert.equal(n, 1);
  });

  it('knows a throttle when it sees one', () => {
    assert.equal(isThrottle(throttle()), true);
    assert.equal(isThrottle({ name: 'X', $metadata: { httpStatusCode: 429 } }), true);
    assert.equal(isThrottle({ name: 'UsernameExistsException' }), false);
    assert.equal(isThrottle(null), false);
  });
});
