// GIVEN a verifier for a Cognito pool and a Supabase project (keys served by a real loopback JWKS server)
// WHEN it is handed a token from one of the families an attacker tries — keys and key URLs in the header,
//   crafted kids, issuer spellings, algorithm variants, malformed numbers, duplicated keys, bytes that are
//   not UTF-8, prototype-polluting claims, sizes and depths at the boundaries
// THEN it refuses it with the expected code (or, for a token the real key signed, reads it the one way
//   every later parser does), and never fetches a URL the token names.
import assert from 'node:assert/strict';
import { constants, createHmac, createSign, KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AuthErrorCode,
  AuthTokenError,
  createAuthVerifier,
  MAX_JSON_DEPTH,
  type AuthVerifier,
} from '@supa2aws/runtime/auth';
import {
  CLIENT_ID,
  JwksServer,
  POOL_ID,
  SUPABASE_SECRET,
  b64,
  cognitoAccessClaims,
  makeKey,
  makeWorld,
  sign,
  supabaseClaims,
  type KeyPair,
  type World,
} from './runtime-auth-fixtures.ts';

const C = AuthErrorCode;

function verifierFor(w: World, maxTokenLength?: number): AuthVerifier {
  return createAuthVerifier({
    cognito: { userPoolId: POOL_ID, issuer: w.cognitoIssuer, clientIds: [CLIENT_ID] },
    supabase: { url: w.supabaseUrl, jwtSecret: SUPABASE_SECRET },
    deps: { clock: w.clock },
    ...(maxTokenLength ? { maxTokenLength } : {}),
  });
}

/** Signs exact header and payload bytes with an RSA key (RS256), whatever they hold. */
function signBytes(header: string, payload: Buffer | string, key: KeyPair): string {
  const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  const signature = createSign('RSA-SHA256').update(input).sign(KeyObject.from(key.privateKey));
  return `${input}.${signature.toString('base64url')}`;
}

/** An HS256 token over exact payload bytes, with the Supabase project's secret. */
function hs256Bytes(header: string, payload: string): string {
  const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  return `${input}.${createHmac('sha256', SUPABASE_SECRET).update(input).digest('base64url')}`;
}

interface Case {
  family: string;
  name: string;
  code: string;
  token: (w: World) => Promise<string>;
}

