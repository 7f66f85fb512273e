/**
 * A STAND-IN for a Cognito user pool domain (the hosted UI / managed login), serving its documented
 * endpoints over HTTPS as `https://<domain>/…`, which is where Amplify's signInWithRedirect goes:
 * https://docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoints.html
 *
 * Why a stand-in: cognito-local (the sandbox's Cognito) serves `/oauth2/authorize` and `/oauth2/token` (with
 * PKCE S256) on its plain-HTTP API port only, shows its own username/password form instead of federating to
 * an identity provider (`identity_provider` is ignored), and has no `/logout`. So this server, on a
 * self-signed certificate made at test time:
 * - `GET /oauth2/authorize` checks what Cognito checks against the app client as cognito-local holds it
 *   (client_id, redirect_uri among its CallbackURLs, response_type=code, a code_challenge with method S256,
 *   each scope among AllowedOAuthScopes, identity_provider among SupportedIdentityProviders), then plays the
 *   identity provider's round trip: the provider "signs in" the user the test assigned it, by cognito-local's
 *   own authorize form, which issues the code bound to the challenge; the browser goes back to redirect_uri
 *   with that code and the state.
 * - `POST /oauth2/token` is cognito-local's: it checks the code, client, redirect_uri and PKCE verifier and
 *   signs the tokens, so the runtime's verifier sees tokens from the pool's own keys.
 * - `GET /logout` checks client_id and logout_uri (among LogoutURLs) and redirects there.
 * What it cannot show: a real IdP's consent page, Cognito's federated-user creation (`Google_<sub>` users
 * and attribute mapping), its error pages, and the real domain's TLS certificate.
 */
import {
  DescribeUserPoolClientCommand,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { cognitoClient } from '../../src/sandbox/cognito-pool.ts';

/** What the next authorize does wrong on purpose, as an attacker in the middle would. */
export type Tamper =
  /** Redirects back with a state the browser never sent (a forged callback). */
  | 'state'
  /** Issues the code for another PKCE challenge (a code injected from someone else's flow). */
  | 'challenge';

export interface HostedUiStandIn {
  /** The domain as Amplify takes it: `127.0.0.1:<port>` (no scheme). */
  domain: string;
  /** base64 SHA-256 of the certificate's public key, for Chromium's --ignore-certificate-errors-spki-list. */
  spki: string;
  /** Every request, in order: method, path and the form/query parameters (code_verifier's presence only). */
  requests: Array<{ method: string; path: string; params: Record<string, string> }>;
  /** Makes the next authorize misbehave. */
  tamperNext(what: Tamper): void;
  close(): Promise<void>;
}

export interface HostedUiOptions {
  /** cognito-local's endpoint, e.g. http://127.0.0.1:9229. */
  cognitoEndpoint: string;
  userPoolId: string;
  /** Per identity provider name (as in SupportedIdentityProviders), the pool user it signs in. */
  users: Record<string, { username: string; password: string }>;
}

function selfSignedCert(dir: string): { key: Buffer; cert: Buffer } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { cwd: dir, stdio: 'pipe' },
  );
  return { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) };
}

