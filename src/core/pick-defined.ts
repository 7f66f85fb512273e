/** The named keys of `from` whose values are set: passes optional deps on without writing `undefined`s. */
export function pickDefined<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.flatMap((k) => (from[k] === undefined ? [] : [[k, from[k]]]))) as Pick<T, K>;
}
