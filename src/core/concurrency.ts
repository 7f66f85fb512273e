/**
 * The one way engines run work side by side (p-map underneath), with one stop rule everywhere:
 * the first item that throws stops the run — no new item starts, the items already running finish (so
 * their connections can be closed and their partials cleaned up safely), then that first error is thrown.
 * An aborted `signal` stops new items the same way, without an error: the caller says what an
 * interruption means for it.
 */
import pLimit from 'p-limit';
import pMap, { pMapSkip } from 'p-map';

export interface EachOptions {
  /** Most items running at once (at least 1). */
  concurrency: number;
  /** When aborted, no new item starts. */
  signal?: AbortSignal;
}

export interface ItemSlot {
  /** The item's position in the input. */
  index: number;
  /**
   * Which of the `concurrency` lanes runs it, 0 up: no two running items share one, so a lane can keep
   * its own connection from one item to the next.
   */
  lane: number;
}

export async function eachConcurrently<T>(
  items: Iterable<T>,
  options: EachOptions,
  fn: (item: T, slot: ItemSlot) => Promise<void>,
): Promise<void> {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const freeLanes = Array.from({ length: concurrency }, (_, i) => concurrency - 1 - i);
  let failure: { error: unknown } | undefined;
  await pMap(
    items,
    async (item, index) => {
      if (failure || options.signal?.aborted) return pMapSkip;
      const lane = freeLanes.pop()!;
      try {
        await fn(item, { index, lane });
      } catch (error) {
        failure ??= { error };
      } finally {
        freeLanes.push(lane);
      }
      return pMapSkip;
    },
    { concurrency },
  );
  if (failure) throw failure.error;
}

/** Waits for a free slot and gives back its release. */
export type AcquireSlot = () => Promise<() => void>;

/**
 * `count` slots shared by many callers (p-limit underneath), for a hold that spans more than one call — a
 * part's bytes held from the read that fills them to the send that frees them. Waiters are served in order.
 */
export function slots(count: number): AcquireSlot {
  const limit = pLimit(Math.max(1, Math.floor(count)));
  return () =>
    new Promise((granted) => {
      void limit(() => new Promise<void>((release) => granted(release)));
    });
}
