// Positive paths of the verifier: Cognito access/ID tokens, Supabase HS256 and ES256, user-ID resolution,
// clock skew, key rotation and the JWKS cache — keys from a real loopback JWKS server, nothing mocked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AuthErrorCode,
  AuthUnavailableError,
  SimpleJwksFetcher,
  createAuthVerifier,
  type AuthVerifierOptions,
  type UserIdLookup,
} from '@supa2aws/runtime/auth';
import {
  CLIENT_ID,
  OTHER_CLIENT_ID,
  POOL_ID,
  SUPABASE_SECRET,
  T0,
  TestClock,
  USER_UUID,
  cognitoAccessClaims,
  cognitoIdClaims,
  makeKey,
  makeWorld,
  sign,
  supabaseClaims,
  type World,
} from './runtime-auth-fixtures.ts';

const C = AuthErrorCode;
const OTHER_UUID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

describe('runtime auth: verifying good tokens', () => {
  let w: World;
  before(async () => {
    w = await makeWorld();
  });
  after(async () => {
    await w.server.stop();
  });

  const make = (extra: Partial<AuthVerifierOptions> = {}, clock = w.clock) =>
    createAuthVerifier({
      supabase: { url: w.supabaseUrl, jwtSecret: SUPABASE_SECRET },
      deps: { clock },
      ...extra,
      cognito: {
        userPoolId: POOL_ID,
        issuer: w.cognitoIssuer,
        clientIds: [CLIENT_ID, OTHER_CLIENT_ID],
        ...extra.cognito,
      },
    });
  const access = (extra: Record<string, unknown> = {}, kid = 'k1') =>
    sign(cognitoAccessClaims(w.cognitoIssuer, extra), kid === 'k2' ? w.k2.privateKey : w.k1.privateKey, {
      alg: 'RS256',
      kid,
    });

  it('accepts a Cognito access token whose username is the Supabase UUID', async () => {
    const user = await make().verify(await access());
    assert.equal(user.id, USER_UUID);
    assert.equal(user.issuer, 'cognito');
    assert.equal(user.role, 'authenticated');
    assert.equal(user.email, undefined);
    assert.equal(user.claims.client_id, CLIENT_ID);
  });

  it('accepts every client in the allow-list', async () => {
    const user = await make().verify(await access({ client_id: OTHER_CLIENT_ID }));
    assert.equal(user.id, USER_UUID);
  });

  it('accepts a Cognito ID token when asked to, taking the ID from custom:supabase_id and the email', async () => {
    const verifier = make({ cognito: { userPoolId: POOL_ID, clientIds: [CLIENT_ID], tokenUse: 'id' } });
    const token = await sign(cognitoIdClaims(w.cognitoIssuer), w.k1.privateKey, { alg: 'RS256', kid: 'k1' });
    const user = await verifier.verify(token);
    assert.deepEqual(
      { id: user.id, email: user.email, issuer: user.issuer },
      { id: USER_UUID, email: 'alice@example.com', issuer: 'cognito' },
    );
    await assert.rejects(verifier.verify(await access()), { code: C.use });
  });

  it("tokenUse 'any' takes both kinds; an ID token for another client is refused on aud", async () => {
    const verifier = make({ cognito: { userPoolId: POOL_ID, clientIds: [CLIENT_ID], tokenUse: 'any' } });
    await verifier.verify(await access());
    const id = await sign(cognitoIdClaims(w.cognitoIssuer), w.k1.privateKey, { alg: 'RS256', kid: 'k1' });
    await verifier.verify(id);
    const wrongAud = await sign(cognitoIdClaims(w.cognitoIssuer, { aud: OTHER_CLIENT_ID }), w.k1.privateKey, {
      alg: 'RS256',
      kid: 'k1',
    });
    await assert.rejects(verifier.verify(wrongAud), { code: C.audience });
  });

  it('resolves a non-UUID username through the injected resolver, cached for its TTL', async () => {
    const clock = new TestClock();
    const calls: UserIdLookup[] = [];
    const verifier = make(
      {
        resolveUserId: async (lookup) => {
          calls.push(lookup);
          return { id: OTHER_UUID.toUpperCase(), email: 'bob@example.com' };
        },
        userId: { cacheTtlMs: 60_000 },
      },
      clock,
    );
    const token = await access({ username: 'bob' });
    const user = await verifier.verify(token);
    assert.deepEqual({ id: user.id, email: user.email }, { id: OTHER_UUID, email: 'bob@example.com' });
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.username, 'bob');
    assert.equal(calls[0]?.sub, 'c0a1b2c3-0000-4000-8000-000000000001');
    await Promise.all([verifier.verify(token), verifier.verify(token)]);
    assert.equal(calls.length, 1, 'served from the cache');
    clock.advance(61);
    await verifier.verify(await access({ username: 'bob', iat: clock.seconds, exp: clock.seconds + 3600 }));
    assert.equal(calls.length, 2, 'looked up again after the TTL');
  });

  it('with a resolver, sends every token to it unless the token-carried ID is trusted explicitly', async () => {
    const lookups: UserIdLookup[] = [];
    const resolveUserId = async (lookup: UserIdLookup) => {
      lookups.push(lookup);
      return OTHER_UUID;
    };
    assert.equal((await make({ resolveUserId }).verify(await access())).id, OTHER_UUID);
    assert.equal(lookups[0]?.username, USER_UUID);
    const trusting = make({ resolveUserId, userId: { usernameIsUserId: true } });
    assert.equal((await trusting.verify(await access())).id, USER_UUID);
    assert.equal(lookups.length, 1);
  });

  it('refuses a user the resolver does not know (401) and reports a failing resolver as 503', async () => {
    const unknown = make({ resolveUserId: async () => null });
    await assert.rejects(unknown.verify(await access({ username: 'carol' })), {
      code: C.userUnknown,
      status: 401,
    });
    const none = make();
    await assert.rejects(none.verify(await access({ username: 'carol' })), { code: C.userUnknown });
    const failing = make({
      resolveUserId: async () => {
        throw new Error('connection refused');
      },
    });
    await assert.rejects(failing.verify(await access({ username: 'carol' })), (e: unknown) => {
      assert.ok(e instanceof AuthUnavailableError);
      assert.equal(e.code, C.resolverFailed);
      assert.equal(e.status, 503);
      return true;
    });
    const bad = make({ resolveUserId: async () => 'not-a-uuid' });
    await assert.rejects(bad.verify(await access({ username: 'carol' })), { code: C.resolverFailed });
  });

  it('accepts cognito-local tokens without sub only when requireSub is off, resolving them by username', async () => {
    const token = await access({ sub: undefined, username: OTHER_UUID });
    await assert.rejects(make().verify(token), { code: C.claim });
    const lookups: UserIdLookup[] = [];
    const emulator = make({
      cognito: { userPoolId: POOL_ID, clientIds: [CLIENT_ID], requireSub: false },
      resolveUserId: async (lookup) => {
        lookups.push(lookup);
        return USER_UUID;
      },
    });
    // No sub: the (random) username cognito-local gave a trigger-migrated user is not trusted as the app ID.
    assert.equal((await emulator.verify(token)).id, USER_UUID);
    assert.deepEqual([lookups[0]?.sub, lookups[0]?.username], [undefined, OTHER_UUID]);
  });

  it('does not take a username Cognito generated (username = sub, email-as-username pools) as the app ID', async () => {
    const cognitoSub = 'c0a1b2c3-0000-4000-8000-000000000001';
    const token = await access({ username: cognitoSub });
    await assert.rejects(make().verify(token), { code: C.userUnknown });
    const resolved = make({ resolveUserId: async ({ sub }) => (sub === cognitoSub ? USER_UUID : null) });
    assert.equal((await resolved.verify(token)).id, USER_UUID);
  });

  it('prefers custom:supabase_id over a UUID username', async () => {
    const verifier = make({ cognito: { userPoolId: POOL_ID, clientIds: [CLIENT_ID], tokenUse: 'id' } });
    const token = await sign(
      cognitoIdClaims(w.cognitoIssuer, { 'cognito:username': OTHER_UUID }),
      w.k1.privateKey,
      {
        alg: 'RS256',
        kid: 'k1',
      },
    );
    assert.equal((await verifier.verify(token)).id, USER_UUID);
    const ignoring = make({
      cognito: { userPoolId: POOL_ID, clientIds: [CLIENT_ID], tokenUse: 'id' },
      userId: { idAttribute: null },
    });
    assert.equal((await ignoring.verify(token)).id, OTHER_UUID);
  });

  it('accepts a Supabase HS256 token: id = sub, email, role, issuer supabase', async () => {
    const token = await sign(supabaseClaims(w.supabaseIssuer), w.secret, { alg: 'HS256' });
    const user = await make().verify(token);
    assert.deepEqual(
      { id: user.id, email: user.email, role: user.role, issuer: user.issuer },
      { id: USER_UUID, email: 'alice@example.com', role: 'authenticated', issuer: 'supabase' },
    );
  });

  it('accepts a Supabase ES256 token with its key from the project JWKS', async () => {
    const token = await sign(supabaseClaims(w.supabaseIssuer), w.es.privateKey, { alg: 'ES256', kid: 's1' });
    const user = await make().verify(token);
    assert.equal(user.id, USER_UUID);
    assert.equal(user.issuer, 'supabase');
  });

  it('still accepts Cognito tokens with Supabase turned off', async () => {
    const verifier = make({ acceptSupabaseTokens: false });
    assert.equal(verifier.acceptSupabaseTokens, false);
    assert.deepEqual(verifier.issuers, [w.cognitoIssuer]);
    assert.equal((await verifier.verify(await access())).issuer, 'cognito');
  });

  it('allows the clock skew on exp and nbf, and not beyond', async () => {
    const verifier = make();
    await verifier.verify(await access({ exp: T0 - 30 }));
    await verifier.verify(await access({ nbf: T0 + 30, iat: T0 + 30 }));
    const strict = make({ clockSkewSeconds: 0 });
    await assert.rejects(strict.verify(await access({ exp: T0 })), { code: C.expired });
    await assert.rejects(strict.verify(await access({ nbf: T0 + 1 })), { code: C.notYetValid });
  });

  it('survives key rotation: a new kid triggers one refetch; a withdrawn key stops working', async () => {
    const pool = 'local_rotation';
    const path = `/${pool}/.well-known/jwks.json`;
    const old = await makeKey('old');
    const next = await makeKey('new');
    w.server.publish(path, [old.publicJwk]);
    const clock = new TestClock();
    const issuer = `${w.server.origin}/${pool}`;
    const verifier = createAuthVerifier({
      cognito: { userPoolId: pool, issuer, clientIds: CLIENT_ID },
      deps: { clock },
    });
    const claims = cognitoAccessClaims(issuer);
    await verifier.verify(await sign(claims, old.privateKey, { alg: 'RS256', kid: 'old' }));
    w.server.publish(path, [next.publicJwk]); // the pool rotates
    clock.advance(30);
    const hits = w.server.hits;
    assert.equal(
      (await verifier.verify(await sign(claims, next.privateKey, { alg: 'RS256', kid: 'new' }))).id,
      USER_UUID,
    );
    assert.equal(w.server.hits - hits, 1);
    await assert.rejects(verifier.verify(await sign(claims, old.privateKey, { alg: 'RS256', kid: 'old' })), {
      code: C.kid,
    });
    assert.equal(w.server.hits - hits, 1, 'rate-limited: no second fetch');
  });

  it('refetches an old set, and keeps the old keys when that refetch fails (stale-if-error)', async () => {
    const clock = new TestClock();
    const verifier = make({}, clock);
    const tokenAt = (now: number) => access({ iat: now, exp: now + 3600 });
    await verifier.verify(await tokenAt(clock.seconds));
    clock.advance(3601);
    let hits = w.server.hits;
    await verifier.verify(await tokenAt(clock.seconds));
    assert.equal(w.server.hits - hits, 1, 'refetched after max age');
    clock.advance(3601);
    w.server.failing = true;
    try {
      hits = w.server.hits;
      await verifier.verify(await tokenAt(clock.seconds));
      assert.equal(w.server.hits - hits, 1, 'tried');
    } finally {
      w.server.failing = false;
    }
  });

  it('shares one fetch between concurrent first requests', async () => {
    const verifier = make({}, new TestClock());
    const token = await access();
    const hits = w.server.hits;
    await Promise.all(Array.from({ length: 5 }, () => verifier.verify(token)));
    assert.equal(w.server.hits - hits, 1);
  });

  it('answers AUTH_JWKS_UNAVAILABLE (503, retryable) when the keys cannot be fetched', async () => {
    w.server.failing = true;
    try {
      await assert.rejects(make({}, new TestClock()).verify(await access()), (e: unknown) => {
        assert.ok(e instanceof AuthUnavailableError);
        assert.equal(e.code, C.jwksUnavailable);
        assert.equal(e.status, 503);
        assert.equal(e.retryable, true);
        return true;
      });
    } finally {
      w.server.failing = false;
    }
  });

  it('SimpleJwksFetcher refuses oversized documents and missing paths', async () => {
    const fetcher = new SimpleJwksFetcher({ maxBytes: 64 });
    await assert.rejects(fetcher.fetch(`${w.server.origin}${w.cognitoJwksPath}`), {
      code: C.jwksUnavailable,
    });
    await assert.rejects(new SimpleJwksFetcher().fetch(`${w.server.origin}/nope`), {
      code: C.jwksUnavailable,
    });
    const jwks = await new SimpleJwksFetcher().fetch(`${w.server.origin}${w.supabaseJwksPath}`);
    assert.deepEqual(
      jwks.keys.map((k) => k.kid),
      ['s1'],
    );
  });

  it('warm() fetches every configured JWKS', async () => {
    const hits = w.server.hits;
    await make({}, new TestClock()).warm();
    assert.equal(w.server.hits - hits, 2);
  });
});
