/**
 * Checks a password against a Supabase Auth hash, as GoTrue does (internal/crypto/password.go):
 * bcrypt, argon2i/argon2id (PHC strings, v=19) and Firebase's modified scrypt (`$fbscrypt$`).
 * Costs are bounded so that a hostile hash cannot turn a sign-in into a denial of service.
 */
import bcrypt from 'bcryptjs';
import { argon2Verify } from 'hash-wasm';
import { createCipheriv, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { bcryptCostOutOfRange, hashKind } from '../hash-kind.ts';

/** bcrypt compares at most 72 bytes; GoTrue refuses longer passwords when hashing. */
export const MAX_PASSWORD_BYTES = 1024;

function scrypt(
  password: Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
) {
  return new Promise<Buffer>((resolve, reject) => {
    const maxmem = 128 * options.N * options.r * options.p + 32 * 1024 * 1024;
    scryptCb(password, salt, keylen, { ...options, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

const FBSCRYPT = /^\$fbscrypt\$v=1,n=(\d+),r=(\d+),p=(\d+)(?:,ss=([^,$]+))?(?:,sk=([^$]+))?\$([^$]+)\$(.+)$/;

/** Firebase scrypt as GoTrue verifies it: scrypt(password, salt‖separator) keys AES-256-CTR over the signer key. */
async function verifyFirebaseScrypt(hash: string, password: string): Promise<boolean> {
  const m = FBSCRYPT.exec(hash);
  if (!m) return false;
  const [, n, r, p, ss = '', sk = '', salt, expected] = m as unknown as string[];
  const log2N = Number(n);
  const blockSize = Number(r);
  const parallel = Number(p);
  if (!(log2N >= 1 && log2N <= 20 && blockSize >= 1 && blockSize <= 32 && parallel >= 1 && parallel <= 16)) {
    return false;
  }
  const key = await scrypt(
    Buffer.from(password, 'utf8'),
    Buffer.concat([Buffer.from(salt!, 'base64'), Buffer.from(ss, 'base64')]),
    32,
    { N: 2 ** log2N, r: blockSize, p: parallel },
  );
  // Firebase's scheme: AES-256-CTR with a zero IV (checked against GoTrue's test vector).
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const derived = Buffer.concat([cipher.update(Buffer.from(sk, 'base64')), cipher.final()]);
  const want = Buffer.from(expected!, 'base64');
  return derived.length === want.length && timingSafeEqual(derived, want);
}

const ARGON2_PARAMS = /^\$argon2(?:id|i)\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/;

async function verifyArgon2(hash: string, password: string): Promise<boolean> {
  const m = ARGON2_PARAMS.exec(hash);
  if (!m) return false;
  const [memoryKiB, passes, lanes] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // GoTrue's own bounds: at most 1 GiB, 20 passes, 16 lanes.
  if (memoryKiB > 1024 * 1024 || passes > 20 || lanes > 16) return false;
  try {
    return await argon2Verify({ password, hash });
  } catch {
    return false;
  }
}

/** Whether `password` matches `hash`. Unknown or malformed hashes never match. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return false;
  switch (hashKind(hash)) {
    case 'bcrypt':
      return bcryptCostOutOfRange(hash) ? false : bcrypt.compare(password, hash);
    case 'argon2':
      return verifyArgon2(hash, password);
    case 'fbscrypt':
      return verifyFirebaseScrypt(hash, password);
    default:
      return false;
  }
}

/** Supabase hashes with bcrypt cost 10 (`$2a$10$`): the dummy costs the same. */
export const DUMMY_BCRYPT_COST = 10;

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time a bcrypt check of a real user takes (cost 10, as Supabase hashes), so that an unknown
 * user, an unusable hash and a wrong password cannot be told apart by timing. Always false.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= bcrypt.hash(randomBytes(18).toString('base64'), DUMMY_BCRYPT_COST);
  await bcrypt.compare(password.slice(0, MAX_PASSWORD_BYTES), await dummyHash);
  return false;
}

/** Starts computing the dummy hash (at cold start, so the first unknown user is not faster); returns it. */
export function warmUpDummyHash(): Promise<string> {
  dummyHash ??= bcrypt.hash(randomBytes(18).toString('base64'), DUMMY_BCRYPT_COST);
  return dummyHash;
}
