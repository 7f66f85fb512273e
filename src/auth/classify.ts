/**
 * Sorts Supabase Auth users into kinds and says what happens to each (`auth plan`, `auth export`,
 * `auth verify`). Pure: the caller reads the rows and the set of case-duplicate emails.
 */
import { hashKind, VERIFIABLE_HASH_KINDS, type HashKind } from './hash-kind.ts';
import { emailKey, toE164 } from './identifiers.ts';

/** One `auth.users` row as the auth phase reads it, with its identities' providers. */
export interface SourceUser {
  id: string;
  email: string | null;
  phone: string | null;
  /** `encrypted_password`: a secret; never logged or reported. */
  passwordHash: string | null;
  emailConfirmedAt: Date | null;
  phoneConfirmedAt: Date | null;
  bannedUntil: Date | null;
  deletedAt: Date | null;
  isAnonymous: boolean;
  isSsoUser: boolean;
  createdAt: Date | null;
  /** Providers of `auth.identities` (email, phone, google, github, sso:…). */
  providers: string[];
  /** `provider:provider_id` of each OAuth identity, for linking in Cognito. */
  oauthIdentities: { provider: string; providerId: string }[];
}

export type UserKind =
  | 'bcrypt'
  | 'argon2'
  | 'fbscrypt'
  | 'encrypted'
  | 'unknown-hash'
  | 'oauth'
  | 'magic-link'
  | 'phone-only'
  | 'anonymous'
  | 'unconfirmed'
  | 'banned'
  | 'deleted'
  | 'sso'
  | 'case-duplicate'
  | 'no-identifier';

/**
 * What happens to a user:
 * - `lazy`: migrated by the migrate-user trigger at first sign-in with the old password;
 * - `reset`: the hash cannot be verified: migrated by the trigger on forgot-password, sets a new password;
 * - `import`: no password: created by `auth import --remaining` (provider link, reset or passwordless);
 * - `skip`: not migrated, for the reason given.
 * Users with `lazy` or `reset` who never come back are also created by `auth import --remaining`.
 */
export type Outcome = 'lazy' | 'reset' | 'import' | 'skip';

export interface Classified {
  kind: UserKind;
  hashKind: HashKind;
  outcome: Outcome;
  /** Why, for `skip` (and a hint for the others). */
  reason: string;
  /** Lower-cased email, the lookup key. */
  emailKey: string | undefined;
  /** +E.164 phone. */
  phone: string | undefined;
  emailVerified: boolean;
  phoneVerified: boolean;
}

export interface ClassifyContext {
  now: Date;
  /** Lower-cased emails held by more than one password-capable user (not SSO, not deleted, not anonymous). */
  duplicateEmails: ReadonlySet<string>;
  /** Migrate users whose email/phone was never confirmed. @default false */
  migrateUnconfirmed?: boolean;
}

/** What each kind means and what happens to it, in the order `auth plan` lists them. */
export const KIND_OUTCOMES: Record<UserKind, { outcome: Outcome; what: string }> = {
  bcrypt: { outcome: 'lazy', what: 'bcrypt password: migrated at first sign-in with the same password' },
  argon2: { outcome: 'lazy', what: 'imported argon2 hash: verified by the Lambda, same password' },
  fbscrypt: { outcome: 'lazy', what: 'imported Firebase scrypt hash: verified by the Lambda, same password' },
  encrypted: {
    outcome: 'reset',
    what: 'encrypted hash (cannot be read): migrated on forgot-password, sets a new password',
  },
  'unknown-hash': {
    outcome: 'reset',
    what: 'hash of an unknown format: migrated on forgot-password, sets a new password',
  },
  oauth: {
    outcome: 'import',
    what: 'OAuth only: created without a password by `auth import --remaining`; link the provider',
  },
  'magic-link': {
    outcome: 'import',
    what: 'magic link only: created without a password; signs in by reset or passwordless email',
  },
  'phone-only': {
    outcome: 'import',
    what: 'phone only, no password: created with the phone (+E.164); signs in by SMS code or reset',
  },
  anonymous: { outcome: 'skip', what: 'anonymous: not migrated (Cognito has no anonymous users)' },
  unconfirmed: {
    outcome: 'skip',
    what: 'never confirmed: not migrated (Supabase refuses their sign-in too); they sign up again',
  },
  banned: { outcome: 'skip', what: 'banned: not migrated while banned; re-run export after the ban ends' },
  deleted: { outcome: 'skip', what: 'soft-deleted: not migrated; their rows keep their user ID' },
  sso: { outcome: 'skip', what: 'SSO (SAML): needs a SAML identity provider in Cognito; not migrated' },
  'case-duplicate': {
    outcome: 'skip',
    what: 'email equal to another user’s except for case: the case-insensitive pool holds one; merge or rename, then re-export',
  },
  'no-identifier': { outcome: 'skip', what: 'no email and no valid phone: nothing to sign in with' },
};

function passwordKind(kind: HashKind): UserKind {
  switch (kind) {
    case 'bcrypt':
    case 'argon2':
    case 'fbscrypt':
    case 'encrypted':
      return kind;
    default:
      return 'unknown-hash';
  }
}

export function classifyUser(user: SourceUser, context: ClassifyContext): Classified {
  const email = emailKey(user.email);
  const phone = toE164(user.phone);
  const hash = hashKind(user.passwordHash);
  const emailVerified = user.emailConfirmedAt !== null && email !== undefined;
  const phoneVerified = user.phoneConfirmedAt !== null && phone !== undefined;
  const base = { hashKind: hash, emailKey: email, phone, emailVerified, phoneVerified };
  const as = (kind: UserKind, reason = KIND_OUTCOMES[kind].what): Classified => ({
    ...base,
    kind,
    outcome: KIND_OUTCOMES[kind].outcome,
    reason,
  });

  if (user.deletedAt) return as('deleted');
  if (user.isAnonymous) return as('anonymous');
  if (user.isSsoUser) return as('sso');
  if (email && context.duplicateEmails.has(email)) return as('case-duplicate');
  if (!email && !phone) return as('no-identifier');
  if (user.bannedUntil && user.bannedUntil.getTime() > context.now.getTime()) {
    return as('banned', `banned until ${user.bannedUntil.toISOString()}: not migrated while banned`);
  }
  const oauth = user.providers.some((p) => p !== 'email' && p !== 'phone' && !p.startsWith('sso'));
  const confirmed = emailVerified || phoneVerified;
  // OAuth users are confirmed by their provider; others must have confirmed an email or phone.
  if (!confirmed && !oauth && context.migrateUnconfirmed !== true) return as('unconfirmed');
  if (hash !== 'none') return as(passwordKind(hash));
  if (oauth) return as('oauth');
  if (!email) return as('phone-only');
  return as('magic-link');
}

/** Whether the migrate-user trigger may check this hash kind. */
export function isVerifiable(kind: HashKind): boolean {
  return VERIFIABLE_HASH_KINDS.includes(kind);
}
