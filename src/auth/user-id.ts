/**
 * Where the Supabase UUID lives in Cognito, and the attributes a migrated user gets.
 *
 * Decision: `custom:supabase_id`, an immutable (Mutable: false) custom attribute, is the default.
 * - Cognito's `sub` cannot be chosen, so the UUID needs a home. A Cognito *username* can only be chosen
 *   when email and phone are alias attributes; with email/phone as *username* attributes (the
 *   console's and CDK `signInAliases`' usual shape, and the only shape whose email sign-in cognito-local
 *   emulates) Cognito generates the username itself, both on the migrate-user trigger and on
 *   AdminCreateUser. A custom attribute is set the same way on both routes, in every pool shape, and
 *   `Mutable: false` means nobody can change it after the user is created.
 * - Its one cost: access tokens do not carry custom attributes (ID tokens do). The backend therefore
 *   maps `sub` → UUID through `auth.users.cognito_sub`, which `auth import` and `auth verify` fill from
 *   the pool and the resolver (packages/runtime/src/auth/cognito-user-resolver.ts) records on first sight.
 * - The app client must not be allowed to write it (WriteAttributes), or a self sign-up could claim
 *   someone's UUID: `auth plan` checks that.
 * `username` stays supported for pools built with alias attributes (the access token's `username` is then
 * the UUID itself).
 */
import type { AuthConfig } from './config.ts';

export type UserIdAttribute = AuthConfig['userIdAttribute'];

export const SUPABASE_ID_ATTRIBUTE = 'custom:supabase_id';

/** The fields of a legacy-store row that become Cognito attributes. */
export interface AttributeSource {
  id: string;
  email: string | null;
  emailVerified: boolean;
  /** +E.164 */
  phone: string | null;
  phoneVerified: boolean;
}

/**
 * The attributes Cognito stores for a migrated user: email and phone with their verified flags as in
 * Supabase, and the UUID in `custom:supabase_id` or as the username (the migrate-user response's
 * `username` attribute sets the new user's username in alias pools).
 */
export function cognitoAttributes(user: AttributeSource, mode: UserIdAttribute): Record<string, string> {
  const out: Record<string, string> = {};
  if (user.email) {
    out.email = user.email.toLowerCase();
    out.email_verified = user.emailVerified ? 'true' : 'false';
  }
  if (user.phone) {
    out.phone_number = user.phone;
    out.phone_number_verified = user.phoneVerified ? 'true' : 'false';
  }
  if (mode === 'username') out.username = user.id;
  else out[SUPABASE_ID_ATTRIBUTE] = user.id;
  return out;
}

/** The same as AdminCreateUser's `UserAttributes` list (no `username`: that is the Username parameter). */
export function attributeList(attributes: Record<string, string>): { Name: string; Value: string }[] {
  return Object.entries(attributes)
    .filter(([name]) => name !== 'username')
    .map(([Name, Value]) => ({ Name, Value }));
}

/** The Supabase UUID a pool user carries, from its attributes (custom mode) or its username. */
export function supabaseIdOf(
  user: { Username?: string | undefined; Attributes?: { Name?: string; Value?: string }[] | undefined },
  mode: UserIdAttribute,
): string | undefined {
  if (mode === 'username') return user.Username;
  return user.Attributes?.find((a) => a.Name === SUPABASE_ID_ATTRIBUTE)?.Value;
}
