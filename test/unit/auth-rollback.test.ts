import {
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyAuthRollback,
  rollbackPoolUser,
  rollbackVerdict,
  type AuthRollbackPlan,
  type RollbackCounterpart,
  type RollbackPoolUser,
  type SourceUser,
} from '../../src/auth/index.ts';
import { parseConfig } from '../../src/config/index.ts';

const NOW = new Date('2026-12-05T12:00:00Z');
const ID = '0b5e7c1a-6f0d-4c1e-9a53-2f1f2d3c4b5a';
const SUB = '11111111-2222-4333-8444-555555555555';

function sourceUser(overrides: Partial<SourceUser> = {}): SourceUser {
  return {
    id: ID,
    email: 'Ada@Example.com',
    phone: '15551234567',
    passwordHash: null,
    emailConfirmedAt: NOW,
    phoneConfirmedAt: null,
    bannedUntil: null,
    deletedAt: null,
    isAnonymous: false,
    isSsoUser: false,
    createdAt: NOW,
    providers: ['email'],
    oauthIdentities: [],
    ...overrides,
  };
}

function poolUser(overrides: Partial<RollbackPoolUser> = {}): RollbackPoolUser {
  return {
    username: 'ada@example.com',
    sub: SUB,
    supabaseId: ID,
    email: 'ada@example.com',
    phone: '+15551234567',
    enabled: true,
    ...overrides,
  };
}

const found = (overrides: Partial<RollbackCounterpart> = {}): RollbackCounterpart => ({
  source: sourceUser(),
  boundUserId: undefined,
  inLegacyStore: true,
  ...overrides,
});

describe('auth rollback: who switching back to Supabase leaves without an account', () => {
  it('GIVEN a pool user imported from Supabase and unchanged WHEN judged THEN nothing is listed', () => {
    assert.equal(rollbackVerdict(poolUser(), found(), NOW), undefined);
  });

  it('GIVEN a Cognito user with no Supabase UUID and no app user bound to its sub WHEN judged THEN it is removed as created in Cognito, with no app ID', () => {
    const verdict = rollbackVerdict(
      poolUser({ supabaseId: null, username: 'new@example.com', email: 'new@example.com' }),
      found({ source: undefined, inLegacyStore: false }),
      NOW,
    );
    assert.ok(verdict && 'remove' in verdict);
    assert.equal(verdict.remove.reason, 'created-in-cognito');
    assert.equal(verdict.remove.userId, null);
    assert.equal(verdict.remove.email, 'ne***@example.com', 'the email is masked');
    assert.match(verdict.remove.detail, /cannot sign in: Supabase has no account for them/);
  });

  it('GIVEN a Cognito user the app bound to a new ID by its sub WHEN Supabase lacks that ID THEN it is removed and the app rows keyed by that ID are said to stay', () => {
    const appId = '99999999-8888-4777-8666-555555555555';
    const verdict = rollbackVerdict(
      poolUser({ supabaseId: null }),
      found({ source: undefined, boundUserId: appId, inLegacyStore: false }),
      NOW,
    );
    assert.ok(verdict && 'remove' in verdict);
    assert.deepEqual([verdict.remove.reason, verdict.remove.userId], ['created-in-cognito', appId]);
    assert.match(verdict.remove.detail, new RegExp(`rows keyed by ${appId} stay`));
  });

  it('GIVEN a pool user whose UUID the legacy store has but Supabase no longer does WHEN judged THEN it is removed as deleted in Supabase', () => {
    const verdict = rollbackVerdict(poolUser(), found({ source: undefined }), NOW);
    assert.ok(verdict && 'remove' in verdict);
    assert.equal(verdict.remove.reason, 'deleted-in-supabase');
    assert.match(verdict.remove.detail, /gone from auth.users/);
  });

  it('GIVEN a user soft-deleted in Supabase WHEN judged THEN it is removed as deleted in Supabase, even without a legacy store', () => {
    const verdict = rollbackVerdict(
      poolUser(),
      found({ source: sourceUser({ deletedAt: NOW }), inLegacyStore: undefined }),
      NOW,
    );
    assert.ok(verdict && 'remove' in verdict);
    assert.equal(verdict.remove.reason, 'deleted-in-supabase');
    assert.match(verdict.remove.detail, /soft-deleted/);
  });

  it('GIVEN an email changed in Cognito WHEN judged THEN the user is listed as changed, never removed, with both addresses masked', () => {
    const verdict = rollbackVerdict(poolUser({ email: 'lovelace@example.org' }), found(), NOW);
    assert.ok(verdict && 'changed' in verdict);
    assert.deepEqual(verdict.changed.changes, ['email-changed']);
    assert.equal(verdict.changed.userId, ID);
    assert.match(verdict.changed.detail, /lo\*\*\*@example.org.*ad\*\*\*@example.com/);
    assert.doesNotMatch(verdict.changed.detail, /lovelace|Ada@/);
  });

  it('GIVEN emails that differ only in case or spaces, and a phone stored without + WHEN judged THEN nothing changed', () => {
    const source = sourceUser({ email: ' ADA@example.com ', phone: '15551234567' });
    assert.equal(rollbackVerdict(poolUser(), found({ source }), NOW), undefined);
  });

  it('GIVEN a phone changed and the user disabled in Cognito but not banned in Supabase WHEN judged THEN both are named', () => {
    const verdict = rollbackVerdict(poolUser({ phone: '+15550000000', enabled: false }), found(), NOW);
    assert.ok(verdict && 'changed' in verdict);
    assert.deepEqual(verdict.changed.changes, ['phone-changed', 'disabled-in-cognito']);
    assert.match(verdict.changed.detail, /can sign in again/);
  });

  it('GIVEN a user disabled in Cognito and banned in Supabase WHEN judged THEN nothing is listed (Supabase refuses them too)', () => {
    const source = sourceUser({ bannedUntil: new Date('2100-01-01T00:00:00Z') });
    assert.equal(rollbackVerdict(poolUser({ enabled: false }), found({ source }), NOW), undefined);
  });

  it('GIVEN ListUsers entries WHEN read THEN the UUID comes from custom:supabase_id or the username, lower-cased, and a non-UUID is none', () => {
    const entry = {
      Username: 'ada@example.com',
      Enabled: true,
      Attributes: [
        { Name: 'sub', Value: SUB },
        { Name: 'email', Value: 'Ada@Example.com' },
        { Name: 'custom:supabase_id', Value: ID.toUpperCase() },
      ],
    };
    assert.deepEqual(rollbackPoolUser(entry, 'custom:supabase_id'), {
      username: 'ada@example.com',
      sub: SUB,
      supabaseId: ID,
      email: 'ada@example.com',
      phone: null,
      enabled: true,
    });
    assert.equal(rollbackPoolUser(entry, 'username')?.supabaseId, null);
    assert.equal(rollbackPoolUser({ ...entry, Username: ID }, 'username')?.supabaseId, ID);
    assert.equal(rollbackPoolUser({ ...entry, Enabled: false }, 'custom:supabase_id')?.enabled, false);
    assert.equal(rollbackPoolUser({ Attributes: [] }, 'custom:supabase_id'), undefined);
  });
});

