/**
 * GIVEN a Cognito pool with optional TOTP MFA, as infra's auth stack makes it (cognito-local, which implements
 *   Cognito's TOTP API: AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference, GetUser's
 *   UserMFASettingList and the SOFTWARE_TOKEN_MFA challenge), and real Amplify v6 in Node
 * WHEN an app written for supabase-js's `auth.mfa` runs through the runtime's createBrowserAuth
 * THEN enroll → challenge → verify turns TOTP on (factor listed, aal2); a password sign-in then answers no
 *   session and no error, at aal1 → aal2, until challenge + verify with the authenticator's code gives a
 *   session whose access token the runtime's verifier accepts; a wrong code is supabase-js's
 *   `mfa_verification_failed` with no session; unenroll lets the next sign-in through without a code.
 * Codes are computed with `otpauth` (RFC 6238: SHA-1, 6 digits, 30 s), not with cognito-local's own library.
 */
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  SetUserPoolMfaConfigCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { createAuthVerifier } from '@supa2aws/runtime/auth';
import { createBrowserAuth, TOTP_FACTOR_ID, type BrowserAuth } from '@supa2aws/runtime/browser-auth';
import { cognitoClient, createSandboxPool } from '../../src/sandbox/cognito-pool.ts';
import { getTestSandbox } from '../helpers/sandbox.ts';

const authenticator = (secret: string) =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });

/** A 6-digit code no nearby time step accepts. */
function wrongCode(totp: TOTP): string {
  for (let n = Number(totp.generate()) + 1; ; n++) {
    const code = String(n % 1_000_000).padStart(6, '0');
    if (totp.validate({ token: code, window: 3 }) === null) return code;
  }
}

