import { compactVerify, errors, type CryptoKey } from 'jose';
import { TokenAlgorithmError, TokenMalformedError, TokenSignatureError } from './errors.ts';

/**
 * The JWS `alg` of a token header, if it is one of `pinned`. `none` (in any case) is refused whatever
 * the configuration says.
 */
export function pinnedAlgorithm(
  header: Readonly<Record<string, unknown>>,
  pinned: readonly string[],
  issuer?: string,
): string {
  const alg = header.alg;
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none' || !pinned.includes(alg)) {
    throw new TokenAlgorithmError(alg, pinned, issuer);
  }
  return alg;
}

/**
 * Verifies the signature of a compact JWS with jose, allowing only `alg` (already pinned) and no
 * critical extensions. Maps jose's failures to supa2aws error codes.
 */
export async function verifySignature(
  token: string,
  key: CryptoKey | Uint8Array,
  alg: string,
): Promise<void> {
  try {
    await compactVerify(token, key, { algorithms: [alg], crit: {} });
  } catch (error) {
    if (error instanceof errors.JOSEAlgNotAllowed) throw new TokenAlgorithmError(alg, [alg]);
    if (error instanceof errors.JWSInvalid) {
      throw new TokenMalformedError('Token is not a valid compact JWS. Expected header.payload.signature');
    }
    // JWSSignatureVerificationFailed, and key/algorithm mismatches jose reports as TypeError.
    throw new TokenSignatureError();
  }
}