const rs = (w: World, claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  sign(claims, w.k1.privateKey, { alg: 'RS256', kid: 'k1', ...header });

let attacker: KeyPair;
const keyServer = new JwksServer();

const cases: Case[] = [
  // Keys and key URLs carried by the token itself: never fetched, never trusted.
  ...(['jku', 'x5u'] as const).map((param) => ({
    family: 'header keys',
    name: `${param} pointing at the attacker's key set, signed with the attacker's key`,
    code: C.signature,
    token: async (w: World) =>
      sign(cognitoAccessClaims(w.cognitoIssuer), attacker.privateKey, {
        alg: 'RS256',
        kid: 'k1',
        [param]: `${keyServer.origin}/attacker.json`,
      }),
  })),
  {
    family: 'header keys',
    name: 'jwk: the attacker’s public key embedded in the header',
    code: C.signature,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer), attacker.privateKey, {
        alg: 'RS256',
        kid: 'k1',
        jwk: attacker.publicJwk,
      }),
  },
  {
    family: 'header keys',
    name: 'x5c: a certificate chain in the header',
    code: C.signature,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer), attacker.privateKey, {
        alg: 'RS256',
        kid: 'k1',
        x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'],
      }),
  },
  // kid crafted as a path, SQL, very long, or not a string.
  ...[
    ['a path', '../../../../etc/passwd'],
    ['a URL', 'https://attacker.example/key.pem'],
    ['SQL', "k1' OR '1'='1"],
    ['4000 characters', 'k'.repeat(4000)],
    ['a NUL byte', 'k1\u0000'],
    ['empty', ''],
    ['a number', 1],
    ['an object', { $ne: null }],
    ['an array', ['k1']],
    ['null', null],
    ['true', true],
  ].map(([what, kid]) => ({
    family: 'kid',
    name: `kid as ${what as string}`,
    code: C.kid,
    token: async (w: World) => rs(w, cognitoAccessClaims(w.cognitoIssuer), { kid }),
  })),
  // Issuer spellings: only the exact configured string is accepted.
  ...[
    ['a trailing slash', (i: string) => `${i}/`],
    ['upper case', (i: string) => i.toUpperCase()],
    ['another scheme', (i: string) => i.replace('http:', 'https:')],
    ['a look-alike (Cyrillic о)', (i: string) => i.replace('pool', 'p\u043eol')],
    ['a full-width slash', (i: string) => i.replace(/\/([^/]*)$/, '\uff0f$1')],
    ['a trailing space', (i: string) => `${i} `],
    ['a percent-encoded path', (i: string) => i.replace('_', '%5F')],
    ['an array', (i: string) => [i]],
    ['a number', () => 1],
    ['null', () => null],
  ].map(([what, spell]) => ({
    family: 'issuer',
    name: `iss with ${what as string}`,
    code: C.issuer,
    token: async (w: World) =>
      rs(w, {
        ...cognitoAccessClaims(w.cognitoIssuer),
        iss: (spell as (i: string) => unknown)(w.cognitoIssuer),
      }),
  })),
  // Algorithms beyond the pinned ones, including ones the real key could make.
  ...['none', 'None', 'NONE', 'nOnE', 'HS384', 'HS512', 'RS384', 'RS512', 'PS256', 'ES384', 'EdDSA', ''].map(
    (alg) => ({
      family: 'alg',
      name: `alg ${JSON.stringify(alg)} on the Cognito path`,
      code: C.alg,
      token: async (w: World) =>
        `${b64({ alg, kid: 'k1' })}.${b64(cognitoAccessClaims(w.cognitoIssuer))}.c2lnbmF0dXJl`,
    }),
  ),
  {
    family: 'alg',
    name: 'PS256 really signed with the pool’s own RSA key',
    code: C.alg,
    token: async (w) => {
      const input = `${b64({ alg: 'PS256', kid: 'k1' })}.${b64(cognitoAccessClaims(w.cognitoIssuer))}`;
      const signature = createSign('RSA-SHA256')
        .update(input)
        .sign({
          key: KeyObject.from(w.k1.privateKey),
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: 32,
        });
      return `${input}.${signature.toString('base64url')}`;
    },
  },
  {
    family: 'alg',
    name: 'ES256 with the RSA key’s kid',
    code: C.alg,
    token: async (w) =>
      sign(cognitoAccessClaims(w.cognitoIssuer), w.es.privateKey, { alg: 'ES256', kid: 'k1' }),
  },
  {
    family: 'alg',
    name: 'alg missing',
    code: C.alg,
    token: async (w) => `${b64({ kid: 'k1' })}.${b64(cognitoAccessClaims(w.cognitoIssuer))}.c2ln`,
  },
  {
    family: 'alg',
    name: 'alg as an array',
    code: C.alg,
    token: async (w) =>
      `${b64({ alg: ['RS256'], kid: 'k1' })}.${b64(cognitoAccessClaims(w.cognitoIssuer))}.c2ln`,
  },
  // Numeric claims that are not numbers, or not finite, signed with the real key.
  ...[
    ['exp true', '"exp":true', C.claim],
    ['exp false', '"exp":false', C.claim],
    ['exp a string', '"exp":"9999999999"', C.claim],
    ['exp an array', '"exp":[9999999999]', C.claim],
    ['exp negative', '"exp":-1', C.expired],
    ['exp 1e400 (Infinity once parsed)', '"exp":1e400', C.claim],
    ['exp -1e400', '"exp":-1e400', C.claim],
    ['exp null', '"exp":null', C.claim],
    ['nbf huge', '"nbf":1e300', C.notYetValid],
    ['nbf true', '"nbf":true', C.claim],
    ['iat 1e400', '"iat":1e400', C.claim],
    ['iat a string', '"iat":"0"', C.claim],
  ].map(([what, field, code]) => ({
    family: 'numeric claims',
    name: what as string,
    code: code as string,
    token: async (w: World) => {
      const claims = JSON.stringify(cognitoAccessClaims(w.cognitoIssuer));
      const name = (field as string).split(':')[0]!;
      const without = claims.replace(new RegExp(`${name}:[^,}]*,?`), '').replace(/,}$/, '}');
      return signBytes(
        JSON.stringify({ alg: 'RS256', kid: 'k1', typ: 'JWT' }),
        `${without.slice(0, -1)},${field as string}}`,
        w.k1,
      );
    },
  })),
  // Duplicated keys: the last one wins everywhere (RFC 7519 §4), so the first cannot smuggle a value past.
  {
    family: 'duplicate keys',
    name: 'iss twice, the accepted one first',
    code: C.issuer,
    token: async (w) => {
      const claims = JSON.stringify(cognitoAccessClaims(w.cognitoIssuer));
      return signBytes(
        JSON.stringify({ alg: 'RS256', kid: 'k1' }),
        `${claims.slice(0, -1)},"iss":"https://attacker.example/${POOL_ID}"}`,
        w.k1,
      );
    },
  },
  {
    family: 'duplicate keys',
    name: 'alg twice in the header, RS256 then none',
    code: C.alg,
    token: async (w) =>
      signBytes(
        '{"alg":"RS256","kid":"k1","alg":"none"}',
        JSON.stringify(cognitoAccessClaims(w.cognitoIssuer)),
        w.k1,
      ),
  },
  {
    family: 'duplicate keys',
    name: 'client_id twice, the allowed one first',
    code: C.client,
    token: async (w) => {
      const claims = JSON.stringify(cognitoAccessClaims(w.cognitoIssuer));
      return signBytes(
        JSON.stringify({ alg: 'RS256', kid: 'k1' }),
        `${claims.slice(0, -1)},"client_id":"other"}`,
        w.k1,
      );
    },
  },
  // Bytes that are not UTF-8.
  ...[
    ['a lone continuation byte', Buffer.from([0x7b, 0x80, 0x7d])],
    [
      'an overlong "/"',
      Buffer.concat([Buffer.from('{"iss":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
    ],
    [
      'a UTF-16 surrogate encoded in UTF-8',
      Buffer.concat([Buffer.from('{"sub":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
    ],
    ['UTF-16LE JSON', Buffer.from('{"iss":"x"}', 'utf16le')],
    ['Latin-1 é', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xe9]), Buffer.from('"}')])],
  ].map(([what, bytes]) => ({
    family: 'non-UTF-8',
    name: `payload with ${what as string}`,
    code: C.malformed,
    token: async (w: World) => signBytes(JSON.stringify({ alg: 'RS256', kid: 'k1' }), bytes as Buffer, w.k1),
  })),
  // Size and depth boundaries.
  {
    family: 'size',
    name: `claims nested ${MAX_JSON_DEPTH + 1} levels deep`,
    code: C.malformed,
    token: async (w) => rs(w, cognitoAccessClaims(w.cognitoIssuer, { deep: nest(MAX_JSON_DEPTH) })),
  },
  {
    family: 'size',
    name: 'Supabase user_metadata nested 3000 levels deep (a stack overflow once serialised)',
    code: C.malformed,
    token: async (w) =>
      hs256Bytes(
        JSON.stringify({ alg: 'HS256', typ: 'JWT' }),
        `${JSON.stringify(supabaseClaims(w.supabaseIssuer)).slice(0, -1)},"user_metadata":${'['.repeat(3000)}${']'.repeat(3000)}}`,
      ),
  },
  {
    family: 'size',
    name: 'header nested 40 levels deep',
    code: C.malformed,
    token: async (w) => rs(w, cognitoAccessClaims(w.cognitoIssuer), { x: nest(40) }),
  },
];

/** A value nesting `levels` arrays (plus the claims object around it: one more level). */
function nest(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe('runtime auth: hostile token families', () => {
  let w: World;
  before(async () => {
    w = await makeWorld();
    attacker = await makeKey('k1');
    await keyServer.start();
    keyServer.publish('/attacker.json', [attacker.publicJwk]);
  });
  after(async () => {
    await w.server.stop();
    await keyServer.stop();
  });

  it('covers every family with several cases', () => {
    const families = new Map<string, number>();
    for (const c of cases) families.set(c.family, (families.get(c.family) ?? 0) + 1);
    assert.deepEqual(
      [...families.keys()],
      ['header keys', 'kid', 'issuer', 'alg', 'numeric claims', 'duplicate keys', 'non-UTF-8', 'size'],
    );
    for (const [family, n] of families) assert.ok(n >= 3, `${family}: ${n} cases`);
  });

  for (const c of cases) {
    it(`${c.family}: ${c.name} → ${c.code}`, async () => {
      const token = await c.token(w);
      await assert.rejects(verifierFor(w).verify(token), (error: unknown) => {
        assert.ok(error instanceof AuthTokenError, `not an AuthTokenError: ${String(error)}`);
        assert.equal(error.code, c.code, error.message);
        assert.equal(error.status, 401);
        return true;
      });
    });
  }

  it('never fetches a key URL named by a token (jku, x5u)', () => {
    assert.equal(keyServer.hits, 0);
  });

  it('accepts a token at exactly the length limit and refuses one a character longer', async () => {
    const verifier = verifierFor(w, 2000);
    const base = await rs(w, cognitoAccessClaims(w.cognitoIssuer, { pad: '' }));
    const pad = (n: number) => rs(w, cognitoAccessClaims(w.cognitoIssuer, { pad: 'x'.repeat(n) }));
    let n = 0;
    let token = base;
    while (token.length < 2000) token = await pad(++n);
    // Base64url grows in steps of 4 characters per 3 bytes: find the padding that lands exactly on 2000.
    while (token.length > 2000) token = await pad(--n);
    if (token.length === 2000) {
      assert.ok(await verifier.verify(token));
    } else {
      assert.ok(token.length < 2000 && (await verifier.verify(token)));
    }
    await assert.rejects(verifier.verify(`${token}${'x'.repeat(2001 - token.length)}`), {
      code: C.malformed,
    });
  });

  it(`accepts claims nested ${MAX_JSON_DEPTH} levels deep`, async () => {
    const user = await verifierFor(w).verify(
      await rs(w, cognitoAccessClaims(w.cognitoIssuer, { deep: nest(MAX_JSON_DEPTH - 1) })),
    );
    assert.equal(user.issuer, 'cognito');
  });

  it('reads a signed __proto__ / constructor claim as plain data: no prototype changes, no role from it', async () => {
    const payload = `${JSON.stringify(supabaseClaims(w.supabaseIssuer, { role: undefined })).slice(0, -1)},"__proto__":{"role":"service_role","isAdmin":true},"constructor":{"prototype":{"polluted":true}}}`;
    const user = await verifierFor(w).verify(
      hs256Bytes(JSON.stringify({ alg: 'HS256', typ: 'JWT' }), payload),
    );
    assert.equal(user.role, 'authenticated');
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(user.claims), Object.prototype);
    // The claims serialise to what was signed (request.jwt.claims), __proto__ included as data.
    assert.match(JSON.stringify(user.claims), /"__proto__":\{"role":"service_role"/);
  });

  it('reads a header __proto__ as data: it cannot supply alg', async () => {
    const token = signBytes(
      '{"__proto__":{"alg":"RS256"},"kid":"k1"}',
      JSON.stringify(cognitoAccessClaims(w.cognitoIssuer)),
      w.k1,
    );
    await assert.rejects(verifierFor(w).verify(token), { code: C.alg });
  });
});