describe('runtime browser auth: supabase-js MFA (TOTP) on Cognito', () => {
  let cognito: CognitoIdentityProviderClient;
  let auth: BrowserAuth;
  let authOptions: Parameters<typeof createBrowserAuth>[0];
  let verifyToken: (token: string) => Promise<{ id: string }>;
  let secret = '';
  const email = `mfa-${randomUUID()}@example.com`;
  const password = 'Correct-Horse-9';
  const appUserId = randomUUID();

  before(async () => {
    const sb = await getTestSandbox();
    const endpoint = `http://127.0.0.1:${sb.state.cognito!.port}`;
    cognito = cognitoClient(endpoint);
    const pool = await createSandboxPool(cognito, sb.uniqueName('mfa'));
    await cognito.send(
      new SetUserPoolMfaConfigCommand({
        UserPoolId: pool.userPoolId,
        MfaConfiguration: 'OPTIONAL',
        SoftwareTokenMfaConfiguration: { Enabled: true },
      }),
    );
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: pool.userPoolId,
        Username: email,
        MessageAction: 'SUPPRESS',
        UserAttributes: [{ Name: 'email', Value: email }],
      }),
    );
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: pool.userPoolId,
        Username: email,
        Password: password,
        Permanent: true,
      }),
    );
    authOptions = {
      userPoolId: pool.userPoolId,
      userPoolClientId: pool.clientId,
      userPoolEndpoint: endpoint,
    };
    auth = createBrowserAuth(authOptions);
    const verifier = createAuthVerifier({
      cognito: {
        userPoolId: pool.userPoolId,
        issuer: `${endpoint}/${pool.userPoolId}`,
        clientIds: [pool.clientId],
      },
      resolveUserId: async () => appUserId,
    });
    verifyToken = (token) => verifier.verify(token);
  });
  after(() => cognito?.destroy());

  it('enrolls TOTP as supabase-js does: enroll, challenge, verify; the factor is listed and the session is aal2', async () => {
    const signedIn = await auth.signInWithPassword({ email, password });
    assert.equal(signedIn.error, null);
    assert.ok(signedIn.data.session, 'no TOTP yet: a session at once');
    assert.deepEqual((await auth.mfa.getAuthenticatorAssuranceLevel()).data?.currentLevel, 'aal1');

    const phone = await auth.mfa.enroll({ factorType: 'phone' });
    assert.equal(phone.error?.code, 'mfa_phone_enroll_not_enabled');
    assert.ok(phone.error?.hint);

    const enrolled = await auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Phone', issuer: 'Aiuteur' });
    assert.equal(enrolled.error, null);
    const { id, type, friendly_name, totp } = enrolled.data!;
    assert.deepEqual(
      { id, type, friendly_name },
      { id: TOTP_FACTOR_ID, type: 'totp', friendly_name: 'Phone' },
    );
    assert.match(totp.secret, /^[A-Z2-7]+=*$/, 'a base32 secret');
    assert.equal(
      totp.uri,
      `otpauth://totp/Aiuteur:${encodeURIComponent(email)}?secret=${totp.secret}&issuer=Aiuteur`,
    );
    assert.ok(totp.qr_code.startsWith('data:image/svg+xml;utf-8,'), 'an SVG data URI');
    assert.match(
      decodeURIComponent(totp.qr_code.slice(totp.qr_code.indexOf(',') + 1)),
      /^<svg [^>]*>.*<\/svg>$/s,
    );
    secret = totp.secret;

    const before = (await auth.mfa.listFactors()).data!;
    assert.deepEqual(
      before.all.map((f) => [f.id, f.status, f.friendly_name]),
      [[TOTP_FACTOR_ID, 'unverified', 'Phone']],
    );
    assert.deepEqual(before.totp, [], 'only verified factors are in totp');

    const challenge = await auth.mfa.challenge({ factorId: TOTP_FACTOR_ID });
    assert.equal(challenge.error, null);
    assert.ok(challenge.data!.expires_at > Date.now() / 1000);
    const verified = await auth.mfa.verify({
      factorId: TOTP_FACTOR_ID,
      challengeId: challenge.data!.id,
      code: authenticator(secret).generate(),
    });
    assert.equal(verified.error, null);
    assert.equal(verified.data?.user.email, email);

    const factors = (await auth.mfa.listFactors()).data!;
    assert.deepEqual(
      factors.totp.map((f) => [f.id, f.factor_type, f.status]),
      [[TOTP_FACTOR_ID, 'totp', 'verified']],
    );
    assert.deepEqual(factors.phone, []);
    const aal = (await auth.mfa.getAuthenticatorAssuranceLevel()).data!;
    assert.deepEqual([aal.currentLevel, aal.nextLevel], ['aal2', 'aal2']);
    assert.deepEqual(
      aal.currentAuthenticationMethods.map((m) => m.method),
      ['password', 'totp'],
    );

    const again = await auth.mfa.enroll({ factorType: 'totp' });
    assert.equal(again.error?.code, 'too_many_enrolled_mfa_factors', 'Cognito holds one TOTP device');
  });

  it('GIVEN TOTP on WHEN a session did not pass the code in this browser (signed in elsewhere before enrolling) THEN it is aal1 → aal2, not aal2, and has no challenge to answer', async () => {
    // Another browser: the same tokens (one Amplify per process here), but nothing recorded that TOTP passed.
    const elsewhere = createBrowserAuth(authOptions);
    assert.ok((await elsewhere.getSession()).data.session, 'a valid session');
    const aal = (await elsewhere.mfa.getAuthenticatorAssuranceLevel()).data!;
    assert.deepEqual([aal.currentLevel, aal.nextLevel], ['aal1', 'aal2']);
    assert.deepEqual(
      aal.currentAuthenticationMethods.map((m) => m.method),
      ['password'],
    );
    const challenge = await elsewhere.mfa.challenge({ factorId: TOTP_FACTOR_ID });
    assert.equal(challenge.error?.code, 'mfa_challenge_unavailable');
    assert.match(challenge.error?.hint ?? '', /sign in with the password/);
  });

  it('signs in at "aal1": no session and no error until the code; aal1 → aal2; the TOTP factor listed', async () => {
    assert.deepEqual(await auth.signOut(), { error: null });
    const signedIn = await auth.signInWithPassword({ email, password });
    assert.deepEqual(signedIn, { data: { user: null, session: null }, error: null });
    assert.equal((await auth.getSession()).data.session, null);
    const aal = (await auth.mfa.getAuthenticatorAssuranceLevel()).data!;
    assert.deepEqual([aal.currentLevel, aal.nextLevel], ['aal1', 'aal2']);
    assert.deepEqual(
      aal.currentAuthenticationMethods.map((m) => m.method),
      ['password'],
    );
    assert.ok(Math.abs(aal.currentAuthenticationMethods[0]!.timestamp - Date.now() / 1000) < 60);
    const factors = (await auth.mfa.listFactors()).data!;
    assert.deepEqual(
      factors.totp.map((f) => [f.id, f.status]),
      [[TOTP_FACTOR_ID, 'verified']],
    );
  });

  it('a wrong code is mfa_verification_failed and no session; the right one gives a session the verifier accepts', async () => {
    const unknown = await auth.mfa.challenge({ factorId: 'not-a-factor' });
    assert.equal(unknown.error?.code, 'mfa_factor_not_found');

    const challenge = (await auth.mfa.challenge({ factorId: TOTP_FACTOR_ID })).data!;
    const wrong = await auth.mfa.verify({
      factorId: TOTP_FACTOR_ID,
      challengeId: challenge.id,
      code: wrongCode(authenticator(secret)),
    });
    assert.equal(wrong.data, null);
    assert.equal(wrong.error?.code, 'mfa_verification_failed');
    assert.equal(wrong.error?.status, 422);
    assert.equal(wrong.error?.name, 'AuthApiError');
    assert.equal((await auth.getSession()).data.session, null);

    const stale = await auth.mfa.verify({
      factorId: TOTP_FACTOR_ID,
      challengeId: randomUUID(),
      code: '000000',
    });
    assert.equal(stale.error?.code, 'mfa_challenge_expired');

    const verified = await auth.mfa.verify({
      factorId: TOTP_FACTOR_ID,
      challengeId: challenge.id,
      code: authenticator(secret).generate(),
    });
    assert.equal(verified.error, null);
    const session = (await auth.getSession()).data.session;
    assert.ok(session);
    assert.equal(verified.data?.access_token, session.access_token);
    assert.equal((await verifyToken(session.access_token)).id, appUserId);
    const aal = (await auth.mfa.getAuthenticatorAssuranceLevel()).data!;
    assert.deepEqual([aal.currentLevel, aal.nextLevel], ['aal2', 'aal2']);

    const spent = await auth.mfa.challenge({ factorId: TOTP_FACTOR_ID });
    assert.equal(spent.error?.code, 'mfa_challenge_unavailable', 'an aal2 session has no challenge left');
  });

  it('challengeAndVerify signs in in one call, and after unenroll the next sign-in needs no code', async () => {
    await auth.signInWithPassword({ email, password });
    const verified = await auth.mfa.challengeAndVerify({
      factorId: TOTP_FACTOR_ID,
      code: authenticator(secret).generate(),
    });
    assert.equal(verified.error, null);
    assert.ok(verified.data?.access_token);

    assert.deepEqual(await auth.mfa.unenroll({ factorId: TOTP_FACTOR_ID }), {
      data: { id: TOTP_FACTOR_ID },
      error: null,
    });
    assert.deepEqual((await auth.mfa.listFactors()).data, { all: [], totp: [], phone: [], webauthn: [] });
    await auth.signOut();
    const signedIn = await auth.signInWithPassword({ email, password });
    assert.equal(signedIn.error, null);
    assert.ok(signedIn.data.session, 'no code asked');
    assert.equal((await verifyToken(signedIn.data.session.access_token)).id, appUserId);
    const aal = (await auth.mfa.getAuthenticatorAssuranceLevel()).data!;
    assert.deepEqual([aal.currentLevel, aal.nextLevel], ['aal1', 'aal1']);
    await auth.signOut();
    assert.deepEqual((await auth.mfa.getAuthenticatorAssuranceLevel()).data, {
      currentLevel: null,
      nextLevel: null,
      currentAuthenticationMethods: [],
    });
  });
});
