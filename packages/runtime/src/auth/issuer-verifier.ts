import type { JwksCache } from './jwks-cache.ts';
import type { DecodedJwt } from './jwt-parts.ts';
import type { IssuerKind } from './types.ts';

/** What an issuer verifier needs from the verifier that picked it. */
export interface VerifyContext {
  jwks: JwksCache;
  /** Current time, seconds since the epoch. */
  nowSeconds: number;
  skewSeconds: number;
}

/** Verifies tokens of one issuer, with that issuer's pinned algorithms and keys. */
export interface IssuerVerifier {
  readonly kind: IssuerKind;
  /** The exact `iss` value this verifier handles. */
  readonly issuer: string;
  readonly algorithms: readonly string[];
  /** URL of the issuer's JWKS, when it has one. */
  readonly jwksUrl: string | undefined;
  /** Verifies signature and claims; returns the verified claims. */
  verify(
    token: string,
    decoded: DecodedJwt,
    context: VerifyContext,
  ): Promise<Readonly<Record<string, unknown>>>;
}
