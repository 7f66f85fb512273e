/**
 * GIVEN a Cognito user (cognito-local) signed in, their tokens in cookies named as Amplify's cookie
 *   storage names them (an email username, so percent-encoded names), and a Supabase session cookie as
 *   @supabase/ssr writes it
 * WHEN Next.js server code asks the runtime's server session, over a cookie jar shaped like next/headers'
 * THEN getUser()/getSession() answer supabase-js's shapes for a good token, an error for an expired one,
 *   one from another pool or app client, none without cookies, Supabase tokens only while the switch is
 *   on, and signOut() clears the cookies at path=/; and reads the very cookies Amplify writes when the
 *   runtime's browser client signs in with `ssr: true` (document.cookie stood in for in Node).
 */
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  InitiateAuthCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import {
  AuthErrorCode,
  createAuthVerifier,
  type AuthVerifierOptions,
  type Clock,
} from '@supa2aws/runtime/auth';
import {
  cognitoTokenCookie,
  createServerSession,
  createServerSessionFactory,
  lastAuthUserCookie,
  supabaseAuthCookie,
  type CookieJar,
  type CookieSetOptions,
  type CookieToSet,
} from '@supa2aws/runtime/server-session';
import { cognitoClient, createSandboxPool } from '../../src/sandbox/cognito-pool.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';

const SUPABASE_URL = 'http://127.0.0.1:54321';
const SUPABASE_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

/** Next's cookie store, as far as the session uses it: a set with maxAge 0 deletes. */
class Jar implements CookieJar {
  readonly values = new Map<string, string>();
  readonly sets: Array<{ name: string; options: CookieSetOptions | undefined }> = [];
  constructor(readonly readOnly = false) {}
  get(name: string) {
    const value = this.values.get(name);
    return value === undefined ? undefined : { name, value };
  }
  set({ name, value, ...options }: CookieToSet) {
    if (this.readOnly) throw new Error('Cookies can only be modified in a Server Action or Route Handler.');
    this.sets.push({ name, options });
    if (options.maxAge === 0) this.values.delete(name);
    else this.values.set(name, value);
  }
}

