import { AuthErrorCode, AuthUnavailableError } from './errors.ts';

/** One JSON Web Key as published in a JWKS (only the members supa2aws reads are typed). */
export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
  crv?: string;
  [member: string]: unknown;
}

/** A JSON Web Key Set. */
export interface Jwks {
  keys: Jwk[];
}

/** Fetches a JWKS document. Injected so tests and unusual networks can replace it. */
export interface JwksFetcher {
  fetch(url: string, options?: { signal?: AbortSignal }): Promise<Jwks>;
}

export interface SimpleJwksFetcherOptions {
  /** Give up on a fetch after this long. @default 5000 */
  timeoutMs?: number;
  /** Refuse bigger responses. @default 262144 (256 KiB) */
  maxBytes?: number;
  /** The fetch implementation. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
}

/** Fetches a JWKS over HTTP(S) with node's fetch, a timeout and a size limit. */
export class SimpleJwksFetcher implements JwksFetcher {
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #fetch: typeof globalThis.fetch;

  constructor(options: SimpleJwksFetcherOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#maxBytes = options.maxBytes ?? 256 * 1024;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async fetch(url: string, options: { signal?: AbortSignal } = {}): Promise<Jwks> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let text: string;
    try {
      const response = await this.#fetch(url, {
        signal,
        headers: { accept: 'application/json' },
        redirect: 'error',
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw unavailable(
          `JWKS at ${url} answered HTTP ${response.status}. Expected 200 with a JSON key set`,
        );
      }
      const length = Number(response.headers.get('content-length') ?? 0);
      if (length > this.#maxBytes) {
        await response.body?.cancel();
        throw unavailable(`JWKS at ${url} is ${length} bytes. Expected at most ${this.#maxBytes}`);
      }
      text = await response.text();
    } catch (error) {
      if (error instanceof AuthUnavailableError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw unavailable(
        `Could not fetch the JWKS at ${url}: ${reason}. Expected it reachable within ${this.#timeoutMs} ms`,
        error,
      );
    }
    if (text.length > this.#maxBytes) {
      throw unavailable(`JWKS at ${url} is ${text.length} bytes. Expected at most ${this.#maxBytes}`);
    }
    return parseJwks(text, url);
  }
}

/** Parses and shape-checks a JWKS document. */
export function parseJwks(text: string, url: string): Jwks {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw unavailable(`JWKS at ${url} is not JSON. Expected {"keys": [...]}`, error);
  }
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) {
    throw unavailable(`JWKS at ${url} has no "keys" array. Expected {"keys": [...]}`);
  }
  return {
    keys: keys.filter((k): k is Jwk => typeof k === 'object' && k !== null && typeof k.kty === 'string'),
  };
}

function unavailable(message: string, cause?: unknown): AuthUnavailableError {
  return new AuthUnavailableError(AuthErrorCode.jwksUnavailable, message, cause);
}
