/**
 * The migrate-user Lambda trigger (bundled by the infra stack with esbuild from exactly this path).
 *
 * Cognito calls it when someone who is not in the pool yet signs in over USER_PASSWORD_AUTH (or
 * ADMIN_USER_PASSWORD_AUTH) or asks for a password reset. It finds the Supabase user in the legacy
 * credential store by email (case-insensitive) or phone (+E.164), checks the password against the old
 * hash (bcrypt; argon2 and Firebase scrypt where present), and hands Cognito the user: email,
 * email_verified as in Supabase, phone_number in +E.164, the Supabase UUID (src/auth/user-id.ts),
 * CONFIRMED, no welcome message.
 *
 * Every refusal looks the same from outside — a wrong password, an unknown user, a banned one, a password
 * over 1024 bytes, a bcrypt cost outside 4–14, a locked name, a refused reset: one message
 * (SIGN_IN_REFUSED, Cognito's own), one code path, and one password check of the same cost (a dummy bcrypt
 * at cost 10 when there is no real one to run), so neither the answer nor its timing says which users exist.
 * Failures are counted per sign-in name in the legacy store (sign-in-guard.ts): after 5 in a row the name is
 * locked for 1 minute, doubling to 1 hour. At most 2 password checks run at once per instance (work-limit.ts).
 *
 * One JSON log line per invocation: the outcome, and for a refusal its reason, the name's non-reversible
 * reference (`userRef`), the failures in a row and `refused: 1` (`locked: 1` when a lockout starts) for a
 * CloudWatch metric filter and alarm. Never the user name, the password or the hash.
 *
 * Environment: DATABASE_URL or LEGACY_DB_SECRET_ARN (+ LEGACY_DB_SSL, LEGACY_DB_CA_FILE, see
 * legacy-db.ts); LEGACY_SCHEMA (default supa2aws_legacy_auth); USER_ID_ATTRIBUTE
 * (custom:supabase_id | username, default custom:supabase_id).
 */
import pg from 'pg';
import { bcryptCostOutOfRange } from '../hash-kind.ts';
import { parseSignInName, type SignInName } from '../identifiers.ts';
import { legacyTable, LEGACY_READ_COLUMNS, type LegacyRow } from '../legacy-schema.ts';
import { cognitoAttributes, type UserIdAttribute } from '../user-id.ts';
import { legacyDbConfig, type Env } from './legacy-db.ts';
import { SqlSignInGuard, type SignInGuard } from './sign-in-guard.ts';
import {
  MAX_PASSWORD_BYTES,
  verifyAgainstDummy,
  verifyPassword,
  warmUpDummyHash,
} from './verify-password.ts';
import { createWorkLimit, type WorkLimit } from './work-limit.ts';

/** The migrate-user event (Cognito's shape; only what we read and write). */
export interface MigrateUserEvent {
  version?: string;
  triggerSource: string;
  region?: string;
  userPoolId: string;
  userName: string;
  callerContext?: { awsSdkVersion?: string; clientId?: string | null };
  request: {
    password?: string;
    validationData?: Record<string, string> | null;
    clientMetadata?: Record<string, string> | null;
  };
  response: {
    userAttributes?: Record<string, string>;
    finalUserStatus?: 'CONFIRMED' | 'RESET_REQUIRED';
    messageAction?: 'SUPPRESS' | 'RESEND';
    desiredDeliveryMediums?: string[];
    forceAliasCreation?: boolean;
  };
}

/** Anything that runs a parameterised query: a pg Pool or Client. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** Why a sign-in or reset was refused: in the log only, never in the answer. */
export type RefusalReason =
  | 'bad-password'
  | 'unknown-user'
  | 'not-password-user'
  | 'banned'
  | 'password-too-long'
  | 'bcrypt-cost-out-of-range'
  | 'locked'
  | 'busy';

