/** Flag value parsers: a bad value is a usage error commander prints with the flag's name, not a crash. */
import { InvalidArgumentError } from 'commander';

/** A whole number above 0. */
export function positiveInt(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number above 0, got ${value}`);
  return n;
}

/** A number above 0, `max` at the most (a rate, say: 2.5 is fine). */
export function positiveNumberUpTo(max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
    if (!(n > 0 && n <= max))
      throw new InvalidArgumentError(`expected a number above 0 and at most ${max}, got ${value}`);
    return n;
  };
}

/** A whole number, 0 or more. */
export function wholeNumber(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected a whole number, got ${value}`);
  return n;
}

/** One of `allowed`. */
export function oneOf<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value))
      throw new InvalidArgumentError(`expected ${allowed.join(' or ')}, got ${value}`);
    return value as T;
  };
}

/** A comma-separated list, each one of `allowed`. */
export function listOf<T extends string>(allowed: readonly T[]): (value: string) => T[] {
  const one = oneOf(allowed);
  return (value) => value.split(',').map((v) => one(v.trim()));
}

/** A whole number from `min` to `max` (the bounds the config schema puts on the same setting). */
export function intInRange(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got ${value}`);
    return n;
  };
}
