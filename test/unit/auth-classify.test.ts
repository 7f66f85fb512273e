import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyUser, KIND_OUTCOMES, type SourceUser } from '../../src/auth/classify.ts';
import { emailKey, parseSignInName, toE164 } from '../../src/auth/identifiers.ts';
import { attributeList, cognitoAttributes, supabaseIdOf } from '../../src/auth/user-id.ts';

const BCRYPT = '$2a$10$abcdefghijklmnopqrstuuJ0Vq8Yb4mXz1Zk5l6m7n8o9p0q1r2s3';
const now = new Date('2026-01-01T00:00:00Z');
const ctx = { now, duplicateEmails: new Set<string>() };

function user(overrides: Partial<SourceUser> = {}): SourceUser {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    email: 'alice@example.com',
    phone: null,
    passwordHash: BCRYPT,
    emailConfirmedAt: new Date('2024-01-01'),
    phoneConfirmedAt: null,
    bannedUntil: null,
    deletedAt: null,
    isAnonymous: false,
    isSsoUser: false,
    createdAt: new Date('2024-01-01'),
    providers: ['email'],
    oauthIdentities: [],
    ...overrides,
  };
}

describe('identifiers', () => {
  it('normalises Supabase phones (no +) and typed ones to +E.164', () => {
    assert.equal(toE164('15555550123'), '+15555550123');
    assert.equal(toE164('+1 (555) 555-0123'), '+15555550123');
    assert.equal(toE164('0044 20 7946 0000'), '+442079460000');
    assert.equal(toE164('123'), undefined);
    assert.equal(toE164('+0123456789'), undefined);
    assert.equal(toE164(''), undefined);
  });

  it('lower-cases emails and tells sign-in names apart', () => {
    assert.equal(emailKey(' Frank.Case@Example.com '), 'frank.case@example.com');
    assert.deepEqual(parseSignInName('Frank.Case@Example.com'), {
      by: 'email',
      value: 'frank.case@example.com',
    });
    assert.deepEqual(parseSignInName('+15555550123'), { by: 'phone', value: '+15555550123' });
    assert.deepEqual(parseSignInName('15555550123'), { by: 'phone', value: '+15555550123' });
    assert.deepEqual(parseSignInName('11111111-1111-4111-8111-111111111111'), {
      by: 'id',
      value: '11111111-1111-4111-8111-111111111111',
    });
    assert.deepEqual(parseSignInName('someone'), { by: 'unknown' });
  });
});

describe('classifyUser', () => {
  it('sorts every kind the fixture has and says what happens', () => {
    const cases: [Partial<SourceUser>, string, string][] = [
      [{}, 'bcrypt', 'lazy'],
      [{ passwordHash: '$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo' }, 'argon2', 'lazy'],
      [{ passwordHash: '$fbscrypt$v=1,n=14,r=8,p=1,ss=Bw==,sk=abc=$c2FsdA==$aGFzaA==' }, 'fbscrypt', 'lazy'],
      [{ passwordHash: '{"key_id":"k","alg":"aes-gcm-hkdf","nonce":"n","data":"d"}' }, 'encrypted', 'reset'],
      [{ passwordHash: 'md5:abc' }, 'unknown-hash', 'reset'],
      [
        {
          passwordHash: '',
          providers: ['google'],
          oauthIdentities: [{ provider: 'google', providerId: '1' }],
        },
        'oauth',
        'import',
      ],
      [{ passwordHash: '' }, 'magic-link', 'import'],
      [
        { email: null, phone: '15555550123', passwordHash: '', phoneConfirmedAt: now, providers: ['phone'] },
        'phone-only',
        'import',
      ],
      [{ email: null, phone: '15555550123', phoneConfirmedAt: now, providers: ['phone'] }, 'bcrypt', 'lazy'],
      [{ email: null, passwordHash: null, isAnonymous: true, providers: [] }, 'anonymous', 'skip'],
      [{ emailConfirmedAt: null }, 'unconfirmed', 'skip'],
      [{ bannedUntil: new Date('2126-01-01') }, 'banned', 'skip'],
      [{ bannedUntil: new Date('2025-01-01') }, 'bcrypt', 'lazy'],
      [{ deletedAt: new Date('2025-01-01') }, 'deleted', 'skip'],
      [{ isSsoUser: true, passwordHash: '', providers: ['sso:abc'] }, 'sso', 'skip'],
      [{ email: null, phone: null }, 'no-identifier', 'skip'],
    ];
    for (const [overrides, kind, outcome] of cases) {
      const c = classifyUser(user(overrides), ctx);
      assert.equal(c.kind, kind, JSON.stringify(overrides));
      assert.equal(c.outcome, outcome, JSON.stringify(overrides));
      assert.equal(KIND_OUTCOMES[c.kind].outcome, c.outcome);
    }
  });

  it('marks emails equal except for case (not SSO ones) and keeps the phone in +E.164', () => {
    const duplicates = new Set(['frank.case@example.com']);
    const c = classifyUser(user({ email: 'Frank.Case@Example.com' }), { now, duplicateEmails: duplicates });
    assert.equal(c.kind, 'case-duplicate');
    assert.equal(c.outcome, 'skip');
    const single = classifyUser(user({ email: 'Frank.Case@Example.com' }), ctx);
    assert.equal(single.emailKey, 'frank.case@example.com');
    const phone = classifyUser(user({ email: null, phone: '15555550123', phoneConfirmedAt: now }), ctx);
    assert.equal(phone.phone, '+15555550123');
    assert.equal(phone.phoneVerified, true);
    assert.equal(phone.emailVerified, false);
  });

  it('migrates unconfirmed users only when configured', () => {
    const c = classifyUser(user({ emailConfirmedAt: null }), { ...ctx, migrateUnconfirmed: true });
    assert.equal(c.kind, 'bcrypt');
    assert.equal(c.emailVerified, false);
  });
});

describe('Cognito attributes of a migrated user', () => {
  const source = {
    id: '11111111-1111-4111-8111-111111111111',
    email: 'Frank.Case@Example.com',
    emailVerified: true,
    phone: '+15555550123',
    phoneVerified: false,
  };

  it('carry the UUID in custom:supabase_id, email lower-cased, verified flags as in Supabase', () => {
    assert.deepEqual(cognitoAttributes(source, 'custom:supabase_id'), {
      email: 'frank.case@example.com',
      email_verified: 'true',
      phone_number: '+15555550123',
      phone_number_verified: 'false',
      'custom:supabase_id': source.id,
    });
  });

  it('or as the username (alias pools), which never becomes a UserAttributes entry', () => {
    const attributes = cognitoAttributes(source, 'username');
    assert.equal(attributes.username, source.id);
    assert.equal(attributes['custom:supabase_id'], undefined);
    assert.ok(!attributeList(attributes).some((a) => a.Name === 'username'));
  });

  it('never set sub: Cognito chooses it (and cognito-local would keep one we sent)', () => {
    for (const mode of ['username', 'custom:supabase_id'] as const) {
      assert.ok(!('sub' in cognitoAttributes(source, mode)));
    }
  });

  it('read the UUID back from a pool user', () => {
    const poolUser = {
      Username: 'a1b2c3d4-0000-4000-8000-000000000000', // generated by Cognito in email-username pools
      Attributes: [
        { Name: 'sub', Value: 'a1b2c3d4-0000-4000-8000-000000000000' },
        { Name: 'custom:supabase_id', Value: source.id },
      ],
    };
    assert.equal(supabaseIdOf(poolUser, 'custom:supabase_id'), source.id);
    assert.equal(supabaseIdOf(poolUser, 'username'), poolUser.Username);
  });
});