/** One line per invocation, with nothing that identifies the user or their secret. */
export interface MigrateUserLogEntry {
  triggerSource: string;
  userPoolId: string;
  result: 'migrated' | 'refused' | 'reset-allowed' | 'unsupported-trigger' | 'error';
  reason?: RefusalReason;
  /** HMAC of the sign-in name (sign-in-guard.ts): follows one name across lines without naming it. */
  userRef?: string;
  /** Failures in a row for this name, this one included. */
  failures?: number;
  /** 1 on every refusal: the value of a CloudWatch metric filter on `$.refused`. */
  refused?: 1;
  /** 1 when this failure starts a lockout (`$.locked`). */
  locked?: 1;
  lockedUntil?: string;
}

export interface MigrateUserOptions {
  db: Queryable;
  /** @default 'supa2aws_legacy_auth' */
  schema?: string;
  /** @default 'custom:supabase_id' */
  userIdAttribute?: UserIdAttribute;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default a JSON line on stdout (CloudWatch Logs) */
  log?: (entry: MigrateUserLogEntry) => void;
  /** Password checks (tests count them). @default verify-password.ts */
  passwords?: {
    verify(hash: string, password: string): Promise<boolean>;
    /** The same bcrypt work as a real check, always false (unknown user, unusable hash). */
    dummy(password: string): Promise<false>;
  };
  /** The failure counter. @default SqlSignInGuard over `db` and `schema` */
  guard?: SignInGuard;
  /** Password checks run at once, and waiting, before a sign-in is refused. @default { maxRunning: 2, maxWaiting: 50 } */
  workLimit?: WorkLimit;
}

/** The one answer to every refused sign-in or reset (Cognito's own wording for a failed sign-in). */
export const SIGN_IN_REFUSED = 'Incorrect username or password.';

const stdoutLog = (entry: MigrateUserLogEntry) => process.stdout.write(`${JSON.stringify(entry)}\n`);

async function findUser(db: Queryable, schema: string, name: SignInName): Promise<LegacyRow | undefined> {
  if (name.by === 'unknown') return undefined;
  const column = name.by === 'email' ? 'email_key' : name.by === 'phone' ? 'phone' : 'id';
  const { rows } = await db.query<LegacyRow>(
    `SELECT ${LEGACY_READ_COLUMNS} FROM ${legacyTable(schema)}
      WHERE outcome IN ('lazy', 'reset') AND ${column} = $1 LIMIT 2`,
    [name.value],
  );
  // Two rows would be an ambiguity export prevents (unique indexes); never guess between users.
  return rows.length === 1 ? rows[0] : undefined;
}

function attributesOf(row: LegacyRow, mode: UserIdAttribute): Record<string, string> {
  return cognitoAttributes(
    {
      id: row.id,
      email: row.email_key,
      emailVerified: row.email_confirmed,
      phone: row.phone,
      phoneVerified: row.phone_confirmed,
    },
    mode,
  );
}

function banned(row: LegacyRow, now: Date): boolean {
  return row.banned_until !== null && row.banned_until.getTime() > now.getTime();
}

/** Why `row` cannot sign in with `password`, before any check; undefined when the password decides. */
function refusalBefore(
  row: LegacyRow | undefined,
  password: string,
  lockedUntil: Date | undefined,
  now: Date,
): RefusalReason | undefined {
  if (lockedUntil) return 'locked';
  if (!row) return 'unknown-user';
  if (banned(row, now)) return 'banned';
  if (row.outcome !== 'lazy' || !row.password_hash) return 'not-password-user';
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return 'password-too-long';
  if (bcryptCostOutOfRange(row.password_hash)) return 'bcrypt-cost-out-of-range';
  return undefined;
}

