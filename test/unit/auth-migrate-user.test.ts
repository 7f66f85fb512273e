/**
 * The migrate-user handler's decisions, with the legacy store faked in memory (the integration test runs
 * it against PostgreSQL behind cognito-local). What Cognito does with the answer is AWS behaviour we can
 * only read about: the event and response shapes here follow AWS's documentation of the trigger.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createMigrateUserHandler,
  SIGN_IN_REFUSED,
  type MigrateUserEvent,
  type MigrateUserLogEntry,
  type Queryable,
} from '../../src/auth/migrate-user/handler.ts';
import { lockoutSeconds, type SignInGuard } from '../../src/auth/migrate-user/sign-in-guard.ts';
import { createWorkLimit } from '../../src/auth/migrate-user/work-limit.ts';
import type { LegacyRow } from '../../src/auth/legacy-schema.ts';

const ALICE = '11111111-1111-4111-8111-111111111111';
const PHIL = '22222222-2222-4222-8222-222222222222';
const ENC = '33333333-3333-4333-8333-333333333333';
const COSTLY = '44444444-4444-4444-8444-444444444444';
/** A well-formed bcrypt hash of cost 31: 2^31 rounds if anyone ran it. */
const COST_31 = `$2a$31$${'a'.repeat(53)}`;

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
  row({ id: COSTLY, email: 'costly@example.com', email_key: 'costly@example.com', password_hash: COST_31 }),
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

/**
 * The failure counter in memory, with the SQL guard's policy (lockoutSeconds); the SQL itself runs against
 * PostgreSQL in test/integration/auth-migration.test.ts.
 */
function memoryGuard(): SignInGuard & { rows: Map<string, { failures: number; lockedUntil?: Date }> } {
  const rows = new Map<string, { failures: number; lockedUntil?: Date }>();
  return {
    rows,
    async ref(name, raw) {
      return `ref-${Buffer.from(name.by === 'unknown' ? raw : `${name.by}:${name.value}`).toString('hex')}`;
    },
    async lockedUntil(ref, now) {
      const until = rows.get(ref)?.lockedUntil;
      return until && until > now ? until : undefined;
    },
    async recordFailure(ref, now) {
      const failures = (rows.get(ref)?.failures ?? 0) + 1;
      const seconds = lockoutSeconds(failures);
      const lockedUntil = seconds > 0 ? new Date(now.getTime() + seconds * 1000) : undefined;
      rows.set(ref, lockedUntil ? { failures, lockedUntil } : { failures });
      return lockedUntil ? { failures, lockedUntil } : { failures };
    },
    async clear(ref) {
      rows.delete(ref);
    },
  };
}

