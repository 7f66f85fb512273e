/**
 * The migrate-user handler's decisions, with the legacy store faked in memory (the integration test runs
 * it against PostgreSQL behind cognito-local). What Cognito does with the answer is AWS behaviour we can
 * only read about: the event and response shapes here follow AWS's documentation of the trigger.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BAD_PASSWORD,
  createMigrateUserHandler,
  USER_NOT_FOUND,
  type MigrateUserEvent,
  type MigrateUserLogEntry,
  type Queryable,
} from '../../src/auth/migrate-user/handler.ts';
import type { LegacyRow } from '../../src/auth/legacy-schema.ts';

const ALICE = '11111111-1111-4111-8111-111111111111';
const PHIL = '22222222-2222-4222-8222-222222222222';
const ENC = '33333333-3333-4333-8333-333333333333';

function row(overrides: Partial<LegacyRow>): LegacyRow {
  return {
    id: ALICE,
    email: 'Alice@Example.com',
    email_key: 'alice@example.com',
    phone: null,
    password_hash: 'HASH:alice-pw',
    hash_kind: 'bcrypt',
    kind: 'bcrypt',
    outcome: 'lazy',
    email_confirmed: true,
    phone_confirmed: false,
    banned_until: null,
    ...overrides,
  };
}

const rows = [
  row({}),
  row({
    id: PHIL,
    email: null,
    email_key: null,
    phone: '+15555550123',
    password_hash: 'HASH:phil-pw',
    phone_confirmed: true,
    email_confirmed: false,
  }),
  row({
    id: ENC,
    email: 'enc@example.com',
    email_key: 'enc@example.com',
    password_hash: null,
    hash_kind: 'encrypted',
    kind: 'encrypted',
    outcome: 'reset',
  }),
];

/** The store, answering the handler's one query shape: `… outcome IN ('lazy','reset') AND <column> = $1`. */
const db: Queryable = {
  async query<R>(text: string, values?: unknown[]) {
    const column = /AND (\w+) = \$1/.exec(text)?.[1] as keyof LegacyRow;
    assert.match(text, /outcome IN \('lazy', 'reset'\)/);
    return {
      rows: rows.filter((r) => ['lazy', 'reset'].includes(r.outcome) && r[column] === values?.[0]) as R[],
    };
  },
};

function setup(options: { mode?: 'custom:supabase_id' | 'username'; now?: Date } = {}) {
  const calls = { verify: 0, dummy: 0 };
  const logs: MigrateUserLogEntry[] = [];
  const handler = createMigrateUserHandler({
    db,
    userIdAttribute: options.mode ?? 'custom:supabase_id',
    now: () => options.now ?? new Date('2026-01-01'),
    log: (e) => logs.push(e),
    passwords: {
      async verify(hash, password) {
        calls.verify++;
        return hash === `HASH:${password}`;
      },
      async dummy() {
        calls.dummy++;
        return false;
      },
    },
  });
  return { handler, calls, logs };
}

function event(triggerSource: string, userName: string, password?: string): MigrateUserEvent {
  return {
    version: '1',
    triggerSource,
    region: 'us-east-1',
    userPoolId: 'us-east-1_Example',
    userName,
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'client' },
    request: password === undefined ? {} : { password },
    response: {},
  };
}

