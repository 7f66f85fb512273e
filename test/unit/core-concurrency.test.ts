import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eachConcurrently, slots } from '../../src/core/concurrency.ts';

describe('eachConcurrently: one stop rule for every engine', () => {
  it('GIVEN 20 items and concurrency 3 THEN at most 3 run at once, each on a lane no other running item has', async () => {
    let running = 0;
    let most = 0;
    const busy = new Set<number>();
    const seen: number[] = [];
    await eachConcurrently(
      Array.from({ length: 20 }, (_, i) => i),
      { concurrency: 3 },
      async (item, { index, lane }) => {
        assert.equal(item, index);
        assert.ok(lane >= 0 && lane < 3);
        assert.ok(!busy.has(lane), `lane ${lane} is busy`);
        busy.add(lane);
        most = Math.max(most, ++running);
        await sleep(item % 4);
        running--;
        busy.delete(lane);
        seen.push(item);
      },
    );
    assert.equal(most, 3);
    assert.deepEqual(
      seen.sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it('GIVEN an item that throws THEN no new item starts, the running ones finish, and the first error is thrown', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    await assert.rejects(
      eachConcurrently(
        Array.from({ length: 10 }, (_, i) => i),
        { concurrency: 3 },
        async (item) => {
          started.push(item);
          if (item === 1) {
            await sleep(5);
            throw new Error('first');
          }
          await sleep(20);
          if (item === 2) throw new Error('second');
          finished.push(item);
        },
      ),
      { message: 'first' },
    );
    assert.deepEqual(started, [0, 1, 2], 'nothing started after the failure');
    assert.deepEqual(finished, [0], 'the running item finished before the error came back');
  });

  it('GIVEN an aborted signal THEN no new item starts and the run ends without an error', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    await eachConcurrently([1, 2, 3, 4], { concurrency: 1, signal: controller.signal }, async (item) => {
      started.push(item);
      if (item === 2) controller.abort();
    });
    assert.deepEqual(started, [1, 2]);
  });

  it('GIVEN no items THEN it returns at once', async () => {
    await eachConcurrently([], { concurrency: 4 }, async () => assert.fail('called'));
  });
});

describe('slots: holds that span more than one call', () => {
  it('GIVEN 2 slots WHEN 3 callers acquire THEN the third waits until one is released, and callers are served in order', async () => {
    const acquire = slots(2);
    const order: string[] = [];
    const first = await acquire();
    const second = await acquire();
    const third = acquire().then((release) => {
      order.push('third');
      return release;
    });
    await sleep(10);
    assert.equal(order.length, 0, 'no slot is free');
    order.push('released');
    first();
    (await third)();
    second();
    assert.deepEqual(order, ['released', 'third']);
  });

  it('GIVEN a count below 1 THEN there is still one slot', async () => {
    const release = await slots(0)();
    release();
  });
});
