import { ConfigError } from '../errors/index.ts';
import { checkAudience, checkTimes, optionalString, requireString } from './claims.ts';
import { AuthErrorCode, TokenClientError, TokenKeyNotFoundError, TokenUseError } from './errors.ts';
import type { IssuerVerifier, VerifyContext } from './issuer-verifier.ts';
import type { DecodedJwt } from './jwt-parts.ts';
import { pinnedAlgorithm, verifySignature } from './signature.ts';

/** Which Cognito tokens the API accepts. */
export type CognitoTokenUse = 'access' | 'id' | 'any';

export interface CognitoIssuerOptions {
  /** The user pool ID, e.g. `eu-west-1_AbCdEf123` (cognito-local: `local_xxxxxxxx`). */
  userPoolId: string;
  /** AWS region of the pool. @default the prefix of `userPoolId` */
  region?: string;
  /**
   * Expected `iss`. Override for the cognito-local emulator, whose issuer is `http://<host>:<port>/<poolId>`.
   * @default `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`
   */
  issuer?: string;
  /** Where the pool publishes its keys. @default `<issuer>/.well-known/jwks.json` */
  jwksUrl?: string;
  /**
   * App client IDs allowed to call the API: checked against `client_id` of access tokens and `aud` of ID
   * tokens. Required: pass every client (web, mobile) on purpose.
   */
  clientIds: string | readonly string[];
  /** Which tokens to accept. @default 'access' */
  tokenUse?: CognitoTokenUse;
  /**
   * Require a `sub` claim. Real Cognito always sets it; cognito-local leaves it out for users created by
   * the migrate-user trigger, so turn this off only against the emulator. @default true
   */
  requireSub?: boolean;
}

/** Cognito signs with RS256 only; pinned, not configurable (no HS256: RSA-public-key-as-HMAC-secret). */
const COGNITO_ALGORITHMS = ['RS256'] as const;
const POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+$/;

/** Verifies Cognito user-pool tokens: RS256 by `kid` from the pool's JWKS, then Cognito's claims. */
export class CognitoIssuer implements IssuerVerifier {
  readonly kind = 'cognito' as const;
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly algorithms: readonly string[] = COGNITO_ALGORITHMS;
  readonly #clientIds: readonly string[];
  readonly #tokenUses: readonly string[];
  readonly #requireSub: boolean;

  constructor(options: CognitoIssuerOptions) {
    const clientIds =
      typeof options.clientIds === 'string' ? [options.clientIds] : [...(options.clientIds ?? [])];
    if (clientIds.length === 0 || clientIds.some((id) => typeof id !== 'string' || id === '')) {
      throw configError(
        `cognito.clientIds is ${JSON.stringify(options.clientIds)}. Expected one or more app client IDs`,
        'Set COGNITO_CLIENT_ID to the app client ID (comma-separate several).',
      );
    }
    this.#clientIds = clientIds;
    this.issuer = stripSlash(options.issuer ?? awsIssuer(options));
    this.jwksUrl = options.jwksUrl ?? `${this.issuer}/.well-known/jwks.json`;
    const use = options.tokenUse ?? 'access';
    if (!['access', 'id', 'any'].includes(use)) {
      throw configError(`cognito.tokenUse is ${JSON.stringify(use)}. Expected access, id or any`);
    }
    this.#tokenUses = use === 'any' ? ['access', 'id'] : [use];
    this.#requireSub = options.requireSub ?? true;
  }

  async verify(token: string, decoded: DecodedJwt, context: VerifyContext): Promise<Record<string, unknown>> {
    const alg = pinnedAlgorithm(decoded.header, this.algorithms, this.issuer);
    const kid = decoded.header.kid;
    if (typeof kid !== 'string' || kid === '') throw new TokenKeyNotFoundError(kid, this.jwksUrl);
    const key = await context.jwks.getKey(this.jwksUrl, kid, alg);
    await verifySignature(token, key, alg);
    // The signature covers exactly the payload segment `decoded.payload` was parsed from.
    const claims = decoded.payload;
    checkTimes(claims, context.nowSeconds, context.skewSeconds);
    const tokenUse = claims.token_use;
    if (typeof tokenUse !== 'string' || !this.#tokenUses.includes(tokenUse)) {
      throw new TokenUseError(tokenUse, this.#tokenUses);
    }
    if (tokenUse === 'access') {
      const clientId = claims.client_id;
      if (typeof clientId !== 'string' || !this.#clientIds.includes(clientId)) {
        throw new TokenClientError(clientId, this.#clientIds);
      }
    } else {
      checkAudience(claims, this.#clientIds);
    }
    if (this.#requireSub) requireString(claims, 'sub');
    else optionalString(claims, 'sub');
    return claims;
  }
}

function awsIssuer(options: CognitoIssuerOptions): string {
  const match = POOL_ID.exec(options.userPoolId ?? '');
  if (!match) {
    throw configError(
      `cognito.userPoolId is ${JSON.stringify(options.userPoolId)}. Expected <region>_<id>, e.g. eu-west-1_AbCdEf123`,
      'Set COGNITO_USER_POOL_ID, or COGNITO_ISSUER for the cognito-local emulator.',
    );
  }
  const region = options.region ?? match[1];
  if (region !== match[1]) {
    throw configError(
      `cognito.region is ${JSON.stringify(region)} but the pool ID ${JSON.stringify(options.userPoolId)} is in ${match[1]}. Expected the same region`,
    );
  }
  return `https://cognito-idp.${region}.amazonaws.com/${options.userPoolId}`;
}

export function stripSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

export function configError(message: string, hint?: string): ConfigError {
  return new ConfigError(AuthErrorCode.config, message, { exit: 'usage', ...(hint ? { hint } : {}) });
}