/** A browser's cookie store behind `document.cookie`, as js-cookie reads and writes it; expired cookies go. */
class DocumentCookies {
  readonly values = new Map<string, string>();
  get cookie(): string {
    return [...this.values].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  set cookie(line: string) {
    const [pair = '', ...attributes] = line.split(';').map((p) => p.trim());
    const at = pair.indexOf('=');
    const expires = attributes.find((a) => /^expires=/i.test(a));
    if (expires && Date.parse(expires.slice(8)) < Date.now()) this.values.delete(pair.slice(0, at));
    else this.values.set(pair.slice(0, at), pair.slice(at + 1));
  }
  /** What Amplify's platform detection asks a document. */
  querySelector(): null {
    return null;
  }
  querySelectorAll(): never[] {
    return [];
  }
  getElementById(): null {
    return null;
  }
  /** The request's cookies as Next parses the Cookie header: values percent-decoded. */
  jar(): Jar {
    const jar = new Jar();
    for (const [k, v] of this.values) jar.values.set(k, decodeURIComponent(v));
    return jar;
  }
}

class ManualClock implements Clock {
  ms = Date.now();
  now(): number {
    return this.ms;
  }
}

describe('runtime server session: Cognito sessions in cookies', () => {
  let sb: TestSandbox;
  let cognito: CognitoIdentityProviderClient;
  let endpoint: string;
  let pool: { userPoolId: string; clientId: string };
  let otherPool: { userPoolId: string; clientId: string };
  let otherClientId: string;
  const username = `session-${randomUUID()}@example.com`;
  const appUserId = randomUUID();
  const password = 'Correct-Horse-9';

  before(async () => {
    sb = await getTestSandbox();
    endpoint = `http://127.0.0.1:${sb.state.cognito!.port}`;
    cognito = cognitoClient(endpoint);
    pool = await createSandboxPool(cognito, sb.uniqueName('session'));
    otherPool = await createSandboxPool(cognito, sb.uniqueName('session-other'));
    const other = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: pool.userPoolId,
        ClientName: 'mobile',
        GenerateSecret: false,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    otherClientId = other.UserPoolClient!.ClientId!;
    for (const p of [pool, otherPool]) {
      await cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: p.userPoolId,
          Username: username,
          MessageAction: 'SUPPRESS',
        }),
      );
      await cognito.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: p.userPoolId,
          Username: username,
          Password: password,
          Permanent: true,
        }),
      );
    }
  });
  after(() => cognito?.destroy());

  const signIn = async (clientId: string) => {
    const out = await cognito.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
    return out.AuthenticationResult!;
  };

  /** The cookies Amplify (ssr: true) leaves after the user signed in by email with the web client. */
  const cognitoCookies = (tokens: { AccessToken?: string; IdToken?: string; RefreshToken?: string }) => {
    const jar = new Jar();
    jar.values.set(lastAuthUserCookie(pool.clientId), username);
    jar.values.set(cognitoTokenCookie(pool.clientId, username, 'accessToken'), tokens.AccessToken!);
    jar.values.set(cognitoTokenCookie(pool.clientId, username, 'idToken'), tokens.IdToken!);
    jar.values.set(cognitoTokenCookie(pool.clientId, username, 'refreshToken'), tokens.RefreshToken!);
    jar.values.set(cognitoTokenCookie(pool.clientId, username, 'clockDrift'), '0');
    jar.values.set('theme', 'dark');
    return jar;
  };

  const verifierOptions = (extra: Partial<AuthVerifierOptions> = {}): AuthVerifierOptions => ({
    cognito: {
      userPoolId: pool.userPoolId,
      issuer: `${endpoint}/${pool.userPoolId}`,
      clientIds: [pool.clientId],
    },
    supabase: { url: SUPABASE_URL, jwtSecret: SUPABASE_SECRET, jwks: false },
    resolveUserId: async () => appUserId,
    ...extra,
  });
  const session = (cookies: CookieJar, extra: Partial<AuthVerifierOptions> = {}) =>
    createServerSession({
      cookies,
      verifier: createAuthVerifier(verifierOptions(extra)),
      clientIds: [pool.clientId],
      supabaseUrl: SUPABASE_URL,
    });

  it('names the cookies as Amplify does: the username percent-encoded as js-cookie writes it', () => {
    assert.equal(
      cognitoTokenCookie('abc123', 'alice+1@example.com', 'accessToken'),
      'CognitoIdentityServiceProvider.abc123.alice+1%40example.com.accessToken',
    );
    assert.equal(lastAuthUserCookie('abc123'), 'CognitoIdentityServiceProvider.abc123.LastAuthUser');
    assert.equal(supabaseAuthCookie('https://abcdefgh.supabase.co'), 'sb-abcdefgh-auth-token');
  });

  it('answers getUser() and getSession() as supabase-js does for a signed-in user', async () => {
    const tokens = await signIn(pool.clientId);
    const s = session(cognitoCookies(tokens));
    const { data, error } = await s.getUser();
    assert.equal(error, null);
    assert.deepEqual(data.user, {
      id: appUserId,
      aud: 'authenticated',
      role: 'authenticated',
      app_metadata: { provider: 'cognito' },
      user_metadata: {},
    });
    const got = await s.getSession();
    assert.equal(got.error, null);
    assert.equal(got.data.session?.access_token, tokens.AccessToken);
    assert.equal(got.data.session?.refresh_token, tokens.RefreshToken);
    assert.equal(got.data.session?.token_type, 'bearer');
    assert.ok(got.data.session!.expires_in > 0 && got.data.session!.expires_in <= 86_400);
    assert.equal(got.data.session?.user.id, appUserId);
  });

  it('builds sessions from the environment, as migrated code does', async () => {
    const tokens = await signIn(pool.clientId);
    const sessions = createServerSessionFactory({
      env: {
        COGNITO_ISSUER: `${endpoint}/${pool.userPoolId}`,
        COGNITO_CLIENT_ID: `${otherClientId},${pool.clientId}`,
        COGNITO_USER_STATE_TTL_SECONDS: 'off',
      },
      resolveUserId: async () => appUserId,
    });
    assert.equal((await sessions(cognitoCookies(tokens)).getUser()).data.user?.id, appUserId);
  });

  it('has no user without session cookies: AuthSessionMissingError, and no session without an error', async () => {
    const jar = new Jar();
    jar.values.set('theme', 'dark');
    assert.deepEqual(await session(jar).getUser(), {
      data: { user: null },
      error: {
        name: 'AuthSessionMissingError',
        code: AuthErrorCode.missing,
        message: 'Auth session missing!',
        status: 400,
      },
    });
    assert.deepEqual(await session(jar).getSession(), { data: { session: null }, error: null });
    // LastAuthUser without its access token (cleared by hand, or half-written) is no session either.
    jar.values.set(lastAuthUserCookie(pool.clientId), username);
    assert.equal((await session(jar).getUser()).error?.code, AuthErrorCode.missing);
  });

  it('refuses an expired access token', async () => {
    const clock = new ManualClock();
    // cognito-local's access tokens last 24 hours.
    clock.ms += 25 * 3600 * 1000;
    const s = session(cognitoCookies(await signIn(pool.clientId)), { deps: { clock } });
    const { data, error } = await s.getUser();
    assert.equal(data.user, null);
    assert.deepEqual(error, {
      name: 'AuthApiError',
      code: AuthErrorCode.expired,
      message: 'Token has expired',
      status: 401,
    });
    const got = await s.getSession();
    assert.equal(got.data.session, null);
    assert.equal(got.error?.code, AuthErrorCode.expired);
  });

  it('refuses a token from another pool, and one from another app client of the same pool', async () => {
    const fromOtherPool = await session(cognitoCookies(await signIn(otherPool.clientId))).getUser();
    assert.equal(fromOtherPool.data.user, null);
    assert.equal(fromOtherPool.error?.code, AuthErrorCode.issuer);
    const fromOtherClient = await session(cognitoCookies(await signIn(otherClientId))).getUser();
    assert.equal(fromOtherClient.data.user, null);
    assert.equal(fromOtherClient.error?.code, AuthErrorCode.client);
  });

  const supabaseToken = () =>
    new SignJWT({
      sub: appUserId,
      aud: 'authenticated',
      role: 'authenticated',
      email: 'alice@example.com',
      app_metadata: { provider: 'email' },
      user_metadata: { name: 'Alice' },
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(`${SUPABASE_URL}/auth/v1`)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SUPABASE_SECRET));

  it('accepts a Supabase session cookie while the switch is on, and ignores it once off', async () => {
    const token = await supabaseToken();
    const value = `base64-${Buffer.from(JSON.stringify({ access_token: token, refresh_token: 'r1', token_type: 'bearer' })).toString('base64url')}`;
    const jar = new Jar();
    // Chunked as @supabase/ssr writes a long session.
    jar.values.set(`${supabaseAuthCookie(SUPABASE_URL)}.0`, value.slice(0, 100));
    jar.values.set(`${supabaseAuthCookie(SUPABASE_URL)}.1`, value.slice(100));
    const { data, error } = await session(jar).getUser();
    assert.equal(error, null);
    assert.deepEqual(data.user, {
      id: appUserId,
      aud: 'authenticated',
      role: 'authenticated',
      email: 'alice@example.com',
      app_metadata: { provider: 'supabase' },
      user_metadata: { name: 'Alice' },
    });
    assert.equal((await session(jar).getSession()).data.session?.refresh_token, 'r1');
    const off = await session(jar, { acceptSupabaseTokens: false }).getUser();
    assert.equal(off.error?.code, AuthErrorCode.missing);
    // The auth helpers' older cookie: a JSON array, the access token first.
    const helpers = new Jar();
    helpers.values.set(supabaseAuthCookie(SUPABASE_URL), JSON.stringify([token, 'r2', null, null, null]));
    assert.equal((await session(helpers).getUser()).data.user?.id, appUserId);
  });

  it('prefers the Cognito session when both cookies are there', async () => {
    const jar = cognitoCookies(await signIn(pool.clientId));
    jar.values.set(supabaseAuthCookie(SUPABASE_URL), JSON.stringify({ access_token: await supabaseToken() }));
    assert.equal((await session(jar).getUser()).data.user?.app_metadata.provider, 'cognito');
  });

  it('signOut() clears every session cookie at path=/ and leaves the others', async () => {
    const jar = cognitoCookies(await signIn(pool.clientId));
    jar.values.set(supabaseAuthCookie(SUPABASE_URL), JSON.stringify({ access_token: await supabaseToken() }));
    assert.deepEqual(await session(jar).signOut(), { error: null });
    assert.deepEqual([...jar.values.keys()], ['theme']);
    assert.ok(jar.sets.every((s) => s.options?.path === '/' && s.options.maxAge === 0));
    assert.equal((await session(jar).getUser()).error?.code, AuthErrorCode.missing);
  });

  it('signOut() in a server component (read-only cookies) says so and clears nothing', async () => {
    const readOnly = new Jar(true);
    const full = cognitoCookies(await signIn(pool.clientId));
    for (const [k, v] of full.values) readOnly.values.set(k, v);
    const { error } = await session(readOnly).signOut();
    assert.equal(error?.code, 'AUTH_COOKIES_READ_ONLY');
    assert.equal((await session(readOnly).getUser()).data.user?.id, appUserId);
  });

  it("reads the cookies Amplify writes when the runtime's browser client signs in with ssr: true", async () => {
    const document = new DocumentCookies();
    Object.assign(globalThis, { document });
    try {
      const { createBrowserAuth } = await import('@supa2aws/runtime/browser-auth');
      const browser = createBrowserAuth({
        userPoolId: pool.userPoolId,
        userPoolClientId: pool.clientId,
        userPoolEndpoint: endpoint,
        ssr: true,
      });
      const signedIn = await browser.signInWithPassword({ email: username, password });
      assert.equal(signedIn.error, null);
      assert.ok(document.values.has(cognitoTokenCookie(pool.clientId, username, 'accessToken')));
      const { data, error } = await session(document.jar()).getUser();
      assert.equal(error, null);
      assert.equal(data.user?.id, appUserId);
      assert.equal((await browser.signOut()).error, null);
      assert.equal((await session(document.jar()).getUser()).error?.code, AuthErrorCode.missing);
    } finally {
      Reflect.deleteProperty(globalThis, 'document');
    }
  });
});
