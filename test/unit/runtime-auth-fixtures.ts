// Shared fixtures for the runtime-auth tests: real keys (jose), a real JWKS served over loopback HTTP,
// a controllable clock. Nothing is mocked: the verifier fetches keys from this server like from Cognito.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { Clock } from '@supa2aws/runtime/auth';

export const POOL_ID = 'local_pool1';
export const CLIENT_ID = 'webclient123';
export const OTHER_CLIENT_ID = 'otherclient456';
export const USER_UUID = '6f1c2f8e-3b7a-4c55-9d7e-2a1b0c9d8e7f';
export const SUPABASE_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
export const T0 = 1_750_000_000; // seconds

export class TestClock implements Clock {
  constructor(public ms = T0 * 1000) {}
  now(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
  get seconds(): number {
    return Math.floor(this.ms / 1000);
  }
}

export interface KeyPair {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, publicJwk };
}

/** A loopback HTTP server publishing JWKS documents by path; counts hits; can be made to fail. */
export class JwksServer {
  readonly sets = new Map<string, { keys: JWK[] }>();
  hits = 0;
  failing = false;
  #server = http.createServer((req, res) => {
    this.hits++;
    const set = this.sets.get(req.url ?? '');
    if (this.failing || !set) {
      res.statusCode = this.failing ? 500 : 404;
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(set));
  });
  origin = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }
  publish(path: string, keys: JWK[]): void {
    this.sets.set(path, { keys });
  }
  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export async function sign(
  claims: Record<string, unknown>,
  key: CryptoKey | Uint8Array,
  header: { alg: string; kid?: string; [k: string]: unknown },
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ typ: 'JWT', ...header }).sign(key);
}

/** Signs arbitrary header + payload bytes (for headers SignJWT refuses, e.g. `crit`). */
export async function signRaw(
  payload: Record<string, unknown>,
  key: CryptoKey | Uint8Array,
  header: { alg: string; [k: string]: unknown },
  crit: Record<string, boolean> = {},
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(key, { crit });
}

export function b64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** Claims of a Cognito access token valid at the test clock's start. */
export function cognitoAccessClaims(
  issuer: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    sub: 'c0a1b2c3-0000-4000-8000-000000000001',
    iss: issuer,
    client_id: CLIENT_ID,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: T0 - 10,
    iat: T0 - 10,
    exp: T0 + 3600,
    jti: 'jti-1',
    username: USER_UUID,
    ...extra,
  };
}

/** Claims of a Cognito ID token valid at the test clock's start. */
export function cognitoIdClaims(
  issuer: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    sub: 'c0a1b2c3-0000-4000-8000-000000000001',
    iss: issuer,
    aud: CLIENT_ID,
    token_use: 'id',
    auth_time: T0 - 10,
    iat: T0 - 10,
    exp: T0 + 3600,
    'cognito:username': 'alice',
    email: 'alice@example.com',
    'custom:supabase_id': USER_UUID,
    ...extra,
  };
}

/** Claims of a Supabase Auth access token valid at the test clock's start. */
export function supabaseClaims(issuer: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: issuer,
    sub: USER_UUID,
    aud: 'authenticated',
    exp: T0 + 3600,
    iat: T0 - 10,
    email: 'alice@example.com',
    phone: '',
    role: 'authenticated',
    aal: 'aal1',
    session_id: 'd7c1e0f4-1111-4222-8333-444455556666',
    is_anonymous: false,
    ...extra,
  };
}

/** Everything a test needs: keys, a JWKS server with a Cognito pool and a Supabase project on it. */
export interface World {
  server: JwksServer;
  clock: TestClock;
  cognitoIssuer: string;
  supabaseUrl: string;
  supabaseIssuer: string;
  cognitoJwksPath: string;
  supabaseJwksPath: string;
  k1: KeyPair;
  k2: KeyPair;
  attacker: KeyPair;
  es: KeyPair;
  enc: KeyPair;
  esAttacker: KeyPair;
  secret: Uint8Array;
}

export async function makeWorld(): Promise<World> {
  const server = await new JwksServer().start();
  const [k1, k2, attacker, es, esAttacker] = await Promise.all([
    makeKey('k1'),
    makeKey('k2'),
    makeKey('k1'), // same kid as k1, different key
    makeKey('s1', 'ES256'),
    makeKey('s1', 'ES256'), // same kid as es, different key
  ]);
  const cognitoJwksPath = `/${POOL_ID}/.well-known/jwks.json`;
  const supabaseJwksPath = '/auth/v1/.well-known/jwks.json';
  const enc = await makeKey('enc1');
  server.publish(cognitoJwksPath, [
    k1.publicJwk,
    k2.publicJwk,
    // Keys a JWKS may hold that must never verify a signature: a shared secret, an encryption key.
    { kty: 'oct', kid: 'oct1', k: Buffer.from(SUPABASE_SECRET).toString('base64url') },
    { ...enc.publicJwk, use: 'enc' },
  ]);
  server.publish(supabaseJwksPath, [es.publicJwk]);
  return {
    server,
    clock: new TestClock(),
    cognitoIssuer: `${server.origin}/${POOL_ID}`,
    supabaseUrl: server.origin,
    supabaseIssuer: `${server.origin}/auth/v1`,
    cognitoJwksPath,
    supabaseJwksPath,
    k1,
    k2,
    attacker,
    es,
    enc,
    esAttacker,
    secret: new TextEncoder().encode(SUPABASE_SECRET),
  };
}
