/**
 * What kind of password credential `auth.users.encrypted_password` holds (DESIGN §5): bcrypt `$2a$10$…`,
 * an imported `$argon2…` or `$fbscrypt$…`, an encrypted envelope the migration cannot open, or nothing
 * (OAuth-only, magic-link and anonymous users have `''`). Pure; bundled into the Lambda.
 */

export type HashKind = 'bcrypt' | 'argon2' | 'fbscrypt' | 'encrypted' | 'unknown' | 'none';

/** Hash kinds the migrate-user Lambda can verify a password against. */
export const VERIFIABLE_HASH_KINDS: readonly HashKind[] = ['bcrypt', 'argon2', 'fbscrypt'];

const BCRYPT = /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/;
const ARGON2 = /^\$argon2(id|i)\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
const FBSCRYPT = /^\$fbscrypt\$v=1,n=\d+,r=\d+,p=\d+(,ss=[^,$]+)?(,sk=[^$]+)?\$[^$]+\$.+$/;

export function hashKind(hash: string | null | undefined): HashKind {
  const value = hash?.trim() ?? '';
  if (value === '') return 'none';
  if (BCRYPT.test(value)) return 'bcrypt';
  if (ARGON2.test(value)) return 'argon2';
  if (FBSCRYPT.test(value)) return 'fbscrypt';
  // GoTrue's column encryption stores a JSON envelope ({"key_id":…,"alg":…,"nonce":…,"data":…}).
  if (value.startsWith('{')) return 'encrypted';
  return 'unknown';
}

/**
 * The bcrypt costs the migrate-user Lambda checks: what GoTrue writes (10) with room either side. A hash
 * outside starts up to 2^31 rounds per sign-in, so the Lambda refuses it (and `auth plan` counts them).
 */
export const BCRYPT_COST_RANGE = { min: 4, max: 14 } as const;

/** The cost of a bcrypt hash (`$2a$10$…` is 10), or undefined when `hash` is not bcrypt. */
export function bcryptCost(hash: string | null | undefined): number | undefined {
  const value = hash?.trim() ?? '';
  return BCRYPT.test(value) ? Number(value.split('$')[2]) : undefined;
}

/** Whether `hash` is bcrypt with a cost outside BCRYPT_COST_RANGE. */
export function bcryptCostOutOfRange(hash: string | null | undefined): boolean {
  const cost = bcryptCost(hash);
  return cost !== undefined && (cost < BCRYPT_COST_RANGE.min || cost > BCRYPT_COST_RANGE.max);
}
