/**
 * A bound on the password checks one handler runs at once. Each check is a bcrypt (cost 10) compare, all
 * CPU (figures: bench/auth/README.md): without a bound a burst of sign-ins queues without end. Past
 * `maxWaiting` a check is not run at all and the caller refuses the sign-in. Across Lambda instances the
 * bound is the function's reserved concurrency.
 */
export interface WorkLimit {
  /** Runs `work` when a slot is free; undefined (work not run) when the queue is full. */
  run<T>(work: () => Promise<T>): Promise<T | undefined>;
}

export function createWorkLimit(options: { maxRunning: number; maxWaiting: number }): WorkLimit {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return {
    async run<T>(work: () => Promise<T>): Promise<T | undefined> {
      if (running >= options.maxRunning) {
        if (waiting.length >= options.maxWaiting) return undefined;
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        running++;
      }
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}
