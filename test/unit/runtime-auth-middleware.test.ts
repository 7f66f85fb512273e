// GIVEN an Express app (and a bare node:http server) on an ephemeral loopback port using requireAuth /
// optionalAuth, with keys from a real loopback JWKS server
// WHEN clients call it with node's fetch
// THEN good tokens reach the handler as req.user, bad ones get 401 + JSON + WWW-Authenticate (RFC 6750).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import {
  AuthErrorCode,
  createAuthVerifier,
  optionalAuth,
  requireAuth,
  type AuthTokenError,
  type AuthVerifier,
} from '@supa2aws/runtime/auth';
import {
  CLIENT_ID,
  OTHER_CLIENT_ID,
  POOL_ID,
  SUPABASE_SECRET,
  TestClock,
  USER_UUID,
  cognitoAccessClaims,
  makeWorld,
  sign,
  supabaseClaims,
  type World,
} from './runtime-auth-fixtures.ts';

const C = AuthErrorCode;

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('runtime auth: Express middleware', () => {
  let w: World;
  let verifier: AuthVerifier;
  let offVerifier: AuthVerifier;
  let app: http.Server;
  let base = '';
  const refused: AuthTokenError[] = [];

  before(async () => {
    w = await makeWorld();
    // The real clock here: tokens are minted relative to now.
    const options = {
      cognito: { userPoolId: POOL_ID, issuer: w.cognitoIssuer, clientIds: [CLIENT_ID] },
      supabase: { url: w.supabaseUrl, jwtSecret: SUPABASE_SECRET },
    };
    verifier = createAuthVerifier(options);
    offVerifier = createAuthVerifier({ ...options, acceptSupabaseTokens: false });
    const e = express();
    e.get(
      '/me',
      requireAuth(verifier, { onRefused: (err) => refused.push(err as AuthTokenError) }),
      (req, res) => {
        res.json({ user: req.user });
      },
    );
    e.get('/maybe', optionalAuth(verifier), (req, res) => {
      res.json({ user: req.user ?? null });
    });
    e.get('/debug', requireAuth(verifier, { exposeDetails: true }), (req, res) => {
      res.json({ id: req.user?.id });
    });
    e.get('/cognito-only', requireAuth(offVerifier, { realm: 'aiuteur' }), (req, res) => {
      res.json({ id: req.user?.id });
    });
    app = http.createServer(e);
    base = await listen(app);
  });
  after(async () => {
    await close(app);
    await w.server.stop();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const cognitoToken = (extra: Record<string, unknown> = {}) =>
    sign(cognitoAccessClaims(w.cognitoIssuer, { iat: now(), exp: now() + 3600, ...extra }), w.k1.privateKey, {
      alg: 'RS256',
      kid: 'k1',
    });
  const supabaseToken = () =>
    sign(supabaseClaims(w.supabaseIssuer, { iat: now(), exp: now() + 3600 }), w.secret, { alg: 'HS256' });
  const get = (path: string, authorization?: string) =>
    fetch(`${base}${path}`, authorization === undefined ? {} : { headers: { authorization } });

  it('tells the client only the code and a short message; the details go to onRefused (or exposeDetails)', async () => {
    const token = await cognitoToken({ client_id: OTHER_CLIENT_ID, iss: `${w.cognitoIssuer}x` });
    const res = await get('/me', `Bearer ${token}`);
    const text = `${await res.text()} ${res.headers.get('www-authenticate')}`;
    assert.equal(res.status, 401);
    assert.deepEqual(JSON.parse(text.slice(0, text.lastIndexOf('}') + 1)), {
      error: { code: C.issuer, message: 'Token issuer is not accepted' },
    });
    for (const secret of [w.cognitoIssuer, CLIENT_ID, 'Expected', String(new Date().getUTCFullYear())])
      assert.ok(!text.includes(secret), `${secret} in ${text}`);
    assert.match(refused.at(-1)?.message ?? '', new RegExp(w.cognitoIssuer.replace(/[.]/g, '\\.')));
    const debug = await get('/debug', `Bearer ${token}`);
    assert.match(((await debug.json()) as { error: { message: string } }).error.message, /Expected one of/);
  });

  it('passes a valid Cognito token through as req.user', async () => {
    const res = await get('/me', `Bearer ${await cognitoToken()}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { user: Record<string, unknown> };
    assert.equal(body.user.id, USER_UUID);
    assert.equal(body.user.issuer, 'cognito');
    assert.equal(body.user.role, 'authenticated');
  });

  it('passes a valid Supabase token through (lower-case scheme too)', async () => {
    const res = await get('/me', `bearer ${await supabaseToken()}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { user: Record<string, unknown> };
    assert.deepEqual(
      [body.user.id, body.user.issuer, body.user.email],
      [USER_UUID, 'supabase', 'alice@example.com'],
    );
  });

  it('answers 401 without an error attribute when no token is sent', async () => {
    for (const authorization of [undefined, 'Basic dXNlcjpwYXNz']) {
      const res = await get('/me', authorization);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api"');
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, C.missing);
      assert.equal(typeof body.error.message, 'string');
    }
  });

  it('answers 401 invalid_token with a JSON body naming the code, never echoing the token', async () => {
    const token = await cognitoToken({ client_id: OTHER_CLIENT_ID });
    const res = await get('/me', `Bearer ${token}`);
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    assert.match(
      challenge,
      /^Bearer realm="api", error="invalid_token", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]*"$/,
    );
    const text = await res.text();
    const body = JSON.parse(text) as { error: { code: string; message: string } };
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(body.error.code, C.client);
    for (const part of token.split('.')) {
      assert.ok(!text.includes(part) && !challenge.includes(part), 'token leaked into the response');
    }
    assert.ok(
      refused.some((e) => e.code === C.client),
      'onRefused saw the refusal',
    );
  });

  it('answers 401 for an empty bearer and for garbage', async () => {
    for (const [authorization, code] of [
      ['Bearer ', C.malformed],
      ['Bearer', C.malformed],
      ['Bearer not.a.jwt', C.malformed],
      ['Bearer a b c', C.malformed],
    ] as const) {
      const res = await get('/me', authorization);
      assert.equal(res.status, 401, authorization);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, code, authorization);
    }
  });

  it('answers AUTH_SUPABASE_DISABLED on a Cognito-only route, with its realm', async () => {
    const res = await get('/cognito-only', `Bearer ${await supabaseToken()}`);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="aiuteur", error="invalid_token"/);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, C.supabaseDisabled);
    const ok = await get('/cognito-only', `Bearer ${await cognitoToken()}`);
    assert.deepEqual(await ok.json(), { id: USER_UUID });
  });

  it('optionalAuth: no token passes with no user; a bad token is still refused', async () => {
    const anon = await get('/maybe');
    assert.equal(anon.status, 200);
    assert.deepEqual(await anon.json(), { user: null });
    const good = await get('/maybe', `Bearer ${await cognitoToken()}`);
    assert.equal(((await good.json()) as { user: { id: string } }).user.id, USER_UUID);
    const bad = await get('/maybe', `Bearer ${await cognitoToken({ exp: now() - 3600 })}`);
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, C.expired);
  });

  it('answers 503 with Retry-After when the JWKS is down', async () => {
    const cold = createAuthVerifier({
      cognito: { userPoolId: POOL_ID, issuer: w.cognitoIssuer, clientIds: [CLIENT_ID] },
      deps: { clock: new TestClock(Date.now()) },
    });
    const server = http.createServer(
      express().get('/x', requireAuth(cold), (_req, res) => void res.end('ok')),
    );
    const url = await listen(server);
    w.server.failing = true;
    try {
      const res = await fetch(`${url}/x`, { headers: { authorization: `Bearer ${await cognitoToken()}` } });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '5');
      assert.equal(res.headers.get('www-authenticate'), null);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, C.jwksUnavailable);
    } finally {
      w.server.failing = false;
      await close(server);
    }
  });

  it('works on a bare node:http server too (no Express-only APIs)', async () => {
    const mw = requireAuth(verifier);
    const server = http.createServer((req, res) => {
      void mw(req, res, (error?: unknown) => {
        res.end(
          JSON.stringify({
            error: error ? String(error) : null,
            id: (req as { user?: { id: string } }).user?.id,
          }),
        );
      });
    });
    const url = await listen(server);
    try {
      const ok = await fetch(url, { headers: { authorization: `Bearer ${await cognitoToken()}` } });
      assert.deepEqual(await ok.json(), { error: null, id: USER_UUID });
      const no = await fetch(url);
      assert.equal(no.status, 401);
      assert.equal(((await no.json()) as { error: { code: string } }).error.code, C.missing);
    } finally {
      await close(server);
    }
  });
});
