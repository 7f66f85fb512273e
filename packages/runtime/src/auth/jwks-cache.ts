import { importJWK, type CryptoKey } from 'jose';
import { TokenAlgorithmError, TokenKeyNotFoundError } from './errors.ts';
import { SimpleJwksFetcher, type Jwk, type JwksFetcher } from './jwks-fetcher.ts';
import { systemClock, type Clock } from './types.ts';

/** Keeps the keys of one or more JWKS documents and hands out verification keys by `kid`. */
export interface JwksCache {
  /**
   * The public key for `kid` in the JWKS at `url`, imported for `alg`. Fetches the set when it is not
   * cached yet; on an unknown `kid`, refetches once (rate-limited) and then throws
   * `TokenKeyNotFoundError`. Throws `AuthUnavailableError` when the set cannot be fetched.
   */
  getKey(url: string, kid: string, alg: string): Promise<CryptoKey>;
  /** Fetches the set now (warm-up at boot); throws when it cannot. */
  refresh(url: string): Promise<void>;
}

export interface SimpleJwksCacheOptions {
  /** Fetches JWKS documents. @default new SimpleJwksFetcher() */
  fetcher?: JwksFetcher;
  /** Time source. @default systemClock */
  clock?: Clock;
  /**
   * Least time between two fetches of one URL triggered by unknown `kid`s or an old set, so a flood of
   * tokens with made-up `kid`s cannot make the server hammer the JWKS endpoint. @default 10000
   */
  minRefetchIntervalMs?: number;
  /**
   * Refetch a set this old on next use, so keys the issuer withdrew stop being trusted. If that refetch
   * fails, the old keys keep working (stale-if-error) until a later attempt succeeds. @default 3600000
   */
  maxAgeMs?: number;
}

interface Entry {
  keys: Map<string, Jwk>;
  imported: Map<string, CryptoKey>;
  fetchedAt: number;
  lastAttemptAt: number;
  inflight: Promise<void> | undefined;
  lastError: unknown;
}

/** Key types a public JWKS may contribute. `oct` (shared secrets) never: that is the HMAC-confusion hole. */
const PUBLIC_KTY = new Set(['RSA', 'EC', 'OKP']);

/** An in-memory JWKS cache that survives key rotation: unknown kid → one rate-limited refetch. */
export class SimpleJwksCache implements JwksCache {
  readonly #fetcher: JwksFetcher;
  readonly #clock: Clock;
  readonly #minRefetchMs: number;
  readonly #maxAgeMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: SimpleJwksCacheOptions = {}) {
    this.#fetcher = options.fetcher ?? new SimpleJwksFetcher();
    this.#clock = options.clock ?? systemClock;
    this.#minRefetchMs = options.minRefetchIntervalMs ?? 10_000;
    this.#maxAgeMs = options.maxAgeMs ?? 3_600_000;
  }

  async refresh(url: string): Promise<void> {
    await this.#load(this.#entry(url), url);
  }

  async getKey(url: string, kid: string, alg: string): Promise<CryptoKey> {
    const entry = this.#entry(url);
    if (entry.fetchedAt === 0) {
      // Never loaded: retry at most once a second while the endpoint is failing.
      if (entry.lastError && !entry.inflight && this.#clock.now() - entry.lastAttemptAt < 1000)
        throw entry.lastError;
      await this.#load(entry, url);
    } else if (this.#clock.now() - entry.fetchedAt > this.#maxAgeMs && this.#mayRefetch(entry)) {
      await this.#load(entry, url).catch(() => undefined); // stale-if-error: keep the keys we have
    }
    let jwk = entry.keys.get(kid);
    if (!jwk && this.#mayRefetch(entry)) {
      await this.#load(entry, url);
      jwk = entry.keys.get(kid);
    }
    if (!jwk) throw new TokenKeyNotFoundError(kid, url);
    const cacheKey = `${kid}\u0000${alg}`;
    const cached = entry.imported.get(cacheKey);
    if (cached) return cached;
    const key = await importVerificationKey(jwk, alg, url);
    entry.imported.set(cacheKey, key);
    return key;
  }

  #entry(url: string): Entry {
    let entry = this.#entries.get(url);
    if (!entry) {
      entry = {
        keys: new Map(),
        imported: new Map(),
        fetchedAt: 0,
        lastAttemptAt: 0,
        inflight: undefined,
        lastError: undefined,
      };
      this.#entries.set(url, entry);
    }
    return entry;
  }

  #mayRefetch(entry: Entry): boolean {
    return entry.inflight !== undefined || this.#clock.now() - entry.lastAttemptAt >= this.#minRefetchMs;
  }

  /** One fetch per URL at a time; concurrent callers share it. */
  #load(entry: Entry, url: string): Promise<void> {
    if (entry.inflight) return entry.inflight;
    entry.lastAttemptAt = this.#clock.now();
    entry.inflight = this.#fetcher
      .fetch(url)
      .then((jwks) => {
        const keys = new Map<string, Jwk>();
        for (const jwk of jwks.keys) {
          if (typeof jwk.kid === 'string' && !keys.has(jwk.kid)) keys.set(jwk.kid, jwk);
        }
        entry.keys = keys;
        entry.imported = new Map();
        entry.fetchedAt = this.#clock.now();
        entry.lastError = undefined;
      })
      .catch((error: unknown) => {
        entry.lastError = error;
        throw error;
      })
      .finally(() => {
        entry.inflight = undefined;
      });
    return entry.inflight;
  }
}

/** Imports a public JWK for one algorithm, refusing keys not meant for verifying that algorithm. */
async function importVerificationKey(jwk: Jwk, alg: string, url: string): Promise<CryptoKey> {
  const usable =
    PUBLIC_KTY.has(jwk.kty) &&
    !('d' in jwk) &&
    (jwk.use === undefined || jwk.use === 'sig') &&
    (jwk.key_ops === undefined || (Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')));
  if (!usable) throw new TokenKeyNotFoundError(jwk.kid, url);
  if (jwk.alg !== undefined && jwk.alg !== alg) throw new TokenAlgorithmError(alg, [String(jwk.alg)]);
  try {
    const key = await importJWK({ ...jwk, alg, ext: false }, alg);
    if (key instanceof Uint8Array) throw new Error('symmetric key');
    return key;
  } catch (error) {
    if (error instanceof TokenAlgorithmError) throw error;
    // The key's type does not fit the token's algorithm (an EC key for RS256, a 1024-bit RSA key...).
    throw new TokenAlgorithmError(alg, [jwk.alg ?? `an algorithm for a ${jwk.kty} key`]);
  }
}
