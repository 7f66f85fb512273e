// Options and environment: secure defaults, fail-fast errors with hints, claims for RLS.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import {
  AuthErrorCode,
  CognitoIssuer,
  SupabaseIssuer,
  authOptionsFromEnv,
  bearerToken,
  claimsForRls,
  createAuthVerifier,
  createAuthVerifierFromEnv,
  parseJwks,
} from '@supa2aws/runtime/auth';

const C = AuthErrorCode;
const configFailure =
  (code = C.config) =>
  (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.code, code);
    return true;
  };

describe('runtime auth: configuration', () => {
  it('derives the AWS issuer and JWKS URL from the pool ID', () => {
    const issuer = new CognitoIssuer({ userPoolId: 'eu-west-1_AbCdEf123', clientIds: 'client' });
    assert.equal(issuer.issuer, 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123');
    assert.equal(
      issuer.jwksUrl,
      'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json',
    );
    assert.deepEqual(issuer.algorithms, ['RS256']);
  });

  it('takes the cognito-local issuer override and its JWKS', () => {
    const issuer = new CognitoIssuer({
      userPoolId: 'local_abc',
      issuer: 'http://127.0.0.1:9229/local_abc/',
      clientIds: ['c'],
    });
    assert.equal(issuer.issuer, 'http://127.0.0.1:9229/local_abc');
    assert.equal(issuer.jwksUrl, 'http://127.0.0.1:9229/local_abc/.well-known/jwks.json');
  });

  it('refuses bad Cognito options: no client, bad pool ID, region mismatch, bad token use', () => {
    assert.throws(() => new CognitoIssuer({ userPoolId: 'eu-west-1_Ab', clientIds: [] }), configFailure());
    assert.throws(() => new CognitoIssuer({ userPoolId: 'not a pool', clientIds: 'c' }), configFailure());
    assert.throws(
      () => new CognitoIssuer({ userPoolId: 'eu-west-1_Ab', region: 'us-east-1', clientIds: 'c' }),
      configFailure(),
    );
    assert.throws(
      () => new CognitoIssuer({ userPoolId: 'eu-west-1_Ab', clientIds: 'c', tokenUse: 'refresh' as never }),
      configFailure(),
    );
  });

  it('pins Supabase algorithms to what is configured', () => {
    const secret = 'x'.repeat(40);
    assert.deepEqual(
      new SupabaseIssuer({ url: 'https://ref.supabase.co', jwtSecret: secret, jwks: false }).algorithms,
      ['HS256'],
    );
    const both = new SupabaseIssuer({ url: 'https://ref.supabase.co/', jwtSecret: secret });
    assert.deepEqual(both.algorithms, ['HS256', 'ES256', 'RS256']);
    assert.equal(both.issuer, 'https://ref.supabase.co/auth/v1');
    assert.equal(both.jwksUrl, 'https://ref.supabase.co/auth/v1/.well-known/jwks.json');
    assert.deepEqual(new SupabaseIssuer({ url: 'https://ref.supabase.co' }).algorithms, ['ES256', 'RS256']);
    assert.throws(
      () => new SupabaseIssuer({ url: 'https://ref.supabase.co', jwtSecret: 'short' }),
      configFailure(),
    );
    assert.throws(() => new SupabaseIssuer({ url: 'https://ref.supabase.co', jwks: false }), configFailure());
    assert.throws(() => new SupabaseIssuer({ url: 'ref.supabase.co' }), configFailure());
  });

  it('refuses a verifier with nothing to accept, or the switch on without a project', () => {
    assert.throws(() => createAuthVerifier({}), configFailure());
    assert.throws(
      () =>
        createAuthVerifier({
          cognito: { userPoolId: 'eu-west-1_Ab', clientIds: 'c' },
          acceptSupabaseTokens: true,
        }),
      configFailure(),
    );
    assert.throws(
      () =>
        createAuthVerifier({ cognito: { userPoolId: 'eu-west-1_Ab', clientIds: 'c' }, clockSkewSeconds: -1 }),
      configFailure(),
    );
  });

  it('reads the environment: Cognito + Supabase on', () => {
    const options = authOptionsFromEnv({
      COGNITO_USER_POOL_ID: 'eu-west-1_AbCdEf123',
      COGNITO_CLIENT_ID: 'web, mobile',
      SUPABASE_URL: 'https://ref.supabase.co',
      SUPABASE_JWT_SECRET: 'y'.repeat(40),
      AUTH_CLOCK_SKEW_SECONDS: '30',
    });
    assert.deepEqual(options.cognito?.clientIds, ['web', 'mobile']);
    assert.equal(options.acceptSupabaseTokens, true);
    assert.equal(options.clockSkewSeconds, 30);
    const verifier = createAuthVerifier(options);
    assert.deepEqual(verifier.issuers, [
      'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
      'https://ref.supabase.co/auth/v1',
    ]);
  });

  it('reads the environment: cognito-local issuer, Supabase off, HS256-only project', () => {
    const verifier = createAuthVerifierFromEnv({
      env: {
        COGNITO_ISSUER: 'http://127.0.0.1:9229/local_abc',
        COGNITO_CLIENT_ID: 'c',
        COGNITO_REQUIRE_SUB: 'false',
        SUPABASE_URL: 'https://ref.supabase.co',
        SUPABASE_JWKS_URL: 'off',
        SUPABASE_JWT_SECRET: 'y'.repeat(40),
        ACCEPT_SUPABASE_TOKENS: 'false',
      },
    });
    assert.equal(verifier.acceptSupabaseTokens, false);
    assert.deepEqual(verifier.issuers, ['http://127.0.0.1:9229/local_abc']);
    const options = authOptionsFromEnv({
      COGNITO_ISSUER: 'http://127.0.0.1:9229/local_abc',
      COGNITO_CLIENT_ID: 'c',
      SUPABASE_URL: 'https://ref.supabase.co',
      SUPABASE_JWKS_URL: 'off',
    });
    assert.equal(options.supabase?.jwks, false);
    assert.equal(options.cognito?.userPoolId, 'local_abc');
  });

  it('fails fast with a hint naming the missing variables', () => {
    assert.throws(
      () => createAuthVerifierFromEnv({ env: {} }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.code, C.config);
        assert.match(error.message, /COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID/);
        assert.ok(error.hint);
        return true;
      },
    );
    assert.throws(
      () =>
        authOptionsFromEnv({
          COGNITO_USER_POOL_ID: 'eu-west-1_Ab',
          COGNITO_CLIENT_ID: 'c',
          ACCEPT_SUPABASE_TOKENS: 'true',
        }),
      (error: unknown) => error instanceof ConfigError && /SUPABASE_URL/.test(error.message),
    );
    assert.throws(
      () =>
        authOptionsFromEnv({
          COGNITO_USER_POOL_ID: 'eu-west-1_Ab',
          COGNITO_CLIENT_ID: 'c',
          ACCEPT_SUPABASE_TOKENS: 'maybe',
        }),
      configFailure(),
    );
  });

  it('claimsForRls gives the claims auth.uid()/auth.role()/auth.email() read', () => {
    assert.deepEqual(claimsForRls({ id: 'u', email: 'a@b.c' }), {
      sub: 'u',
      role: 'authenticated',
      aud: 'authenticated',
      email: 'a@b.c',
    });
    assert.deepEqual(claimsForRls({ id: 'u' }), { sub: 'u', role: 'authenticated', aud: 'authenticated' });
  });

  it('bearerToken reads only the Bearer scheme', () => {
    const req = (authorization?: string | string[]) => ({ headers: { authorization } });
    assert.equal(bearerToken(req('Bearer abc.def.ghi')), 'abc.def.ghi');
    assert.equal(bearerToken(req('  BEARER   abc.def.ghi  ')), 'abc.def.ghi');
    assert.equal(bearerToken(req(['Bearer one.two.three'])), 'one.two.three');
    assert.equal(bearerToken(req()), undefined);
    assert.equal(bearerToken(req('Basic abc')), undefined);
    assert.equal(bearerToken(req('Bearerabc')), undefined);
    assert.throws(() => bearerToken(req('Bearer ')), { code: C.malformed });
  });

  it('parseJwks keeps well-formed keys and refuses non-JWKS documents', () => {
    assert.deepEqual(parseJwks('{"keys":[{"kty":"RSA","kid":"a"},{"nope":1},null]}', 'u').keys, [
      { kty: 'RSA', kid: 'a' },
    ]);
    assert.throws(() => parseJwks('<html>', 'u'), { code: C.jwksUnavailable });
    assert.throws(() => parseJwks('{"keys":{}}', 'u'), { code: C.jwksUnavailable });
  });
});
