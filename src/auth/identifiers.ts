/**
 * How a user is looked up: emails compared lower-cased (Cognito pools are created case-insensitive),
 * phones in +E.164 (Supabase stores them without the `+`). Pure, and bundled into the migrate-user Lambda.
 */

/** +E.164: a `+` and 8 to 15 digits, the first not 0. */
const E164 = /^\+[1-9]\d{7,14}$/;

/**
 * Normalises a phone number as Supabase stores it (`15551234567`) or as a user types it
 * (`+1 (555) 123-4567`, `0015551234567`) to +E.164, or returns undefined when it cannot be one.
 */
export function toE164(phone: string | null | undefined): string | undefined {
  if (!phone) return undefined;
  let value = phone.trim().replace(/[\s().-]/g, '');
  if (value.startsWith('00')) value = `+${value.slice(2)}`;
  if (!value.startsWith('+')) value = `+${value}`;
  return E164.test(value) ? value : undefined;
}

/** The lookup key of an email: trimmed and lower-cased; undefined for empty. */
export function emailKey(email: string | null | undefined): string | undefined {
  const value = email?.trim().toLowerCase();
  return value ? value : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string | null | undefined): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** What a sign-in name is: an email, a phone number, a UUID (a username that is the Supabase ID), or neither. */
export type SignInName =
  | { by: 'email'; value: string }
  | { by: 'phone'; value: string }
  | { by: 'id'; value: string }
  | { by: 'unknown' };

export function parseSignInName(userName: string | null | undefined): SignInName {
  const name = userName?.trim() ?? '';
  if (name.includes('@')) return { by: 'email', value: name.toLowerCase() };
  if (isUuid(name)) return { by: 'id', value: name.toLowerCase() };
  const phone = toE164(name);
  if (phone && /^[+\d\s().-]+$/.test(name)) return { by: 'phone', value: phone };
  return { by: 'unknown' };
}
