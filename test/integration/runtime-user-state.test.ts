/**
 * GIVEN a Cognito user (cognito-local) holding a valid access token
 * WHEN an admin disables, re-enables or deletes the user
 * THEN the verifier from the environment (as the reference backend builds it) refuses the token once the
 *   cached state expires (AUTH_USER_DISABLED, 401), accepts it again when re-enabled, and answers 503 when
 *   Cognito cannot be asked.
 */
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminSetUserPasswordCommand,
  InitiateAuthCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AuthErrorCode, createAuthVerifierFromEnv, type Clock } from '@supa2aws/runtime/auth';
import { cognitoClient, createSandboxPool } from '../../src/sandbox/cognito-pool.ts';
import { getTestSandbox, type TestSandbox } from '../helpers/sandbox.ts';

class ManualClock implements Clock {
  ms = Date.now();
  now(): number {
    return this.ms;
  }
}

describe('runtime auth: users disabled or deleted in Cognito', () => {
  let sb: TestSandbox;
  let cognito: CognitoIdentityProviderClient;
  let endpoint: string;
  let userPoolId: string;
  let clientId: string;
  const username = `state-${randomUUID()}@example.com`;
  /** The app user ID; resolving it is not what this test is about. */
  const appUserId = randomUUID();
  const resolveUserId = async () => appUserId;
  const password = 'Correct-Horse-9';

  before(async () => {
    sb = await getTestSandbox();
    endpoint = `http://127.0.0.1:${sb.state.cognito!.port}`;
    cognito = cognitoClient(endpoint);
    ({ userPoolId, clientId } = await createSandboxPool(cognito, sb.uniqueName('state')));
    await cognito.send(
      new AdminCreateUserCommand({ UserPoolId: userPoolId, Username: username, MessageAction: 'SUPPRESS' }),
    );
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: userPoolId,
        Username: username,
        Password: password,
        Permanent: true,
      }),
    );
  });
  after(() => cognito?.destroy());

  const env = (extra: Record<string, string> = {}) => ({
    COGNITO_ISSUER: `${endpoint}/${userPoolId}`,
    COGNITO_CLIENT_ID: clientId,
    COGNITO_REGION: 'us-east-1',
    COGNITO_ENDPOINT: endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...extra,
  });

  const accessToken = async () => {
    const out = await cognito.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
    return out.AuthenticationResult!.AccessToken!;
  };

  it('refuses a disabled user once the cached state expires, and accepts them again when re-enabled', async () => {
    const clock = new ManualClock();
    const verifier = createAuthVerifierFromEnv({
      env: env(),
      resolveUserId,
      cognitoClient: cognito,
      overrides: { deps: { clock } },
    });
    const token = await accessToken();
    assert.equal((await verifier.verify(token)).id, appUserId);

    await cognito.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: username }));
    assert.equal((await verifier.verify(token)).id, appUserId, 'the state is cached for 60 s');
    clock.ms += 61_000;
    await assert.rejects(verifier.verify(token), { code: AuthErrorCode.userDisabled, status: 401 });

    await cognito.send(new AdminEnableUserCommand({ UserPoolId: userPoolId, Username: username }));
    clock.ms += 61_000;
    assert.equal((await verifier.verify(token)).id, appUserId);
  });

  it('trusts the token for its lifetime only when told to (COGNITO_USER_STATE_TTL_SECONDS=off, or userStateCheck: false)', async () => {
    const token = await accessToken();
    await cognito.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: username }));
    try {
      const trusting = createAuthVerifierFromEnv({
        env: env({ COGNITO_USER_STATE_TTL_SECONDS: 'off' }),
        resolveUserId,
      });
      assert.equal((await trusting.verify(token)).id, appUserId);
      // In code, as migrated Next.js middleware has it: whatever the environment says, and no Cognito client.
      const tokenOnly = createAuthVerifierFromEnv({ env: env(), resolveUserId, userStateCheck: false });
      assert.equal((await tokenOnly.verify(token)).id, appUserId);
      const checking = createAuthVerifierFromEnv({ env: env(), resolveUserId, cognitoClient: cognito });
      await assert.rejects(checking.verify(token), { code: AuthErrorCode.userDisabled });
    } finally {
      await cognito.send(new AdminEnableUserCommand({ UserPoolId: userPoolId, Username: username }));
    }
  });

  it('answers 503 when Cognito cannot be asked (fails closed)', async () => {
    const token = await accessToken();
    const unreachable = cognitoClient('http://127.0.0.1:1');
    try {
      const verifier = createAuthVerifierFromEnv({ env: env(), resolveUserId, cognitoClient: unreachable });
      await assert.rejects(verifier.verify(token), { code: AuthErrorCode.userStateUnavailable, status: 503 });
    } finally {
      unreachable.destroy();
    }
  });

  it('refuses a deleted user', async () => {
    const token = await accessToken();
    const verifier = createAuthVerifierFromEnv({ env: env(), resolveUserId, cognitoClient: cognito });
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: username }));
    await assert.rejects(verifier.verify(token), (error: Error & { code?: string }) => {
      assert.equal(error.code, AuthErrorCode.userDisabled);
      assert.match(error.message, /is deleted/);
      return true;
    });
  });
});
