import { TokenAudienceError, TokenClaimError, TokenExpiredError, TokenNotYetValidError } from './errors.ts';

/** A UUID in its canonical text form (the shape of Supabase user IDs). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * Checks `exp` (required), `nbf` and `iat` (optional) against `now`, both in seconds, allowing
 * `skew` seconds of clock difference each way.
 */
export function checkTimes(claims: Readonly<Record<string, unknown>>, now: number, skew: number): void {
  const exp = numericDate(claims, 'exp', true) as number;
  if (now - skew >= exp) throw new TokenExpiredError(exp, now, skew);
  const nbf = numericDate(claims, 'nbf', false);
  if (nbf !== undefined && nbf > now + skew) throw new TokenNotYetValidError('nbf', nbf, now, skew);
  const iat = numericDate(claims, 'iat', false);
  if (iat !== undefined && iat > now + skew) throw new TokenNotYetValidError('iat', iat, now, skew);
}

function numericDate(
  claims: Readonly<Record<string, unknown>>,
  name: string,
  required: boolean,
): number | undefined {
  const value = claims[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TokenClaimError(name, value, 'a NumericDate (seconds since the epoch)');
  }
  return value;
}

/** A string claim that must be present and non-empty. */
export function requireString(claims: Readonly<Record<string, unknown>>, name: string): string {
  const value = claims[name];
  if (typeof value !== 'string' || value === '') throw new TokenClaimError(name, value, 'a non-empty string');
  return value;
}

/** An optional string claim: undefined when absent, an error when present with another type. */
export function optionalString(claims: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new TokenClaimError(name, value, 'a string');
  return value;
}

/** `aud` (a string or an array of strings) must name at least one accepted audience. */
export function checkAudience(claims: Readonly<Record<string, unknown>>, accepted: readonly string[]): void {
  const aud = claims.aud;
  const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : undefined;
  if (!list || !list.some((a) => typeof a === 'string' && accepted.includes(a))) {
    throw new TokenAudienceError(aud, accepted);
  }
}
