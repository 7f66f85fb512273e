// GIVEN a verifier for a Cognito pool and a Supabase project (keys served by a real loopback JWKS server)
// WHEN it is handed a hostile or invalid token
// THEN it refuses it with the expected code, and the message never contains the token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportSPKI } from 'jose';
import {
  AuthErrorCode,
  AuthTokenError,
  createAuthVerifier,
  type AuthVerifier,
  type AuthVerifierOptions,
} from '@supa2aws/runtime/auth';
import {
  CLIENT_ID,
  OTHER_CLIENT_ID,
  POOL_ID,
  T0,
  TestClock,
  b64,
  cognitoAccessClaims,
  cognitoIdClaims,
  makeWorld,
  sign,
  signRaw,
  supabaseClaims,
  type World,
} from './runtime-auth-fixtures.ts';

type Setup = 'full' | 'supabaseOff' | 'supabaseHsOnly';

function verifierFor(w: World, setup: Setup, extra: Partial<AuthVerifierOptions> = {}): AuthVerifier {
  return createAuthVerifier({
    cognito: { userPoolId: POOL_ID, issuer: w.cognitoIssuer, clientIds: [CLIENT_ID] },
    supabase: {
      url: w.supabaseUrl,
      jwtSecret: 'super-secret-jwt-token-with-at-least-32-characters-long',
      jwks: setup !== 'supabaseHsOnly',
    },
    acceptSupabaseTokens: setup !== 'supabaseOff',
    deps: { clock: w.clock },
    ...extra,
  });
}

interface Case {
  name: string;
  code: string;
  setup?: Setup;
  token: (w: World) => Promise<string>;
}

