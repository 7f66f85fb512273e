/**
 * The target pool checks, on DescribeUserPool / DescribeUserPoolClient shapes of a real Cognito pool
 * (what cognito-local cannot show: SRP never fires the migrate-user trigger, so the client must allow
 * USER_PASSWORD_AUTH; case sensitivity; the trigger attached to the pool).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UserPoolClientType, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { checkPool } from '../../src/auth/pool-checks.ts';

const goodPool: UserPoolType = {
  Id: 'us-east-1_AbCdEf123',
  UsernameAttributes: ['email', 'phone_number'],
  UsernameConfiguration: { CaseSensitive: false },
  SchemaAttributes: [{ Name: 'custom:supabase_id', AttributeDataType: 'String', Mutable: false }],
  LambdaConfig: { UserMigration: 'arn:aws:lambda:us-east-1:123456789012:function:migrate-user' },
  AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
};
const goodClient: UserPoolClientType = {
  ClientId: 'abc',
  ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  WriteAttributes: ['email', 'name'],
};

function statuses(
  pool: UserPoolType,
  client: UserPoolClientType,
  extra: Partial<Parameters<typeof checkPool>[0]> = {},
) {
  return Object.fromEntries(
    checkPool({ pool, client, mode: 'custom:supabase_id', emulator: false, phoneUsers: true, ...extra }).map(
      (c) => [c.name, c.status],
    ),
  );
}

describe('checkPool', () => {
  it('passes a pool built for the migration', () => {
    const s = statuses(goodPool, goodClient);
    assert.ok(
      Object.values(s).every((v) => v === 'pass'),
      JSON.stringify(s),
    );
  });

  it('fails a client with SRP only: the trigger never fires on SRP', () => {
    const s = statuses(goodPool, {
      ...goodClient,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    });
    assert.equal(s['ALLOW_USER_PASSWORD_AUTH on the app client'], 'fail');
  });

  it('fails a case-sensitive pool (it cannot be changed later) and one without email sign-in', () => {
    assert.equal(
      statuses({ ...goodPool, UsernameConfiguration: { CaseSensitive: true } }, goodClient)[
        'case-insensitive usernames'
      ],
      'fail',
    );
    assert.equal(
      statuses({ ...goodPool, UsernameConfiguration: undefined }, goodClient)['case-insensitive usernames'],
      'fail',
    );
    assert.equal(
      statuses({ ...goodPool, UsernameAttributes: ['phone_number'] }, goodClient)['sign-in by email'],
      'fail',
    );
  });

  it('fails a mutable or missing UUID attribute, and one the app client may write', () => {
    const mutable = { ...goodPool, SchemaAttributes: [{ Name: 'custom:supabase_id', Mutable: true }] };
    assert.equal(statuses(mutable, goodClient)['Supabase UUID attribute'], 'fail');
    assert.equal(
      statuses({ ...goodPool, SchemaAttributes: [] }, goodClient)['Supabase UUID attribute'],
      'fail',
    );
    assert.equal(
      statuses(goodPool, { ...goodClient, WriteAttributes: undefined })[
        'UUID attribute not writable by the app client'
      ],
      'fail',
    );
  });

  it('in username mode needs usernames that can be chosen (alias attributes)', () => {
    const alias: UserPoolType = {
      ...goodPool,
      UsernameAttributes: undefined,
      AliasAttributes: ['email', 'phone_number'],
    };
    assert.equal(statuses(alias, goodClient, { mode: 'username' })['Supabase UUID attribute'], 'pass');
    assert.equal(statuses(goodPool, goodClient, { mode: 'username' })['Supabase UUID attribute'], 'fail');
  });

  it('fails a pool without the trigger and warns about open self sign-up', () => {
    const s = statuses(
      { ...goodPool, LambdaConfig: {}, AdminCreateUserConfig: { AllowAdminCreateUserOnly: false } },
      goodClient,
    );
    assert.equal(s['migrate-user trigger attached'], 'fail');
    assert.equal(s['self sign-up disabled during the window'], 'warn');
  });

  it('in username mode refuses open self sign-up: a sign-up could choose a pending user’s UUID', () => {
    const open: UserPoolType = {
      ...goodPool,
      UsernameAttributes: undefined,
      AliasAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
    };
    assert.equal(
      statuses(open, goodClient, { mode: 'username' })['self sign-up disabled during the window'],
      'fail',
    );
    const closed: UserPoolType = { ...open, AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } };
    assert.equal(
      statuses(closed, goodClient, { mode: 'username' })['self sign-up disabled during the window'],
      'pass',
    );
  });

  it('reports what cognito-local cannot tell as unknown, never pass', () => {
    const s = statuses({ ...goodPool, LambdaConfig: {} }, goodClient, { emulator: true });
    assert.equal(s['case-insensitive usernames'], 'unknown');
    assert.equal(s['migrate-user trigger attached'], 'unknown');
    assert.equal(s['self sign-up disabled during the window'], 'unknown');
  });
});
