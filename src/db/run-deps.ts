/** What a phase-2 step takes besides its options: the reporter, the abort signal and (tests) the connector. */
import type { Reporter } from '../core/reporter.ts';
import type { ConnectFn } from './pg.ts';

export interface DbRunDeps {
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
}

/** The deps an engine takes, leaving out the ones that are unset. */
export function engineDeps<K extends keyof DbRunDeps>(
  deps: DbRunDeps,
  keys: readonly K[],
): Pick<DbRunDeps, K> {
  return Object.fromEntries(keys.flatMap((k) => (deps[k] ? [[k, deps[k]]] : []))) as Pick<DbRunDeps, K>;
}