describe('auth rollback --remove: only the users the plan saw', () => {
  const { config } = parseConfig(
    {
      version: 1,
      source: {
        projectUrl: 'https://abcdefghijklmnopqrst.supabase.co',
        db: { url: 'postgresql://postgres:pw@127.0.0.1:1/postgres' },
        storage: { endpoint: 'http://127.0.0.1:1', region: 'us-east-1' },
      },
      target: {
        region: 'eu-central-1',
        db: { url: 'postgresql://postgres:pw@127.0.0.1:1/aiuteur' },
        s3: {},
        cognito: { endpoint: 'http://127.0.0.1:1', userPoolId: 'eu-central-1_abc', clientId: 'client' },
      },
      auth: { userIdAttribute: 'username', maxRequestsPerSecond: 50 },
    },
    {},
  );
  assert.ok(config);

  it('GIVEN a pool of chosen usernames where a planned username now names another Cognito user WHEN applied THEN that user is skipped, the planned one deleted, a gone one counted', async () => {
    // cognito-local generates every username, so a username naming another user is only possible in pools
    // of chosen usernames (auth.userIdAttribute = username): AWS's answers, as documented, stand in.
    const other = '22222222-2222-4222-8222-222222222222';
    const pool: Record<string, string> = { [ID]: SUB, 'aaaaaaaa-0000-4000-8000-000000000000': other };
    const deleted: string[] = [];
    const client = {
      send: async (command: object) => {
        const { Username } = (command as { input: { Username: string } }).input;
        if (!(Username in pool))
          throw Object.assign(new Error('User does not exist.'), { name: 'UserNotFoundException' });
        if (command instanceof AdminGetUserCommand)
          return { Username, UserAttributes: [{ Name: 'sub', Value: pool[Username] }] };
        if (command instanceof AdminDeleteUserCommand) {
          deleted.push(Username);
          return {};
        }
        throw new Error('unexpected command');
      },
    } as unknown as CognitoIdentityProviderClient;
    const entry = (username: string, sub: string) => ({
      username,
      sub,
      userId: username,
      email: null,
      reason: 'created-in-cognito' as const,
      detail: '',
    });
    const plan: AuthRollbackPlan = {
      version: 1,
      userPoolId: 'eu-central-1_abc',
      poolUsers: 3,
      remove: [
        entry(ID, SUB),
        entry('aaaaaaaa-0000-4000-8000-000000000000', SUB),
        entry('bbbbbbbb-0000-4000-8000-000000000000', SUB),
      ],
      changed: [],
      everyone: [],
      undetectable: [],
    };
    const result = await applyAuthRollback({
      config,
      plan,
      pool: { client, userPoolId: 'eu-central-1_abc', clientId: 'client', emulator: false },
    });
    assert.deepEqual(deleted, [ID]);
    assert.deepEqual([result.removed, result.alreadyGone, result.failed], [1, 1, []]);
    assert.deepEqual(
      result.skipped.map((s) => s.why),
      [`the username now names another Cognito user (sub ${other}): plan again`],
    );
  });
});
