/**
 * GIVEN the runtime's server session as Next.js middleware calls it (`serverSessionFromEnv(request.cookies)`),
 *   bundled as Next compiles the edge and run in Vercel's Edge runtime VM with its settings in process.env,
 *   and a Cognito user (cognito-local) whose username is their Supabase UUID, signed in, their tokens in
 *   the cookies Amplify writes
 * WHEN the middleware asks for the user
 * THEN it answers the user, the user-state check (AdminGetUser through the AWS SDK's fetch handler) included;
 *   a forged or expired token and a disabled user answer their coded errors; without AWS keys (the SDK's
 *   browser build has no credential chain) the check is refused with a hint, and off
 *   (`{ userStateCheck: false }`) it is not needed;
 *   and a Supabase session cookie is accepted while ACCEPT_SUPABASE_TOKENS is on.
 * AND GIVEN Supabase's Next.js middleware (@supabase/ssr, inline and as the guide's updateSession helper), as
 *   `supa2aws migrate-code` rewrites it (the token alone, no Supabase client), run with no AWS credentials, no
 *   Cognito endpoint and none of the Supabase variables (after decommission), @supabase/ssr's stand-in
 *   throwing as the real one does when created without them
 * THEN it lets a valid token through and sends a forged, expired or missing one to /login, where the middleware
 *   as it was fails every request.
 */
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { AuthErrorCode } from '@supa2aws/runtime/auth';
import { cognitoTokenCookie, lastAuthUserCookie, supabaseAuthCookie } from '@supa2aws/runtime/server-session';
import type { SessionError, SessionUser } from '@supa2aws/runtime/server-session';
import { applyCodeMigration, planCodeMigration } from '../../src/codemod/index.ts';
import { cognitoClient } from '../../src/sandbox/cognito-pool.ts';
import { bundleForEdge, loadInEdge } from '../helpers/next-edge.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/next-edge/', import.meta.url));
const MIDDLEWARE = path.join(FIXTURES, 'middleware.ts');
/** Supabase's Next.js middleware (@supabase/ssr), sending a visitor without a user to /login with the error's code. */
const SUPABASE_MIDDLEWARE = `import { createServerClient } from '@supabase/ssr';
import { NextResponse, type NextRequest } from 'next/server';

export async function middleware(request: NextRequest) {
  const supabase = createServerClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, {
    cookies: { getAll: () => request.cookies.getAll() },
  });
  const { data: { user }, error } = await supabase.auth.getUser();
  if (!user) {
    const login = new URL('/login', request.url);
    if (error?.code) login.searchParams.set('error', error.code);
    return NextResponse.redirect(login);
  }
  const response = NextResponse.next();
  response.headers.set('x-user-id', user.id);
  return response;
}
`;
/**
 * Supabase's Next.js guide: middleware.ts hands every request to updateSession, whose client refreshes the
 * session cookies on the response it returns.
 */
const SUPABASE_GUIDE_MIDDLEWARE = {
  'middleware.ts': `import { type NextRequest } from 'next/server';
import { updateSession } from './utils/supabase/middleware';

export async function middleware(request: NextRequest) {
  return await updateSession(request);
}
`,
  'utils/supabase/middleware.ts': `import { createServerClient } from '@supabase/ssr';
import { NextResponse, type NextRequest } from 'next/server';

export async function updateSession(request: NextRequest) {
  let supabaseResponse = NextResponse.next({
    request,
  });

  const supabase = createServerClient(
    process.env.NEXT_PUBLIC_SUPABASE_URL!,
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!,
    {
      cookies: {
        getAll() {
          return request.cookies.getAll();
        },
        setAll(cookiesToSet: { name: string; value: string; options?: object }[]) {
          cookiesToSet.forEach(({ name, value }) => request.cookies.set(name, value));
          supabaseResponse = NextResponse.next({
            request,
          });
          cookiesToSet.forEach(({ name, value, options }) =>
            supabaseResponse.cookies.set(name, value, options),
          );
        },
      },
    },
  );

  const {
    data: { user },
  } = await supabase.auth.getUser();

  if (!user && !request.nextUrl.pathname.startsWith('/login')) {
    const url = request.nextUrl.clone();
    url.pathname = '/login';
    return NextResponse.redirect(url);
  }

  return supabaseResponse;
}
`,
};
/** What the bundles import, mapped to the stand-ins and the runtime's sources. */
const EDGE_ALIASES = {
  'next/server': path.join(FIXTURES, 'next-server.ts'),
  '@supabase/ssr': path.join(FIXTURES, 'supabase-ssr.ts'),
  '@supa2aws/runtime/server-session': fileURLToPath(
    new URL('../../packages/runtime/src/server-session/index.ts', import.meta.url),
  ),
};

