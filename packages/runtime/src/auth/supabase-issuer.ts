import { checkAudience, checkTimes, isUuid } from './claims.ts';
import { configError, stripSlash } from './cognito-issuer.ts';
import { TokenClaimError, TokenKeyNotFoundError } from './errors.ts';
import type { IssuerVerifier, VerifyContext } from './issuer-verifier.ts';
import type { DecodedJwt } from './jwt-parts.ts';
import { pinnedAlgorithm, verifySignature } from './signature.ts';

export interface SupabaseIssuerOptions {
  /** The project URL, `https://<ref>.supabase.co` (or a local Supabase's `http://127.0.0.1:54321`). */
  url: string;
  /**
   * The project's legacy JWT secret: enables HS256. Leave out when the project signs only with
   * asymmetric keys. At least 32 characters.
   */
  jwtSecret?: string;
  /**
   * Accept ES256/RS256 tokens with keys from the project's JWKS: `true` for the default URL, a URL to
   * override it, `false` for a project that only has the HS256 secret.
   * @default true
   */
  jwks?: boolean | string;
  /** Expected `iss`. @default `<url>/auth/v1` */
  issuer?: string;
  /** Accepted `aud` values. @default ['authenticated'] */
  audience?: string | readonly string[];
}

/** Algorithms Supabase Auth signs with; asymmetric ones only through the JWKS, HS256 only with the secret. */
const JWKS_ALGORITHMS = ['ES256', 'RS256'] as const;
const MIN_SECRET_LENGTH = 32;

/** Verifies Supabase Auth tokens: HS256 with the project secret and/or ES256/RS256 from its JWKS. */
export class SupabaseIssuer implements IssuerVerifier {
  readonly kind = 'supabase' as const;
  readonly issuer: string;
  readonly jwksUrl: string | undefined;
  readonly algorithms: readonly string[];
  readonly #secret: Uint8Array | undefined;
  readonly #audience: readonly string[];

  constructor(options: SupabaseIssuerOptions) {
    if (typeof options.url !== 'string' || !/^https?:\/\/[^/]+/.test(options.url)) {
      throw configError(
        `supabase.url is ${JSON.stringify(options.url)}. Expected https://<ref>.supabase.co`,
        'Set SUPABASE_URL to the project URL, or ACCEPT_SUPABASE_TOKENS=false.',
      );
    }
    const base = stripSlash(options.url);
    this.issuer = stripSlash(options.issuer ?? `${base}/auth/v1`);
    const jwks = options.jwks ?? true;
    this.jwksUrl =
      jwks === false ? undefined : typeof jwks === 'string' ? jwks : `${this.issuer}/.well-known/jwks.json`;
    if (options.jwtSecret !== undefined) {
      if (typeof options.jwtSecret !== 'string' || options.jwtSecret.length < MIN_SECRET_LENGTH) {
        throw configError(
          `supabase.jwtSecret is ${options.jwtSecret?.length ?? 0} characters. Expected the project's JWT secret (at least ${MIN_SECRET_LENGTH})`,
          'Copy it from the Supabase dashboard: Project Settings → JWT Keys → Legacy JWT secret.',
        );
      }
      this.#secret = new TextEncoder().encode(options.jwtSecret);
    }
    this.algorithms = [...(this.#secret ? ['HS256'] : []), ...(this.jwksUrl ? JWKS_ALGORITHMS : [])];
    if (this.algorithms.length === 0) {
      throw configError(
        'supabase has neither jwtSecret nor jwks. Expected at least one way to check Supabase tokens',
        'Set SUPABASE_JWT_SECRET, or leave SUPABASE_JWKS_URL unset to use the project JWKS.',
      );
    }
    const audience = options.audience ?? ['authenticated'];
    this.#audience = typeof audience === 'string' ? [audience] : [...audience];
  }

  async verify(token: string, decoded: DecodedJwt, context: VerifyContext): Promise<Record<string, unknown>> {
    const alg = pinnedAlgorithm(decoded.header, this.algorithms, this.issuer);
    let key;
    if (alg === 'HS256') {
      key = this.#secret as Uint8Array;
    } else {
      const kid = decoded.header.kid;
      const url = this.jwksUrl as string;
      if (typeof kid !== 'string' || kid === '') throw new TokenKeyNotFoundError(kid, url);
      key = await context.jwks.getKey(url, kid, alg);
    }
    await verifySignature(token, key, alg);
    // The signature covers exactly the payload segment `decoded.payload` was parsed from.
    const claims = decoded.payload;
    checkTimes(claims, context.nowSeconds, context.skewSeconds);
    checkAudience(claims, this.#audience);
    if (!isUuid(claims.sub)) throw new TokenClaimError('sub', claims.sub, 'the user UUID');
    if (claims.role !== undefined && typeof claims.role !== 'string') {
      throw new TokenClaimError('role', claims.role, 'a string');
    }
    return claims;
  }
}