describe('migrate-user handler: UserMigration_Authentication', () => {
  it('finds the user by email whatever its case and answers as Cognito expects', async () => {
    const { handler, calls } = setup();
    const out = await handler(event('UserMigration_Authentication', 'ALICE@example.COM', 'alice-pw'));
    assert.deepEqual(out.response, {
      userAttributes: {
        email: 'alice@example.com',
        email_verified: 'true',
        'custom:supabase_id': ALICE,
      },
      finalUserStatus: 'CONFIRMED',
      messageAction: 'SUPPRESS',
    });
    assert.deepEqual(calls, { verify: 1, dummy: 0 });
  });

  it('finds a phone-only user by phone, typed with or without +', async () => {
    const { handler } = setup();
    for (const typed of ['+15555550123', '15555550123']) {
      const out = await handler(event('UserMigration_Authentication', typed, 'phil-pw'));
      assert.deepEqual(out.response.userAttributes, {
        phone_number: '+15555550123',
        phone_number_verified: 'true',
        'custom:supabase_id': PHIL,
      });
    }
  });

  it('in username mode returns the UUID as `username` (sets the username in alias pools)', async () => {
    const { handler } = setup({ mode: 'username' });
    const out = await handler(event('UserMigration_Authentication', 'alice@example.com', 'alice-pw'));
    assert.equal(out.response.userAttributes?.username, ALICE);
    assert.equal(out.response.userAttributes?.['custom:supabase_id'], undefined);
  });

  it('refuses a wrong password with "Bad password"', async () => {
    const { handler, calls } = setup();
    await assert.rejects(handler(event('UserMigration_Authentication', 'alice@example.com', 'nope')), {
      message: BAD_PASSWORD,
    });
    assert.deepEqual(calls, { verify: 1, dummy: 0 });
  });

  it('refuses an unknown user with "User not found" after the same one password check', async () => {
    for (const name of ['nobody@example.com', '+19999999999', 'not-an-identifier', 'enc@example.com']) {
      const { handler, calls } = setup();
      await assert.rejects(handler(event('UserMigration_Authentication', name, 'pw')), {
        message: USER_NOT_FOUND,
      });
      assert.deepEqual(calls, { verify: 0, dummy: 1 }, name);
    }
  });

  it('refuses a user banned since the export', async () => {
    rows[0]!.banned_until = new Date('2030-01-01');
    try {
      const { handler, calls } = setup();
      await assert.rejects(handler(event('UserMigration_Authentication', 'alice@example.com', 'alice-pw')), {
        message: USER_NOT_FOUND,
      });
      assert.deepEqual(calls, { verify: 0, dummy: 1 });
    } finally {
      rows[0]!.banned_until = null;
    }
  });

  it('logs the outcome only: no user name, password or hash', async () => {
    const { handler, logs } = setup();
    await handler(event('UserMigration_Authentication', 'alice@example.com', 'alice-pw'));
    await handler(event('UserMigration_Authentication', 'alice@example.com', 'wrong')).catch(() => undefined);
    const text = JSON.stringify(logs);
    assert.deepEqual(
      logs.map((l) => l.result),
      ['migrated', 'bad-password'],
    );
    for (const secret of ['alice@example.com', 'alice-pw', 'wrong', 'HASH:'])
      assert.ok(!text.includes(secret), secret);
  });
});

describe('migrate-user handler: UserMigration_ForgotPassword', () => {
  it('returns the attributes without a password check, for verifiable and unverifiable hashes', async () => {
    const { handler, calls } = setup();
    const out = await handler(event('UserMigration_ForgotPassword', 'enc@example.com'));
    assert.deepEqual(out.response, {
      userAttributes: { email: 'enc@example.com', email_verified: 'true', 'custom:supabase_id': ENC },
      messageAction: 'SUPPRESS',
    });
    assert.equal(out.response.finalUserStatus, undefined);
    assert.deepEqual(calls, { verify: 0, dummy: 0 });
  });

  it('refuses unknown users', async () => {
    const { handler } = setup();
    await assert.rejects(handler(event('UserMigration_ForgotPassword', 'nobody@example.com')), {
      message: USER_NOT_FOUND,
    });
  });
});

describe('migrate-user handler: other triggers', () => {
  it('refuses them', async () => {
    const { handler } = setup();
    await assert.rejects(handler(event('PreSignUp_SignUp', 'alice@example.com', 'x')), /Bad triggerSource/);
  });
});

describe('the Lambda’s database settings', () => {
  it('take DATABASE_URL, with TLS verified unless the host is loopback', async () => {
    const { legacyDbConfig } = await import('../../src/auth/migrate-user/legacy-db.ts');
    const local = await legacyDbConfig({ DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/db' });
    assert.equal(local.ssl, false);
    const rds = await legacyDbConfig({
      DATABASE_URL: 'postgresql://u:p@db.abc.us-east-1.rds.amazonaws.com/db',
    });
    assert.deepEqual(rds.ssl, { rejectUnauthorized: true });
    assert.equal(rds.max, 1);
  });

  it('read an RDS-style Secrets Manager secret named by LEGACY_DB_SECRET_ARN', async () => {
    const { legacyDbConfig } = await import('../../src/auth/migrate-user/legacy-db.ts');
    const asked: string[] = [];
    const config = await legacyDbConfig(
      {
        LEGACY_DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x',
        AWS_REGION: 'us-east-1',
        LEGACY_DB_SSL: 'require',
      },
      {
        readSecret: async (arn, region) => {
          asked.push(`${arn} ${region}`);
          return {
            username: 'supa2aws_migrate_user',
            password: 'pw',
            host: 'db.internal',
            port: 5432,
            dbname: 'aiuteur',
          };
        },
      },
    );
    assert.deepEqual(asked, ['arn:aws:secretsmanager:us-east-1:123456789012:secret:x us-east-1']);
    assert.equal(config.host, 'db.internal');
    assert.equal(config.user, 'supa2aws_migrate_user');
    assert.equal(config.database, 'aiuteur');
    assert.deepEqual(config.ssl, { rejectUnauthorized: false });
    await assert.rejects(legacyDbConfig({}), /DATABASE_URL or LEGACY_DB_SECRET_ARN/);
  });
});