/** An app of these files, with a `run.ts` whose `run(request)` hands its middleware a NextRequest. */
function middlewareApp(files: Record<string, string>): string {
  const app = tempDir('edge-middleware');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(app, rel)), { recursive: true });
    writeFileSync(path.join(app, rel), text);
  }
  writeFileSync(
    path.join(app, 'run.ts'),
    `import { NextRequest } from 'next/server';
import { middleware } from './middleware';
export const run = (request: Request) => middleware(new NextRequest(request));
`,
  );
  return app;
}

/** The app after `supa2aws migrate-code --write`, bundled for the edge. */
async function migratedBundle(files: Record<string, string>): Promise<string> {
  const app = middlewareApp(files);
  applyCodeMigration(await planCodeMigration(app), { allowDirty: true });
  return bundleForEdge(path.join(app, 'run.ts'), EDGE_ALIASES);
}

const SUPABASE_URL = 'http://127.0.0.1:54321';
const SUPABASE_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
const PASSWORD = 'Correct-Horse-9';

interface Answer {
  user: SessionUser | null;
  error: SessionError | null;
}

describe('runtime server session on the Edge runtime (Next.js middleware)', () => {
  let sb: TestSandbox;
  let cognito: CognitoIdentityProviderClient;
  let endpoint: string;
  let userPoolId: string;
  let clientId: string;
  let code: string;
  /** SUPABASE_MIDDLEWARE as it is, bundled for the edge: `run(request)` hands it a NextRequest. */
  let unmigrated: string;
  /** SUPABASE_MIDDLEWARE and SUPABASE_GUIDE_MIDDLEWARE after migrate-code, bundled the same way. */
  let migrated: string;
  let migratedGuide: string;

  before(async () => {
    sb = await getTestSandbox();
    endpoint = `http://127.0.0.1:${sb.state.cognito!.port}`;
    cognito = cognitoClient(endpoint);
    // Usernames chosen by the migration (the Supabase UUID), so the user ID needs no lookup in middleware.
    // cognito-local merges its default (email as the username, which it then generates) into every pool
    // unless another username attribute is named.
    const pool = await cognito.send(
      new CreateUserPoolCommand({ PoolName: sb.uniqueName('edge'), UsernameAttributes: ['phone_number'] }),
    );
    userPoolId = pool.UserPool!.Id!;
    const client = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: 'web',
        GenerateSecret: false,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    clientId = client.UserPoolClient!.ClientId!;
    code = await bundleForEdge(MIDDLEWARE);

    unmigrated = await bundleForEdge(
      path.join(middlewareApp({ 'middleware.ts': SUPABASE_MIDDLEWARE }), 'run.ts'),
      EDGE_ALIASES,
    );
    migrated = await migratedBundle({ 'middleware.ts': SUPABASE_MIDDLEWARE });
    migratedGuide = await migratedBundle(SUPABASE_GUIDE_MIDDLEWARE);
  });
  after(() => cognito?.destroy());

  /** A new Cognito user, signed in: their UUID and tokens. */
  const signedInUser = async () => {
    const id = randomUUID();
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: id,
        UserAttributes: [{ Name: 'email', Value: `${id}@example.com` }],
        MessageAction: 'SUPPRESS',
      }),
    );
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: userPoolId,
        Username: id,
        Password: PASSWORD,
        Permanent: true,
      }),
    );
    const out = await cognito.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: clientId,
        AuthParameters: { USERNAME: id, PASSWORD },
      }),
    );
    return { id, tokens: out.AuthenticationResult! };
  };

  /** The Cookie header a browser sends after Amplify (ssr: true) stored the session. */
  const cognitoCookieHeader = (username: string, accessToken: string, refreshToken = 'r') =>
    [
      [lastAuthUserCookie(clientId), username],
      [cognitoTokenCookie(clientId, username, 'accessToken'), accessToken],
      [cognitoTokenCookie(clientId, username, 'refreshToken'), refreshToken],
      ['theme', 'dark'],
    ]
      .map(([name, value]) => `${name}=${encodeURIComponent(value!)}`)
      .join('; ');

  /** The settings of the app's deployment, as createAuthVerifierFromEnv reads them. */
  const appEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
    COGNITO_USER_POOL_ID: userPoolId,
    COGNITO_CLIENT_ID: clientId,
    COGNITO_ISSUER: `${endpoint}/${userPoolId}`,
    COGNITO_REGION: 'us-east-1',
    COGNITO_ENDPOINT: endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    SUPABASE_URL,
    SUPABASE_JWT_SECRET: SUPABASE_SECRET,
    ACCEPT_SUPABASE_TOKENS: 'true',
    ...extra,
  });

  /** A fresh edge isolate running the middleware: one request, its JSON answer. */
  const middleware = async (cookie: string, env = appEnv(), name = 'middleware') => {
    const edge = loadInEdge(code, env);
    const run = edge.get<(request: Request) => Promise<Response>>(name);
    const response = await run(
      new edge.vm.context.Request('https://app.example.com/', { headers: { cookie } }),
    );
    return { edge, answer: (await response.json()) as Answer };
  };

  it('answers the signed-in user, their state read with AdminGetUser through the SDK inside the isolate', async () => {
    const { id, tokens } = await signedInUser();
    const { answer } = await middleware(cognitoCookieHeader(id, tokens.AccessToken!, tokens.RefreshToken));
    assert.deepEqual(answer, {
      user: {
        id,
        aud: 'authenticated',
        role: 'authenticated',
        app_metadata: { provider: 'cognito' },
        user_metadata: {},
      },
      error: null,
    });
  });

  it('refuses a user disabled in Cognito (the user-state check ran)', async () => {
    const { id, tokens } = await signedInUser();
    await cognito.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: id }));
    const { answer } = await middleware(cognitoCookieHeader(id, tokens.AccessToken!));
    assert.equal(answer.user, null);
    assert.equal(answer.error?.code, AuthErrorCode.userDisabled);
    assert.equal(answer.error?.status, 401);
  });

  it('without AWS keys, refuses to start the check it cannot make, and works as its hint says: the check off', async () => {
    const { id, tokens } = await signedInUser();
    const cookie = cognitoCookieHeader(id, tokens.AccessToken!);
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...keyless } = appEnv();
    await assert.rejects(middleware(cookie, keyless), (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, AuthErrorCode.config);
      assert.match(error.message, /has no AWS credentials here: the AWS SDK runs as its browser build/);
      assert.match(
        error.hint ?? '',
        /serverSessionFromEnv\(request\.cookies, \{ userStateCheck: false \}\) \(route handlers and server components keep the check\)/,
      );
      return true;
    });
    const { answer } = await middleware(cookie, keyless, 'tokenOnlyMiddleware');
    assert.equal(answer.user?.id, id);
  });

  it('refuses a forged token and an expired one with their codes', async () => {
    const { id, tokens } = await signedInUser();
    const [header, payload, signature] = tokens.AccessToken!.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, username: randomUUID() })).toString(
      'base64url',
    );
    const forged = await middleware(cognitoCookieHeader(id, `${header}.${forgedPayload}.${signature}`));
    assert.equal(forged.answer.user, null);
    assert.deepEqual(forged.answer.error, {
      name: 'AuthApiError',
      code: AuthErrorCode.signature,
      message: 'Token signature is invalid',
      status: 401,
    });

    // cognito-local's access tokens last 24 hours: the isolate's clock is moved a day and more ahead.
    const edge = loadInEdge(code, appEnv());
    edge.vm.evaluate(`{ const now = Date.now; Date.now = () => now() + 25 * 3600 * 1000; }`);
    const run = edge.get<(request: Request) => Promise<Response>>('middleware');
    const cookie = cognitoCookieHeader(id, tokens.AccessToken!);
    const response = await run(
      new edge.vm.context.Request('https://app.example.com/', { headers: { cookie } }),
    );
    const expired = (await response.json()) as Answer;
    assert.equal(expired.user, null);
    assert.deepEqual(expired.error, {
      name: 'AuthApiError',
      code: AuthErrorCode.expired,
      message: 'Token has expired',
      status: 401,
    });
  });

  it('accepts the Supabase session cookie while ACCEPT_SUPABASE_TOKENS is on, and not once it is off', async () => {
    const id = randomUUID();
    const token = await new SignJWT({
      sub: id,
      aud: 'authenticated',
      role: 'authenticated',
      email: 'alice@example.com',
      user_metadata: { name: 'Alice' },
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(`${SUPABASE_URL}/auth/v1`)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SUPABASE_SECRET));
    const session = Buffer.from(JSON.stringify({ access_token: token, refresh_token: 'r1' })).toString(
      'base64url',
    );
    const cookie = `${supabaseAuthCookie(SUPABASE_URL)}=base64-${session}`;
    const { answer } = await middleware(cookie);
    assert.deepEqual(answer, {
      user: {
        id,
        aud: 'authenticated',
        role: 'authenticated',
        email: 'alice@example.com',
        app_metadata: { provider: 'supabase' },
        user_metadata: { name: 'Alice' },
      },
      error: null,
    });
    const off = await middleware(cookie, appEnv({ ACCEPT_SUPABASE_TOKENS: 'false' }));
    assert.equal(off.answer.error?.code, AuthErrorCode.missing);
  });
  /**
   * The middleware's deployment once Supabase is decommissioned (guide 07): the Cognito pool and app client,
   * no Supabase variable (NEXT_PUBLIC_SUPABASE_URL and _ANON_KEY, SUPABASE_URL, SUPABASE_JWT_SECRET,
   * ACCEPT_SUPABASE_TOKENS), no AWS credentials and no Cognito endpoint.
   */
  const decommissionedEnv = () => {
    const {
      AWS_ACCESS_KEY_ID: _id,
      AWS_SECRET_ACCESS_KEY: _secret,
      COGNITO_ENDPOINT: _endpoint,
      SUPABASE_URL: _url,
      SUPABASE_JWT_SECRET: _jwtSecret,
      ACCEPT_SUPABASE_TOKENS: _accept,
      ...env
    } = appEnv();
    assert.deepEqual(
      Object.keys(env).filter((name) => /SUPABASE/.test(name)),
      [],
    );
    return env;
  };

  /** One request to a bundled middleware in a fresh isolate whose clock is `aheadMs` ahead. */
  const requestTo = async (bundle: string, cookie: string, aheadMs = 0) => {
    const edge = loadInEdge(bundle, decommissionedEnv());
    edge.vm.evaluate(`{ const now = Date.now; Date.now = () => now() + ${aheadMs}; }`);
    const run = edge.get<(request: Request) => Promise<Response>>('run');
    const response = await run(
      new edge.vm.context.Request('https://app.example.com/dashboard', { headers: { cookie } }),
    );
    return {
      status: response.status,
      next: response.headers.get('x-middleware-next'),
      userId: response.headers.get('x-user-id'),
      location: response.headers.get('location'),
    };
  };

  it('fails every request through the middleware as it was once the Supabase variables are gone: @supabase/ssr refuses to create its client', async () => {
    const { id, tokens } = await signedInUser();
    await assert.rejects(
      requestTo(unmigrated, cognitoCookieHeader(id, tokens.AccessToken!)),
      /^Error: Your project's URL and Key are required to create a Supabase client!/,
    );
  });

  it('runs the middleware migrate-code writes without AWS credentials and without the Supabase variables: a valid token passes, a forged, expired or missing one goes to /login with its code', async () => {
    const request = (cookie: string, aheadMs = 0) => requestTo(migrated, cookie, aheadMs);
    const login = (code: string) => ({
      status: 307,
      next: null,
      userId: null,
      location: `https://app.example.com/login?error=${code}`,
    });

    const { id, tokens } = await signedInUser();
    const cookie = cognitoCookieHeader(id, tokens.AccessToken!);
    assert.deepEqual(await request(cookie), { status: 200, next: '1', userId: id, location: null });

    const [header, payload, signature] = tokens.AccessToken!.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, username: randomUUID() })).toString('base64url')}.${signature}`;
    assert.deepEqual(await request(cognitoCookieHeader(id, forged)), login(AuthErrorCode.signature));
    // cognito-local's access tokens last 24 hours.
    assert.deepEqual(await request(cookie, 25 * 3600 * 1000), login(AuthErrorCode.expired));
    assert.deepEqual(await request('theme=dark'), login(AuthErrorCode.missing));

    // The token alone: a user disabled since keeps passing the middleware until the token expires (route
    // handlers and server components, the check on, refuse them: see 'refuses a user disabled in Cognito').
    await cognito.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: id }));
    assert.equal((await request(cookie)).userId, id);
  });

  it("runs Supabase's guide middleware (updateSession) as migrate-code writes it, without the Supabase variables: its response for a valid token, /login for a forged or missing one", async () => {
    const login = { status: 307, next: null, userId: null, location: 'https://app.example.com/login' };
    const { id, tokens } = await signedInUser();
    assert.deepEqual(await requestTo(migratedGuide, cognitoCookieHeader(id, tokens.AccessToken!)), {
      status: 200,
      next: '1',
      userId: null,
      location: null,
    });
    const [header, payload, signature] = tokens.AccessToken!.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, username: randomUUID() })).toString('base64url')}.${signature}`;
    assert.deepEqual(await requestTo(migratedGuide, cognitoCookieHeader(id, forged)), login);
    assert.deepEqual(await requestTo(migratedGuide, 'theme=dark'), login);
  });
});
