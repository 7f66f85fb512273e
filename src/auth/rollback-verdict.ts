/**
 * The pure half of `auth rollback`: one pool user against what Supabase has for them. A user Supabase does not
 * have is removed by `--remove`; one Supabase has, whose Cognito record says something Supabase cannot know,
 * is listed and left alone; what the pool cannot show is said, not guessed.
 */
import type { UserType } from '@aws-sdk/client-cognito-identity-provider';
import type { SourceUser } from './classify.ts';
import { emailKey, isUuid, toE164 } from './identifiers.ts';
import { maskEmail } from './plan.ts';
import { supabaseIdOf, type UserIdAttribute } from './user-id.ts';

/** Why Supabase does not have a pool user. */
export type RemoveReason = 'created-in-cognito' | 'deleted-in-supabase';

/** What a pool user's Cognito record says that Supabase does not know. */
export type ChangeKind = 'email-changed' | 'phone-changed' | 'disabled-in-cognito';

/** A pool user as the rollback sees them (from ListUsers). */
export interface RollbackPoolUser {
  username: string;
  sub: string | null;
  /** The Supabase UUID the user carries (lower-cased), or null. */
  supabaseId: string | null;
  /** `email`, lower-cased. */
  email: string | null;
  /** `phone_number` (+E.164). */
  phone: string | null;
  enabled: boolean;
}

/** What the rollback knows about a pool user besides the pool. */
export interface RollbackCounterpart {
  /** The source's auth.users row of the user's app ID, if it has one. */
  source: SourceUser | undefined;
  /** The target's auth.users row bound to the user's sub (`cognito_sub`), when the user carries no UUID. */
  boundUserId: string | undefined;
  /** Whether `auth export` wrote the user's ID to the legacy store (undefined: there is no store). */
  inLegacyStore: boolean | undefined;
}

/** A pool user Supabase does not have: removed by `auth rollback --remove`. */
export interface RollbackRemoval {
  /** The Cognito username (AdminDeleteUser's key; an email in some pools). */
  username: string;
  sub: string | null;
  /** The app's user ID (rows are keyed by it), or null when the app has none. */
  userId: string | null;
  /** Masked. */
  email: string | null;
  reason: RemoveReason;
  /** Why, and what switching back means for them. */
  detail: string;
}

/** A pool user Supabase has, whose Cognito record changed in a way Supabase cannot know: listed only. */
export interface RollbackChange {
  username: string;
  sub: string | null;
  userId: string;
  changes: ChangeKind[];
  /** What differs, and what switching back means for them. */
  detail: string;
}

export interface AuthRollbackPlan {
  version: 1;
  userPoolId: string;
  poolUsers: number;
  remove: RollbackRemoval[];
  changed: RollbackChange[];
  /** What switching back means for every user. */
  everyone: string[];
  /** What the pool cannot show, so the plan cannot list. */
  undetectable: string[];
}

export const ROLLBACK_EVERYONE = [
  'Every signed-in user signs in again: Supabase does not accept Cognito tokens.',
  'Rows the app wrote after the switch stay where they are, keyed by the user’s ID; this command removes Cognito users only.',
];

export const ROLLBACK_UNDETECTABLE = [
  'A password changed in Cognito (reset or changed in the app): Cognito never shows a password or when it changed. Such users sign in to Supabase with their old password, or reset it there.',
  'MFA set up in Cognito and identity providers linked there after the switch: Supabase knows neither.',
];

/** The rollback's view of one ListUsers entry; undefined for an entry without a username. */
export function rollbackPoolUser(user: UserType, mode: UserIdAttribute): RollbackPoolUser | undefined {
  if (!user.Username) return undefined;
  const attribute = (name: string) => user.Attributes?.find((a) => a.Name === name)?.Value ?? null;
  const id = supabaseIdOf(user, mode);
  return {
    username: user.Username,
    sub: attribute('sub'),
    supabaseId: isUuid(id) ? id.toLowerCase() : null,
    email: emailKey(attribute('email')) ?? null,
    phone: attribute('phone_number'),
    enabled: user.Enabled !== false,
  };
}

const masked = (email: string | null) => (email ? maskEmail(email) : null);

/**
 * Pure: whether switching back to Supabase leaves this pool user without a Supabase account (a removal),
 * with something Supabase does not know (a change), or as they were (undefined).
 */
export function rollbackVerdict(
  user: RollbackPoolUser,
  counterpart: RollbackCounterpart,
  now: Date,
): { remove: RollbackRemoval } | { changed: RollbackChange } | undefined {
  const userId = user.supabaseId ?? counterpart.boundUserId ?? null;
  const source = counterpart.source;
  if (!source || source.deletedAt) {
    const deleted = Boolean(source?.deletedAt);
    const exported = deleted || counterpart.inLegacyStore === true;
    const why = !userId
      ? 'created in Cognito after the switch: carries no Supabase UUID and no app user is bound to it'
      : deleted
        ? `deleted in Supabase (${userId} is soft-deleted in auth.users)`
        : exported
          ? `deleted from Supabase after \`auth export\` (${userId} is gone from auth.users)`
          : `created in Cognito after the switch: Supabase has no user ${userId}`;
    const rows = userId
      ? `; the app’s rows keyed by ${userId} stay, with nobody who can sign in as their owner`
      : '';
    return {
      remove: {
        username: user.username,
        sub: user.sub,
        userId,
        email: masked(user.email),
        reason: userId && exported ? 'deleted-in-supabase' : 'created-in-cognito',
        detail: `${why}. After switching back they cannot sign in: Supabase has no account for them${rows}.`,
      },
    };
  }
  const changes: ChangeKind[] = [];
  const what: string[] = [];
  const sourceEmail = emailKey(source.email) ?? null;
  if (user.email && user.email !== sourceEmail) {
    changes.push('email-changed');
    what.push(
      sourceEmail
        ? `email changed in Cognito to ${maskEmail(user.email)}: Supabase still has ${maskEmail(sourceEmail)}, the address they sign in with after switching back`
        : `email ${maskEmail(user.email)} added in Cognito: Supabase has none, so they cannot sign in with it after switching back`,
    );
  }
  const sourcePhone = toE164(source.phone) ?? null;
  if (user.phone && user.phone !== sourcePhone) {
    changes.push('phone-changed');
    what.push(
      sourcePhone
        ? 'phone number changed in Cognito: Supabase still has the old one, the number they sign in with after switching back'
        : 'phone number added in Cognito: Supabase has none, so they cannot sign in with it after switching back',
    );
  }
  const banned = source.bannedUntil !== null && source.bannedUntil > now;
  if (!user.enabled && !banned) {
    changes.push('disabled-in-cognito');
    what.push(
      'disabled in Cognito but not banned in Supabase: after switching back they can sign in again (ban them in Supabase if that was on purpose)',
    );
  }
  if (changes.length === 0) return undefined;
  return {
    changed: { username: user.username, sub: user.sub, userId: source.id, changes, detail: what.join('; ') },
  };
}
