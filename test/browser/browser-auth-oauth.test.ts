/**
 * GIVEN a page using runtime/browser-auth with the hosted UI configured (test/fixtures/oauth-page), a user pool
 *   on cognito-local whose app client allows the code grant, the page's URL as callback and sign-out URL,
 *   and Google and an OIDC provider named `corporate-oidc`; and the user pool domain played by the hosted-UI
 *   stand-in (test/helpers/cognito-hosted-ui-stand-in.ts: cognito-local has no HTTPS domain, no federation,
 *   no /logout), whose self-signed certificate Chromium trusts by its key alone
 * WHEN the user clicks "Continue with Google" in Chromium
 * THEN the browser goes to /oauth2/authorize with identity_provider=Google and a PKCE S256 challenge, comes
 *   back with a code, Amplify exchanges it with the verifier, onAuthStateChange reports SIGNED_IN, and
 *   getSession() answers a session whose access token the runtime's verifier accepts; a reload keeps it;
 *   signOut goes through /logout and back; a forged state is refused before any code exchange, and a code
 *   issued for another PKCE challenge is refused by the token endpoint: no session either way.
 */
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createAuthVerifier } from '@supa2aws/runtime/auth';
import type { AuthSession, BrowserAuth } from '@supa2aws/runtime/browser-auth';
import { cognitoClient, createSandboxPool } from '../../src/sandbox/cognito-pool.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { viteBuild } from '../helpers/migrated-frontend.ts';
import { startHostedUiStandIn, type HostedUiStandIn } from '../helpers/cognito-hosted-ui-stand-in.ts';
import { getTestSandbox } from '../helpers/sandbox.ts';
import { serveStatic, type StaticServer } from '../helpers/static-server.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const PAGE = path.join(REPO, 'test', 'fixtures', 'oauth-page');

interface TestWindow {
  auth: BrowserAuth;
  events: string[];
  failures: string[];
}