/** Builds a handler over an injected connection (tests and the sandbox's Lambda-Invoke service). */
export function createMigrateUserHandler(
  options: MigrateUserOptions,
): (event: MigrateUserEvent) => Promise<MigrateUserEvent> {
  const schema = options.schema ?? 'supa2aws_legacy_auth';
  const mode = options.userIdAttribute ?? 'custom:supabase_id';
  const now = options.now ?? (() => new Date());
  const log = options.log ?? stdoutLog;
  const passwords = options.passwords ?? { verify: verifyPassword, dummy: verifyAgainstDummy };
  const guard = options.guard ?? new SqlSignInGuard(options.db, schema);
  const limit = options.workLimit ?? createWorkLimit({ maxRunning: 2, maxWaiting: 50 });
  if (!options.passwords) warmUpDummyHash();

  return async (event) => {
    const base = { triggerSource: event.triggerSource, userPoolId: event.userPoolId };
    const refuse = (reason: RefusalReason, userRef: string, extra: Partial<MigrateUserLogEntry> = {}) => {
      log({ ...base, result: 'refused', reason, userRef, refused: 1, ...extra });
      return new Error(SIGN_IN_REFUSED);
    };
    const userName = event.userName ?? '';
    const name = parseSignInName(userName);

    if (event.triggerSource === 'UserMigration_Authentication') {
      const password = event.request?.password ?? '';
      const userRef = await guard.ref(name, userName);
      const at = now();
      const lockedUntil = await guard.lockedUntil(userRef, at);
      const row = await findUser(options.db, schema, name);
      const before = refusalBefore(row, password, lockedUntil, at);
      // Exactly one password check of the same cost on every path, whatever the reason for a refusal.
      const ok = await limit.run(() =>
        before ? passwords.dummy(password) : passwords.verify(row!.password_hash!, password),
      );
      if (ok === undefined) throw refuse('busy', userRef);
      if (!ok) {
        const reason = before ?? 'bad-password';
        if (reason === 'locked') throw refuse(reason, userRef, { lockedUntil: lockedUntil!.toISOString() });
        const counted = await guard.recordFailure(userRef, at);
        throw refuse(reason, userRef, {
          failures: counted.failures,
          ...(counted.lockedUntil ? { locked: 1, lockedUntil: counted.lockedUntil.toISOString() } : {}),
        });
      }
      await guard.clear(userRef);
      event.response = {
        ...event.response,
        userAttributes: attributesOf(row!, mode),
        finalUserStatus: 'CONFIRMED',
        messageAction: 'SUPPRESS',
      };
      log({ ...base, result: 'migrated', userRef });
      return event;
    }

    if (event.triggerSource === 'UserMigration_ForgotPassword') {
      const userRef = await guard.ref(name, userName);
      const row = await findUser(options.db, schema, name);
      const reason = !row ? 'unknown-user' : banned(row, now()) ? 'banned' : undefined;
      // No password to check, but the same dummy check on every reset, granted or not: no timing difference.
      if ((await limit.run(() => passwords.dummy(''))) === undefined) throw refuse('busy', userRef);
      if (reason) throw refuse(reason, userRef);
      // Cognito sends a reset code to the verified email or phone.
      event.response = {
        ...event.response,
        userAttributes: attributesOf(row!, mode),
        messageAction: 'SUPPRESS',
      };
      log({ ...base, result: 'reset-allowed', userRef });
      return event;
    }

    log({ ...base, result: 'unsupported-trigger' });
    throw new Error(`Bad triggerSource ${event.triggerSource}`);
  };
}

let fromEnv: Promise<(event: MigrateUserEvent) => Promise<MigrateUserEvent>> | undefined;

async function handlerFromEnv(env: Env) {
  const pool = new pg.Pool(await legacyDbConfig(env));
  // An idle connection the database drops must not crash the Lambda between invocations.
  pool.on('error', () => undefined);
  const mode = env.USER_ID_ATTRIBUTE === 'username' ? 'username' : 'custom:supabase_id';
  return createMigrateUserHandler({
    db: pool,
    schema: env.LEGACY_SCHEMA ?? 'supa2aws_legacy_auth',
    userIdAttribute: mode,
  });
}

/** The Lambda entry point: configured from the environment, connection kept between invocations. */
export async function handler(event: MigrateUserEvent): Promise<MigrateUserEvent> {
  fromEnv ??= handlerFromEnv(process.env).catch((error: unknown) => {
    fromEnv = undefined;
    throw error;
  });
  return (await fromEnv)(event);
}