function setup(
  options: {
    mode?: 'custom:supabase_id' | 'username';
    now?: Date | (() => Date);
    workLimit?: ReturnType<typeof createWorkLimit>;
  } = {},
) {
  const calls = { verify: 0, dummy: 0 };
  const logs: MigrateUserLogEntry[] = [];
  const guard = memoryGuard();
  const clock = options.now;
  const handler = createMigrateUserHandler({
    db,
    userIdAttribute: options.mode ?? 'custom:supabase_id',
    now: typeof clock === 'function' ? clock : () => clock ?? new Date('2026-01-01'),
    log: (e) => logs.push(e),
    guard,
    ...(options.workLimit ? { workLimit: options.workLimit } : {}),
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
  return { handler, calls, logs, guard };
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

  it('refuses a wrong password with the one refusal message', async () => {
    const { handler, calls } = setup();
    await assert.rejects(handler(event('UserMigration_Authentication', 'alice@example.com', 'nope')), {
      message: SIGN_IN_REFUSED,
    });
    assert.deepEqual(calls, { verify: 1, dummy: 0 });
  });

  it('refuses an unknown user with the same message after the same one password check', async () => {
    for (const name of ['nobody@example.com', '+19999999999', 'not-an-identifier', 'enc@example.com']) {
      const { handler, calls } = setup();
      await assert.rejects(handler(event('UserMigration_Authentication', name, 'pw')), {
        message: SIGN_IN_REFUSED,
      });
      assert.deepEqual(calls, { verify: 0, dummy: 1 }, name);
    }
  });

  it('refuses a user banned since the export', async () => {
    rows[0]!.banned_until = new Date('2030-01-01');
    try {
      const { handler, calls } = setup();
      await assert.rejects(handler(event('UserMigration_Authentication', 'alice@example.com', 'alice-pw')), {
        message: SIGN_IN_REFUSED,
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
      logs.map((l) => [l.result, l.reason]),
      [
        ['migrated', undefined],
        ['refused', 'bad-password'],
      ],
    );
    for (const secret of ['alice@example.com', 'alice-pw', 'wrong', 'HASH:'])
      assert.ok(!text.includes(secret), secret);
  });
});

describe('migrate-user handler: refusals cannot be told apart', () => {
  const long = 'x'.repeat(1025);
  const cases: { name: string; trigger: string; user: string; password?: string; reason: string }[] = [
    {
      name: 'wrong password',
      trigger: 'UserMigration_Authentication',
      user: 'alice@example.com',
      password: 'nope',
      reason: 'bad-password',
    },
    {
      name: 'unknown user',
      trigger: 'UserMigration_Authentication',
      user: 'nobody@example.com',
      password: 'nope',
      reason: 'unknown-user',
    },
    {
      name: 'no password to check',
      trigger: 'UserMigration_Authentication',
      user: 'enc@example.com',
      password: 'nope',
      reason: 'not-password-user',
    },
    {
      name: 'known user, password over 1024 bytes',
      trigger: 'UserMigration_Authentication',
      user: 'alice@example.com',
      password: long,
      reason: 'password-too-long',
    },
    {
      name: 'unknown user, password over 1024 bytes',
      trigger: 'UserMigration_Authentication',
      user: 'nobody@example.com',
      password: long,
      reason: 'unknown-user',
    },
    {
      name: 'bcrypt cost 31',
      trigger: 'UserMigration_Authentication',
      user: 'costly@example.com',
      password: 'pw',
      reason: 'bcrypt-cost-out-of-range',
    },
    {
      name: 'reset of an unknown user',
      trigger: 'UserMigration_ForgotPassword',
      user: 'nobody@example.com',
      reason: 'unknown-user',
    },
  ];
  for (const c of cases) {
    it(`${c.name}: the one message, one password check, reason in the log only`, async () => {
      const { handler, calls, logs } = setup();
      await assert.rejects(handler(event(c.trigger, c.user, c.password)), (error: Error) => {
        assert.equal(error.message, SIGN_IN_REFUSED);
        return true;
      });
      // The real check for a wrong password; the dummy of the same cost on every other path.
      assert.deepEqual(
        calls,
        c.reason === 'bad-password' ? { verify: 1, dummy: 0 } : { verify: 0, dummy: 1 },
      );
      assert.equal(logs.at(-1)?.reason, c.reason);
      assert.equal(logs.at(-1)?.refused, 1);
      assert.match(logs.at(-1)?.userRef ?? '', /^ref-/);
    });
  }

  it('runs the dummy check on a granted reset too, so granted and refused resets cost the same', async () => {
    const { handler, calls } = setup();
    await handler(event('UserMigration_ForgotPassword', 'alice@example.com'));
    assert.deepEqual(calls, { verify: 0, dummy: 1 });
  });

  it('logs a reference of the name, the same for every spelling, never the name', async () => {
    const { handler, logs } = setup();
    await handler(event('UserMigration_Authentication', 'ALICE@example.com', 'x')).catch(() => undefined);
    await handler(event('UserMigration_Authentication', ' alice@EXAMPLE.com', 'y')).catch(() => undefined);
    assert.equal(logs[0]!.userRef, logs[1]!.userRef);
    assert.ok(!JSON.stringify(logs).toLowerCase().includes('alice@example.com'));
  });
});

describe('migrate-user handler: failure counter and lockout', () => {
  it('locks a name after 5 failures in a row, refuses even the right password while locked, then lets it in', async () => {
    let clock = new Date('2026-01-01T00:00:00Z');
    const { handler, calls, logs } = setup({ now: () => clock });
    for (let i = 1; i <= 5; i++) {
      await assert.rejects(
        handler(event('UserMigration_Authentication', 'alice@example.com', `guess-${i}`)),
        {
          message: SIGN_IN_REFUSED,
        },
      );
    }
    assert.deepEqual(
      logs.map((l) => l.failures),
      [1, 2, 3, 4, 5],
    );
    assert.equal(logs.at(-1)?.locked, 1);
    assert.equal(logs.at(-1)?.lockedUntil, '2026-01-01T00:01:00.000Z');
    calls.verify = 0;
    calls.dummy = 0;
    await assert.rejects(handler(event('UserMigration_Authentication', 'alice@example.com', 'alice-pw')), {
      message: SIGN_IN_REFUSED,
    });
    assert.deepEqual(calls, { verify: 0, dummy: 1 }, 'the same cost while locked, and no real check');
    assert.equal(logs.at(-1)?.reason, 'locked');
    clock = new Date('2026-01-01T00:01:01Z');
    const out = await handler(event('UserMigration_Authentication', 'alice@example.com', 'alice-pw'));
    assert.equal(out.response.finalUserStatus, 'CONFIRMED');
  });

  it('counts unknown names too, so a lockout does not tell which names exist', async () => {
    const { handler, logs } = setup();
    for (let i = 0; i < 5; i++)
      await handler(event('UserMigration_Authentication', 'nobody@example.com', 'x')).catch(() => undefined);
    assert.equal(logs.at(-1)?.locked, 1);
  });

  it('backs off exponentially up to an hour', () => {
    assert.deepEqual(
      [4, 5, 6, 7, 11, 12, 50].map((n) => lockoutSeconds(n)),
      [0, 60, 120, 240, 3600, 3600, 3600],
    );
  });

  it('refuses with the same message when too many checks are already waiting', async () => {
    const { handler, logs } = setup({ workLimit: createWorkLimit({ maxRunning: 1, maxWaiting: 0 }) });
    const results = await Promise.allSettled([
      handler(event('UserMigration_Authentication', 'alice@example.com', 'alice-pw')),
      handler(event('UserMigration_Authentication', 'alice@example.com', 'alice-pw')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected'],
    );
    assert.equal((results[1] as PromiseRejectedResult).reason.message, SIGN_IN_REFUSED);
    assert.ok(logs.some((l) => l.reason === 'busy'));
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
    assert.deepEqual(calls, { verify: 0, dummy: 1 });
  });

  it('refuses unknown users', async () => {
    const { handler } = setup();
    await assert.rejects(handler(event('UserMigration_ForgotPassword', 'nobody@example.com')), {
      message: SIGN_IN_REFUSED,
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
