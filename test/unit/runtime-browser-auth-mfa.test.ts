/**
 * browser-auth's `auth.mfa` before any Cognito call: which sign-in steps it holds, the held sign-in's
 * challenge and Cognito's 3-minute limit (on an injected clock), and the supabase-js error codes for a
 * factor or factor type Cognito does not have. The Cognito side runs in test/integration/browser-auth-mfa.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMfa } from '../../packages/runtime/src/browser-auth/mfa.ts';
import { TOTP_FACTOR_ID } from '@supa2aws/runtime/browser-auth';

function held() {
  const clock = { now: 1_800_000_000 };
  const mfa = createMfa({ currentSession: async () => null, now: () => clock.now });
  return { mfa, clock };
}

describe('browser-auth mfa: the held sign-in', () => {
  it('holds a sign-in waiting for a TOTP code, and no other step', () => {
    const { mfa } = held();
    assert.equal(mfa.holdSignIn('CONFIRM_SIGN_IN_WITH_SMS_CODE'), false);
    assert.equal(mfa.holdSignIn('CONTINUE_SIGN_IN_WITH_TOTP_SETUP'), false);
    assert.equal(mfa.holdSignIn('CONFIRM_SIGN_IN_WITH_TOTP_CODE'), true);
  });

  it('answers one challenge for the held sign-in, which expires with Cognito’s 3-minute session', async () => {
    const { mfa, clock } = held();
    mfa.holdSignIn('CONFIRM_SIGN_IN_WITH_TOTP_CODE');
    const first = await mfa.api.challenge({ factorId: TOTP_FACTOR_ID });
    assert.equal(first.error, null);
    assert.match(first.data!.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(first.data, { id: first.data!.id, type: 'totp', expires_at: clock.now + 180 });
    assert.equal((await mfa.api.challenge({ factorId: TOTP_FACTOR_ID })).data?.id, first.data!.id);

    clock.now += 180;
    const late = await mfa.api.verify({
      factorId: TOTP_FACTOR_ID,
      challengeId: first.data!.id,
      code: '123456',
    });
    assert.deepEqual(
      [late.data, late.error?.code, late.error?.name],
      [null, 'mfa_challenge_expired', 'AuthApiError'],
    );
    assert.match(late.error!.hint!, /signInWithPassword/);
    assert.equal(
      (await mfa.api.challenge({ factorId: TOTP_FACTOR_ID })).error?.code,
      'mfa_challenge_expired',
    );
  });

  it('forgets the held sign-in on sign-out', async () => {
    const { mfa } = held();
    mfa.holdSignIn('CONFIRM_SIGN_IN_WITH_TOTP_CODE');
    mfa.forget();
    assert.equal(
      (await mfa.api.challenge({ factorId: TOTP_FACTOR_ID })).error?.code,
      'mfa_challenge_expired',
    );
  });
});

describe('browser-auth mfa: what Cognito does not have, in supabase-js codes', () => {
  it('a factor id other than the one TOTP factor', async () => {
    const { mfa } = held();
    mfa.holdSignIn('CONFIRM_SIGN_IN_WITH_TOTP_CODE');
    for (const out of [
      await mfa.api.challenge({ factorId: 'f-1' }),
      await mfa.api.verify({ factorId: 'f-1', challengeId: 'c', code: '123456' }),
      await mfa.api.unenroll({ factorId: 'f-1' }),
    ]) {
      assert.equal(out.data, null);
      assert.equal(out.error?.code, 'mfa_factor_not_found');
      assert.equal(out.error?.status, 404);
      assert.match(out.error!.hint!, /listFactors/);
    }
  });

  it('a phone factor', async () => {
    const out = await held().mfa.api.enroll({ factorType: 'phone' });
    assert.deepEqual(
      [out.data, out.error?.code, out.error?.status],
      [null, 'mfa_phone_enroll_not_enabled', 422],
    );
  });
});
