/**
 * The migrate-user Lambda's brake on password guessing: a failure counter per sign-in name, with an
 * exponential lockout, kept in the legacy store's database (`sign_in_failures`, created by `auth export`).
 * Names are counted whether or not a user has them, so a lockout tells nobody which names exist.
 *
 * A name is known only by its reference: HMAC-SHA256 of the parsed name, keyed by `settings.user_ref_key`
 * (random, written once by `auth export`). Logs carry the reference, never the email or phone.
 */
import { createHmac } from 'node:crypto';
import type { SignInName } from '../identifiers.ts';
import { failuresTable, settingsTable } from '../legacy-schema.ts';

export interface LockoutPolicy {
  /** Failures allowed before the first lockout. @default 5 */
  freeFailures: number;
  /** The first lockout, doubled with each further failure. @default 60 */
  baseSeconds: number;
  /** The longest lockout. @default 3600 */
  maxSeconds: number;
  /** A name with no failure for this long starts again from zero. @default 86400 */
  windowSeconds: number;
}

const DEFAULT_LOCKOUT: LockoutPolicy = {
  freeFailures: 5,
  baseSeconds: 60,
  maxSeconds: 3600,
  windowSeconds: 86_400,
};

/** How long a name is locked after its `failures`-th failure in a row (0: not locked). */
export function lockoutSeconds(failures: number, policy: LockoutPolicy = DEFAULT_LOCKOUT): number {
  if (failures < policy.freeFailures) return 0;
  return Math.min(policy.baseSeconds * 2 ** (failures - policy.freeFailures), policy.maxSeconds);
}

/** What the handler needs from the counter (tests hand in one in memory). */
export interface SignInGuard {
  /** The non-reversible reference of a sign-in name, for the counter and the logs. */
  ref(name: SignInName, raw: string): Promise<string>;
  /** Until when the name is locked, if it is. */
  lockedUntil(ref: string, now: Date): Promise<Date | undefined>;
  /** Counts one failure; returns the failures in a row and the lockout it starts, if any. */
  recordFailure(ref: string, now: Date): Promise<{ failures: number; lockedUntil?: Date }>;
  /** Forgets the failures of a name that signed in. */
  clear(ref: string): Promise<void>;
}

/** Anything that runs a parameterised query: a pg Pool or Client. */
export interface GuardDb {
  query<R extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** Expired rows removed per failure recorded: keeps the table small under a spray of unknown names. */
const SWEEP_ROWS = 20;

export class SqlSignInGuard implements SignInGuard {
  readonly #db: GuardDb;
  readonly #schema: string;
  readonly #policy: LockoutPolicy;
  #key: Promise<string> | undefined;

  constructor(db: GuardDb, schema: string, policy: LockoutPolicy = DEFAULT_LOCKOUT) {
    this.#db = db;
    this.#schema = schema;
    this.#policy = policy;
  }

  async ref(name: SignInName, raw: string): Promise<string> {
    this.#key ??= this.#readKey().catch((error: unknown) => {
      this.#key = undefined;
      throw error;
    });
    const subject = name.by === 'unknown' ? `raw:${raw.trim().toLowerCase()}` : `${name.by}:${name.value}`;
    return createHmac('sha256', await this.#key)
      .update(subject)
      .digest('hex')
      .slice(0, 32);
  }

  async #readKey(): Promise<string> {
    const { rows } = await this.#db.query<{ value: string }>(
      `SELECT value FROM ${settingsTable(this.#schema)} WHERE name = 'user_ref_key'`,
    );
    const key = rows[0]?.value;
    if (!key)
      throw new Error(`${settingsTable(this.#schema)} has no user_ref_key: re-run supa2aws auth export`);
    return key;
  }

  async lockedUntil(ref: string, now: Date): Promise<Date | undefined> {
    const { rows } = await this.#db.query<{ locked_until: Date }>(
      `SELECT locked_until FROM ${failuresTable(this.#schema)} WHERE user_ref = $1 AND locked_until > $2`,
      [ref, now],
    );
    return rows[0]?.locked_until;
  }

  async recordFailure(ref: string, now: Date): Promise<{ failures: number; lockedUntil?: Date }> {
    const table = failuresTable(this.#schema);
    const { rows } = await this.#db.query<{ failures: number }>(
      `INSERT INTO ${table} AS f (user_ref, failures, first_failure_at, last_failure_at)
       VALUES ($1, 1, $2, $2)
       ON CONFLICT (user_ref) DO UPDATE SET
         failures = CASE WHEN f.last_failure_at < $2::timestamptz - make_interval(secs => $3) THEN 1
                         ELSE f.failures + 1 END,
         first_failure_at = CASE WHEN f.last_failure_at < $2::timestamptz - make_interval(secs => $3) THEN $2
                                 ELSE f.first_failure_at END,
         last_failure_at = $2
       RETURNING failures`,
      [ref, now, this.#policy.windowSeconds],
    );
    const failures = rows[0]?.failures ?? 1;
    const seconds = lockoutSeconds(failures, this.#policy);
    const lockedUntil = seconds > 0 ? new Date(now.getTime() + seconds * 1000) : undefined;
    if (lockedUntil) {
      await this.#db.query(`UPDATE ${table} SET locked_until = $2 WHERE user_ref = $1`, [ref, lockedUntil]);
    }
    await this.#db.query(
      `DELETE FROM ${table} WHERE user_ref IN (
         SELECT user_ref FROM ${table}
          WHERE last_failure_at < $1::timestamptz - make_interval(secs => $2)
            AND (locked_until IS NULL OR locked_until < $1)
          LIMIT ${SWEEP_ROWS})`,
      [now, this.#policy.windowSeconds],
    );
    return lockedUntil ? { failures, lockedUntil } : { failures };
  }

  async clear(ref: string): Promise<void> {
    await this.#db.query(`DELETE FROM ${failuresTable(this.#schema)} WHERE user_ref = $1`, [ref]);
  }
}
