/**
 * The legacy credential store's table, shared by `auth export` (which writes it as the target's owner)
 * and the migrate-user Lambda (which reads it as the dedicated role). Pure; bundled into the Lambda.
 */
import { quoteIdent } from '../core/sql-quote.ts';

/** `"<schema>".users`: one row per Supabase user, whatever their kind. */
export function legacyTable(schema: string): string {
  return `${quoteIdent(schema)}.users`;
}

/**
 * `"<schema>".sign_in_failures`: the migrate-user Lambda's failure counter, one row per sign-in name seen
 * failing (known or not), keyed by its non-reversible reference (sign-in-guard.ts). The Lambda reads and
 * writes it.
 */
export function failuresTable(schema: string): string {
  return `${quoteIdent(schema)}.sign_in_failures`;
}

/** `"<schema>".settings`: the store's own settings; `user_ref_key` keys the references in logs. */
export function settingsTable(schema: string): string {
  return `${quoteIdent(schema)}.settings`;
}

/** A row as the Lambda reads it. `password_hash` is a secret: never logged, printed or reported. */
export interface LegacyRow {
  id: string;
  email: string | null;
  email_key: string | null;
  phone: string | null;
  password_hash: string | null;
  hash_kind: string;
  kind: string;
  outcome: string;
  email_confirmed: boolean;
  phone_confirmed: boolean;
  banned_until: Date | null;
}

export const LEGACY_READ_COLUMNS =
  'id, email, email_key, phone, password_hash, hash_kind, kind, outcome, email_confirmed, phone_confirmed, banned_until';