const C = AuthErrorCode;
const cases: Case[] = [
  {
    name: 'alg none, empty signature',
    code: C.alg,
    token: async (w) => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(cognitoAccessClaims(w.cognitoIssuer))}.`,
  },
  {
    name: 'alg "None" with a made-up signature',
    code: C.alg,
    token: async (w) =>
      `${b64({ alg: 'None', kid: 'k1' })}.${b64(cognitoAccessClaims(w.cognitoIssuer))}.c2ln`,
  },
  {
    name: 'HS256 signed with the RSA public key as HMAC secret (PEM form)',
    code: C.alg,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer), new TextEncoder().encode(await exportSPKI(w.k1.publicKey)), {
        alg: 'HS256',
        kid: 'k1',
      }),
  },
  {
    name: 'HS256 signed with the RSA public key as HMAC secret (JWK form)',
    code: C.alg,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer), new TextEncoder().encode(JSON.stringify(w.k1.publicJwk)), {
        alg: 'HS256',
        kid: 'k1',
      }),
  },
  {
    name: 'HS256 signed with the Supabase secret but claiming the Cognito issuer',
    code: C.alg,
    token: async (w) => sign(cognitoAccessClaims(w.cognitoIssuer), w.secret, { alg: 'HS256', kid: 'k1' }),
  },
  {
    name: 'ES256 on the Cognito path (RS256 only)',
    code: C.alg,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer), w.es.privateKey, { alg: 'ES256', kid: 'k1' }),
  },
  {
    name: 'wrong issuer (another pool), signed with the real key',
    code: C.issuer,
    token: async (w) =>
      sign(cognitoAccessClaims(`${w.server.origin}/local_other`), w.k1.privateKey, {
        alg: 'RS256',
        kid: 'k1',
      }),
  },
  {
    name: 'no issuer at all',
    code: C.issuer,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer, { iss: undefined }), w.k1.privateKey, {
        alg: 'RS256',
        kid: 'k1',
      }),
  },
  {
    name: 'wrong client_id',
    code: C.client,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer, { client_id: OTHER_CLIENT_ID }), w.k1.privateKey, {
        alg: 'RS256',
        kid: 'k1',
      }),
  },
  {
    name: 'ID token where an access token is expected',
    code: C.use,
    token: async (w) => sign(cognitoIdClaims(w.cognitoIssuer), w.k1.privateKey, { alg: 'RS256', kid: 'k1' }),
  },
  {
    name: 'token_use missing',
    code: C.use,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer, { token_use: undefined }), w.k1.privateKey, {
        alg: 'RS256',
        kid: 'k1',
      }),
  },
  {
    name: 'expired beyond the clock skew',
    code: C.expired,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer, { iat: T0 - 3700, exp: T0 - 61 }), w.k1.privateKey, {
        alg: 'RS256',
        kid: 'k1',
      }),
  },
  {
    name: 'no exp',
    code: C.claim,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer, { exp: undefined }), w.k1.privateKey, {
        alg: 'RS256',
        kid: 'k1',
      }),
  },
  {
    name: 'exp as a string',
    code: C.claim,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer, { exp: String(T0 + 3600) }), w.k1.privateKey, {
        alg: 'RS256',
        kid: 'k1',
      }),
  },
  {
    name: 'not yet valid (nbf beyond the skew)',
    code: C.notYetValid,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer, { nbf: T0 + 120 }), w.k1.privateKey, {
        alg: 'RS256',
        kid: 'k1',
      }),
  },
  {
    name: 'iat in the future beyond the skew',
    code: C.notYetValid,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer, { iat: T0 + 120 }), w.k1.privateKey, {
        alg: 'RS256',
        kid: 'k1',
      }),
  },
  {
    name: 'unknown kid (after one refetch)',
    code: C.kid,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer), w.k1.privateKey, { alg: 'RS256', kid: 'k9' }),
  },
  {
    name: 'kid naming a shared-secret (oct) key in the JWKS, signed HS256 with it',
    code: C.alg,
    token: async (w) => sign(cognitoAccessClaims(w.cognitoIssuer), w.secret, { alg: 'HS256', kid: 'oct1' }),
  },
  {
    name: 'kid naming a shared-secret (oct) key in the JWKS, alg RS256',
    code: C.kid,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer), w.k1.privateKey, { alg: 'RS256', kid: 'oct1' }),
  },
  {
    name: 'kid naming an encryption key (use=enc)',
    code: C.kid,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer), w.enc.privateKey, { alg: 'RS256', kid: 'enc1' }),
  },
  {
    name: 'no kid',
    code: C.kid,
    token: async (w) => sign(cognitoAccessClaims(w.cognitoIssuer), w.k1.privateKey, { alg: 'RS256' }),
  },
  {
    name: 'tampered payload (client_id swapped, signature kept)',
    code: C.signature,
    token: async (w) => {
      const good = await sign(
        cognitoAccessClaims(w.cognitoIssuer, { client_id: OTHER_CLIENT_ID }),
        w.k1.privateKey,
        {
          alg: 'RS256',
          kid: 'k1',
        },
      );
      const [h, , s] = good.split('.');
      return `${h}.${b64(cognitoAccessClaims(w.cognitoIssuer))}.${s}`;
    },
  },
  {
    name: 'tampered payload (username changed to another user)',
    code: C.signature,
    token: async (w) => {
      const good = await sign(cognitoAccessClaims(w.cognitoIssuer), w.k1.privateKey, {
        alg: 'RS256',
        kid: 'k1',
      });
      const [h, , s] = good.split('.');
      const other = cognitoAccessClaims(w.cognitoIssuer, {
        username: '00000000-0000-4000-8000-000000000000',
      });
      return `${h}.${b64(other)}.${s}`;
    },
  },
  {
    name: 'tampered header kid (points at the other published key)',
    code: C.signature,
    token: async (w) => {
      const good = await sign(cognitoAccessClaims(w.cognitoIssuer), w.k1.privateKey, {
        alg: 'RS256',
        kid: 'k1',
      });
      const [, p, s] = good.split('.');
      return `${b64({ alg: 'RS256', kid: 'k2', typ: 'JWT' })}.${p}.${s}`;
    },
  },
  {
    name: 'signed by another RSA key with the same kid',
    code: C.signature,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer), w.attacker.privateKey, { alg: 'RS256', kid: 'k1' }),
  },
  {
    name: 'crit header',
    code: C.malformed,
    token: async (w) =>
      signRaw(
        cognitoAccessClaims(w.cognitoIssuer),
        w.k1.privateKey,
        { alg: 'RS256', kid: 'k1', crit: ['x-ext'], 'x-ext': 1 },
        {
          'x-ext': true,
        },
      ),
  },
  {
    name: 'b64:false header (unencoded payload)',
    code: C.malformed,
    token: async (w) => {
      const good = await sign(cognitoAccessClaims(w.cognitoIssuer), w.k1.privateKey, {
        alg: 'RS256',
        kid: 'k1',
      });
      const [, p, s] = good.split('.');
      return `${b64({ alg: 'RS256', kid: 'k1', b64: false })}.${p}.${s}`;
    },
  },
  {
    name: 'missing sub (Cognito)',
    code: C.claim,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer, { sub: undefined }), w.k1.privateKey, {
        alg: 'RS256',
        kid: 'k1',
      }),
  },
  {
    name: 'missing sub (Supabase)',
    code: C.claim,
    token: async (w) =>
      sign(supabaseClaims(w.supabaseIssuer, { sub: undefined }), w.secret, { alg: 'HS256' }),
  },
  {
    name: 'Supabase sub that is not a UUID',
    code: C.claim,
    token: async (w) => sign(supabaseClaims(w.supabaseIssuer, { sub: 'admin' }), w.secret, { alg: 'HS256' }),
  },
  {
    name: 'Supabase token after Supabase is turned off',
    code: C.supabaseDisabled,
    setup: 'supabaseOff',
    token: async (w) => sign(supabaseClaims(w.supabaseIssuer), w.secret, { alg: 'HS256' }),
  },
  {
    name: 'hosted Supabase issuer after Supabase is turned off',
    code: C.supabaseDisabled,
    setup: 'supabaseOff',
    token: async (w) =>
      sign(supabaseClaims('https://abcdefghijklmnop.supabase.co/auth/v1'), w.secret, { alg: 'HS256' }),
  },
  {
    name: 'Supabase HS256 with the wrong secret',
    code: C.signature,
    token: async (w) =>
      sign(
        supabaseClaims(w.supabaseIssuer),
        new TextEncoder().encode('another-secret-that-is-also-at-least-32-chars'),
        {
          alg: 'HS256',
        },
      ),
  },
  {
    name: 'Supabase token with the wrong aud',
    code: C.audience,
    token: async (w) => sign(supabaseClaims(w.supabaseIssuer, { aud: 'anon' }), w.secret, { alg: 'HS256' }),
  },
  {
    name: 'Supabase token without aud',
    code: C.audience,
    token: async (w) =>
      sign(supabaseClaims(w.supabaseIssuer, { aud: undefined }), w.secret, { alg: 'HS256' }),
  },
  {
    name: 'Supabase token from another project',
    code: C.issuer,
    token: async (w) =>
      sign(supabaseClaims('https://otherproject.supabase.co/auth/v1'), w.secret, { alg: 'HS256' }),
  },
  {
    name: 'Supabase service-role style token (iss "supabase")',
    code: C.issuer,
    token: async (w) =>
      sign({ iss: 'supabase', role: 'service_role', exp: T0 + 3600, iat: T0 }, w.secret, { alg: 'HS256' }),
  },
  {
    name: 'RS256 where the Supabase project only has HS256',
    code: C.alg,
    setup: 'supabaseHsOnly',
    token: async (w) => sign(supabaseClaims(w.supabaseIssuer), w.k1.privateKey, { alg: 'RS256', kid: 'k1' }),
  },
  {
    name: 'Supabase ES256 signed by a key not in its JWKS (same kid)',
    code: C.signature,
    token: async (w) =>
      sign(supabaseClaims(w.supabaseIssuer), w.esAttacker.privateKey, { alg: 'ES256', kid: 's1' }),
  },
  {
    name: 'Supabase token expired',
    code: C.expired,
    token: async (w) =>
      sign(supabaseClaims(w.supabaseIssuer, { iat: T0 - 7200, exp: T0 - 3600 }), w.secret, { alg: 'HS256' }),
  },
  {
    name: 'Supabase RS256 kid that names the ES256 key',
    code: C.alg,
    token: async (w) => sign(supabaseClaims(w.supabaseIssuer), w.k1.privateKey, { alg: 'RS256', kid: 's1' }),
  },
  { name: 'empty bearer', code: C.malformed, token: async () => '' },
  { name: 'malformed base64', code: C.malformed, token: async () => 'eyJhbGciOiJSUzI1NiJ9!.e30.c2ln' },
  {
    name: 'base64 of impossible length',
    code: C.malformed,
    token: async () => 'eyJhbGciOiJSUzI1NiJ9.e.c2ln',
  },
  { name: 'two parts', code: C.malformed, token: async () => `${b64({ alg: 'RS256' })}.${b64({})}` },
  {
    name: 'payload is not JSON',
    code: C.malformed,
    token: async () => `${b64({ alg: 'RS256' })}.${b64('not json')}.c2ln`,
  },
  {
    name: 'payload is a JSON array',
    code: C.malformed,
    token: async () => `${b64({ alg: 'RS256' })}.${b64([1, 2])}.c2ln`,
  },
  {
    name: 'oversized token',
    code: C.malformed,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer, { pad: 'x'.repeat(20_000) }), w.k1.privateKey, {
        alg: 'RS256',
        kid: 'k1',
      }),
  },
];

describe('runtime auth: hostile tokens', () => {
  let w: World;
  before(async () => {
    w = await makeWorld();
  });
  after(async () => {
    await w.server.stop();
  });

  it('has a matrix of at least 15 hostile tokens', () => {
    assert.ok(cases.length >= 15, `only ${cases.length} cases`);
  });

  for (const c of cases) {
    it(`refuses: ${c.name} → ${c.code}`, async () => {
      const verifier = verifierFor(w, c.setup ?? 'full');
      const token = await c.token(w);
      await assert.rejects(verifier.verify(token), (error: unknown) => {
        assert.ok(error instanceof AuthTokenError, `not an AuthTokenError: ${String(error)}`);
        assert.equal(error.code, c.code, error.message);
        assert.equal(error.status, 401);
        if (token.length > 20) {
          assert.ok(!error.message.includes(token), 'message holds the token');
          for (const part of token.split('.').filter((p) => p.length > 20)) {
            assert.ok(!error.message.includes(part), 'message holds a token segment');
          }
        }
        return true;
      });
    });
  }

  it('refetches the JWKS once for an unknown kid, then refuses without fetching again (rate limit)', async () => {
    const clock = new TestClock();
    const verifier = verifierFor(w, 'full', { deps: { clock } });
    await verifier.warm();
    clock.advance(11); // past the 10 s refetch interval
    const token = await sign(cognitoAccessClaims(w.cognitoIssuer), w.k1.privateKey, {
      alg: 'RS256',
      kid: 'k9',
    });
    const hits = w.server.hits;
    await assert.rejects(verifier.verify(token), { code: C.kid });
    assert.equal(w.server.hits - hits, 1, 'one refetch');
    await assert.rejects(verifier.verify(token), { code: C.kid });
    await assert.rejects(verifier.verify(token), { code: C.kid });
    assert.equal(w.server.hits - hits, 1, 'no further refetch inside the interval');
    clock.advance(11);
    await assert.rejects(verifier.verify(token), { code: C.kid });
    assert.equal(w.server.hits - hits, 2, 'one more after the interval');
  });
});