describe('signInWithOAuth through the hosted UI, in Chromium', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-oauth-page-'));
  const extra: Record<string, unknown> = {};
  const email = `oauth-${Date.now()}@example.com`;
  const supabaseId = '7d0c1f9e-5b1a-4c51-9a52-3f1f4f0a2b11';
  let endpoint = '';
  let pool: { userPoolId: string; clientId: string };
  let cognito: CognitoIdentityProviderClient;
  let site: StaticServer;
  let hostedUi: HostedUiStandIn;
  let browser: Browser;

  before(async () => {
    const sb = await getTestSandbox();
    endpoint = `http://127.0.0.1:${sb.state.cognito!.port}`;
    cognito = cognitoClient(endpoint);
    const { userPoolId } = await createSandboxPool(cognito, sb.uniqueName('oauth'));
    site = await serveStatic(dir, extra);
    const here = `${site.url}/`;
    const client = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: 'spa-hosted-ui',
        GenerateSecret: false,
        ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
        CallbackURLs: [here],
        LogoutURLs: [here],
        SupportedIdentityProviders: ['Google', 'corporate-oidc'],
      }),
    );
    pool = { userPoolId, clientId: client.UserPoolClient!.ClientId! };
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: email,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'custom:supabase_id', Value: supabaseId },
        ],
      }),
    );
    const password = 'Federated-Horse-9';
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: userPoolId,
        Username: email,
        Password: password,
        Permanent: true,
      }),
    );
    const user = { username: email, password };
    hostedUi = await startHostedUiStandIn({
      cognitoEndpoint: endpoint,
      userPoolId,
      users: { Google: user, 'corporate-oidc': user },
    });
    extra['config.json'] = {
      userPoolId,
      userPoolClientId: pool.clientId,
      userPoolEndpoint: endpoint,
      domain: hostedUi.domain,
    };
    viteBuild(path.join(PAGE, 'vite.config.ts'), { OAUTH_PAGE_OUT_DIR: dir });
    browser = await launchBrowser({ trustedSpki: [hostedUi.spki] });
  });

  after(async () => {
    await browser?.close();
    await hostedUi?.close();
    await site?.close();
    cognito?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (): Promise<{ page: Page; errors: string[] }> => {
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(site.url);
    await page.waitForFunction(() => 'auth' in window);
    return { page, errors };
  };
  const events = (page: Page) => page.evaluate(() => (window as unknown as TestWindow).events);
  const session = (page: Page) =>
    page.evaluate(async () => (await (window as unknown as TestWindow).auth.getSession()).data.session);
  /** After the round trip: back on the page with the code gone from the URL, or an error seen. */
  const settled = (page: Page) =>
    page.waitForFunction(
      () => {
        const w = window as unknown as TestWindow;
        return 'auth' in window && (w.events.some((e) => e.startsWith('SIGNED_IN')) || w.failures.length > 0);
      },
      null,
      { timeout: 20_000 },
    );

  it('signs in with Google through the hosted UI: SIGNED_IN, a session the verifier accepts, kept on reload', async () => {
    const { page, errors } = await open();
    const from = hostedUi.requests.length;
    await page.click('#google');
    await page.waitForURL((u) => u.origin === site.url && u.searchParams.has('code'), { timeout: 20_000 });
    await settled(page);

    const [authorize, token] = hostedUi.requests.slice(from);
    assert.equal(authorize?.path, '/oauth2/authorize');
    assert.equal(authorize.params.identity_provider, 'Google');
    assert.equal(authorize.params.client_id, pool.clientId);
    assert.equal(authorize.params.redirect_uri, `${site.url}/`);
    assert.equal(authorize.params.response_type, 'code');
    assert.equal(authorize.params.code_challenge_method, 'S256');
    assert.equal(authorize.params.scope, 'openid email profile');
    assert.equal(token?.path, '/oauth2/token');
    assert.equal(token.params.grant_type, 'authorization_code');
    assert.equal(token.params.code_verifier, '(present)');

    assert.ok((await events(page)).includes(`SIGNED_IN:${email}`), JSON.stringify(await events(page)));
    const got = (await session(page)) as AuthSession | null;
    assert.ok(got, 'getSession answers the session');
    assert.equal(got.user.email, email);
    assert.equal(got.user.id, supabaseId, 'the user id is the Supabase UUID from custom:supabase_id');
    assert.equal(new URL(page.url()).search, '', 'Amplify takes the code out of the address bar');
    const verifier = createAuthVerifier({
      cognito: {
        userPoolId: pool.userPoolId,
        issuer: `${endpoint}/${pool.userPoolId}`,
        clientIds: [pool.clientId],
      },
      resolveUserId: async () => supabaseId,
    });
    assert.equal((await verifier.verify(got.access_token)).id, supabaseId);
    const exchanged = await page.evaluate(
      async () =>
        (await (window as unknown as TestWindow).auth.exchangeCodeForSession()).data.session?.access_token,
    );
    assert.equal(exchanged, got.access_token);

    await page.reload();
    await page.waitForFunction(() => ((window as unknown as Partial<TestWindow>).events?.length ?? 0) > 0);
    assert.deepEqual(await events(page), [`INITIAL_SESSION:${email}`]);

    const before = hostedUi.requests.length;
    await page.click('#sign-out');
    await page.waitForFunction(
      () => (window as unknown as Partial<TestWindow>).events?.[0] === 'INITIAL_SESSION:none',
      null,
      { timeout: 20_000 },
    );
    const logout = hostedUi.requests.slice(before).find((r) => r.path === '/logout');
    assert.equal(logout?.params.logout_uri, `${site.url}/`);
    assert.equal(await session(page), null);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('sends a provider of another name to the OIDC identity provider of that name, with the extra scope', async () => {
    const { page } = await open();
    const from = hostedUi.requests.length;
    await page.click('#corporate');
    await settled(page);
    const authorize = hostedUi.requests.slice(from)[0]!;
    assert.equal(authorize.params.identity_provider, 'corporate-oidc');
    assert.equal(authorize.params.scope, 'openid email profile aws.cognito.signin.user.admin');
    assert.ok((await events(page)).includes(`SIGNED_IN:${email}`));
    await page.context().close();
  });

  it('refuses a callback whose state the browser never sent, before any code exchange', async () => {
    const { page } = await open();
    const from = hostedUi.requests.length;
    hostedUi.tamperNext('state');
    await page.click('#google');
    await settled(page);
    const failures = await page.evaluate(() => (window as unknown as TestWindow).failures);
    assert.match(failures.join(), /validating the state/);
    assert.deepEqual(
      hostedUi.requests.slice(from).map((r) => r.path),
      ['/oauth2/authorize'],
      'no token request',
    );
    assert.equal(await session(page), null);
    assert.ok(!(await events(page)).some((e) => e.startsWith('SIGNED_IN')));
    const exchanged = await page.evaluate(
      async () => (await (window as unknown as TestWindow).auth.exchangeCodeForSession()).error,
    );
    assert.equal(
      exchanged?.code,
      'oauthSignInError',
      "Amplify's error, which exchangeCodeForSession answers",
    );
    await page.context().close();
  });

  it("refuses a code issued for another PKCE challenge: this browser's verifier does not match it", async () => {
    const { page } = await open();
    const from = hostedUi.requests.length;
    hostedUi.tamperNext('challenge');
    await page.click('#google');
    await settled(page);
    const failures = await page.evaluate(() => (window as unknown as TestWindow).failures);
    assert.match(failures.join(), /invalid_grant|code_verifier/);
    assert.deepEqual(
      hostedUi.requests.slice(from).map((r) => r.path),
      ['/oauth2/authorize', '/oauth2/token'],
    );
    assert.equal(await session(page), null);
    assert.ok(!(await events(page)).some((e) => e.startsWith('SIGNED_IN')));
    await page.context().close();
  });
});