const formBody = (params: Record<string, string>) => new URLSearchParams(params).toString();

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startHostedUiStandIn(options: HostedUiOptions): Promise<HostedUiStandIn> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-hosted-ui-'));
  const tls = selfSignedCert(dir);
  const spki = createHash('sha256')
    .update(new X509Certificate(tls.cert).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
  const cognito = cognitoClient(options.cognitoEndpoint);
  const requests: HostedUiStandIn['requests'] = [];
  let tamper: Tamper | undefined;

  const appClient = async (clientId: string): Promise<UserPoolClientType | undefined> =>
    (
      await cognito
        .send(new DescribeUserPoolClientCommand({ UserPoolId: options.userPoolId, ClientId: clientId }))
        .catch(() => ({ UserPoolClient: undefined }))
    ).UserPoolClient;

  /** Cognito answers a bad authorize request with an error page (here: 400 and the reason). */
  const refuse = (res: ServerResponse, reason: string) => {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(reason);
  };

  const authorize = async (q: URLSearchParams, res: ServerResponse) => {
    const client = await appClient(q.get('client_id') ?? '');
    if (!client) return refuse(res, 'invalid_request: unknown client_id');
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!client.CallbackURLs?.includes(redirectUri)) return refuse(res, 'redirect_mismatch');
    if (q.get('response_type') !== 'code' || !client.AllowedOAuthFlows?.includes('code'))
      return refuse(res, 'unauthorized_client: response_type must be code');
    const challenge = q.get('code_challenge');
    if (!challenge || q.get('code_challenge_method') !== 'S256')
      return refuse(res, 'invalid_request: a code_challenge with code_challenge_method=S256 is required');
    const scopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
    const notAllowed = scopes.filter((s) => !client.AllowedOAuthScopes?.includes(s));
    if (notAllowed.length) return refuse(res, `invalid_scope: ${notAllowed.join(' ')}`);
    const provider = q.get('identity_provider') ?? '';
    if (!client.SupportedIdentityProviders?.includes(provider))
      return refuse(res, `invalid_request: identity_provider ${provider} is not enabled for this client`);
    const user = options.users[provider];
    if (!user) return refuse(res, `the stand-in has no user for identity provider ${provider}`);

    const misbehave = tamper;
    tamper = undefined;
    const other = createHash('sha256').update('a verifier this browser never made').digest('base64url');
    // The identity provider signed the user in: cognito-local issues the code, bound to the challenge.
    const issued = await fetch(`${options.cognitoEndpoint}/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({
        client_id: client.ClientId!,
        redirect_uri: redirectUri,
        response_type: 'code',
        code_challenge: misbehave === 'challenge' ? other : challenge,
        code_challenge_method: 'S256',
        scope: scopes.join(' '),
        state: q.get('state') ?? '',
        username: user.username,
        password: user.password,
      }),
    });
    const location = issued.headers.get('location');
    if (issued.status !== 302 || !location)
      return refuse(res, `cognito-local issued no code (${issued.status}): ${await issued.text()}`);
    const back = new URL(location);
    if (misbehave === 'state') back.searchParams.set('state', 'forged-state');
    res.writeHead(302, { location: back.toString() });
    res.end();
  };

  const logout = async (q: URLSearchParams, res: ServerResponse) => {
    const client = await appClient(q.get('client_id') ?? '');
    if (!client) return refuse(res, 'invalid_request: unknown client_id');
    const logoutUri = q.get('logout_uri') ?? '';
    if (!client.LogoutURLs?.includes(logoutUri)) return refuse(res, 'invalid_request: logout_uri mismatch');
    res.writeHead(302, { location: logoutUri });
    res.end();
  };

  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://stand-in');
    // Cognito's token endpoint answers browsers from any origin (Amplify posts to it with fetch).
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '',
      });
      res.end();
      return;
    }
    const handle = async () => {
      if (req.method === 'GET' && url.pathname === '/oauth2/authorize') {
        requests.push({ method: 'GET', path: url.pathname, params: Object.fromEntries(url.searchParams) });
        return authorize(url.searchParams, res);
      }
      if (req.method === 'GET' && url.pathname === '/logout') {
        requests.push({ method: 'GET', path: url.pathname, params: Object.fromEntries(url.searchParams) });
        return logout(url.searchParams, res);
      }
      if (req.method === 'POST' && url.pathname === '/oauth2/token') {
        const body = await readBody(req);
        const params = Object.fromEntries(new URLSearchParams(body));
        if (params.code_verifier) params.code_verifier = '(present)';
        requests.push({ method: 'POST', path: url.pathname, params });
        const answer = await fetch(`${options.cognitoEndpoint}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(await answer.text());
        return;
      }
      res.writeHead(404);
      res.end();
    };
    handle().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    domain: `127.0.0.1:${port}`,
    spki,
    requests,
    tamperNext(what) {
      tamper = what;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      cognito.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
