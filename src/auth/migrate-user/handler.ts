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
 * It never logs the user name, the password or the hash; an unknown user costs the same bcrypt check as
 * a wrong password. Errors are thrown as Cognito expects them ("Bad password", "User not found"): the
 * Lambda runtime returns them as a function error and Cognito refuses the sign-in.
 *
 * Environment: DATABASE_URL or LEGACY_DB_SECRET_ARN (+ LEGACY_DB_SSL, LEGACY_DB_CA_FILE, see
 * legacy-db.ts); LEGACY_SCHEMA (default supa2aws_legacy_auth); USER_ID_ATTRIBUTE
 * (custom:supabase_id | username, default custom:supabase_id).
 */
import pg from 'pg';
import { parseSignInName } from '../identifiers.ts';
import { legacyTable, LEGACY_READ_COLUMNS, type LegacyRow } from '../legacy-schema.ts';
import { cognitoAttributes, type UserIdAttribute } from '../user-id.ts';
import { legacyDbConfig, type Env } from './legacy-db.ts';
import { verifyAgainstDummy, verifyPassword, warmUpDummyHash } from './verify-password.ts';

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

/** One line per invocation, with nothing that identifies the user or their secret. */
export interface MigrateUserLogEntry {
  triggerSource: string;
  userPoolId: string;
  result: 'migrated' | 'bad-password' | 'not-found' | 'reset-allowed' | 'unsupported-trigger' | 'error';
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
}

export const BAD_PASSWORD = 'Bad password';
export const USER_NOT_FOUND = 'User not found';

const stdoutLog = (entry: MigrateUserLogEntry) => process.stdout.write(`${JSON.stringify(entry)}\n`);

async function findUser(db: Queryable, schema: string, userName: string): Promise<LegacyRow | undefined> {
  const name = parseSignInName(userName);
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

/** Builds a handler over an injected connection (tests and the sandbox's Lambda-Invoke service). */
export function createMigrateUserHandler(
  options: MigrateUserOptions,
): (event: MigrateUserEvent) => Promise<MigrateUserEvent> {
  const schema = options.schema ?? 'supa2aws_legacy_auth';
  const mode = options.userIdAttribute ?? 'custom:supabase_id';
  const now = options.now ?? (() => new Date());
  const log = options.log ?? stdoutLog;
  const passwords = options.passwords ?? { verify: verifyPassword, dummy: verifyAgainstDummy };
  if (!options.passwords) warmUpDummyHash();

  return async (event) => {
    const entry = (result: MigrateUserLogEntry['result']) =>
      log({ triggerSource: event.triggerSource, userPoolId: event.userPoolId, result });
    const banned = (row: LegacyRow) =>
      row.banned_until !== null && row.banned_until.getTime() > now().getTime();

    if (event.triggerSource === 'UserMigration_Authentication') {
      const password = event.request?.password ?? '';
      const row = await findUser(options.db, schema, event.userName);
      const usable = row && row.outcome === 'lazy' && row.password_hash && !banned(row);
      // Exactly one password check on every path: an unknown user costs what a wrong password does.
      const ok = usable
        ? await passwords.verify(row.password_hash!, password)
        : await passwords.dummy(password);
      if (!ok) {
        entry(usable ? 'bad-password' : 'not-found');
        throw new Error(usable ? BAD_PASSWORD : USER_NOT_FOUND);
      }
      event.response = {
        ...event.response,
        userAttributes: attributesOf(row!, mode),
        finalUserStatus: 'CONFIRMED',
        messageAction: 'SUPPRESS',
      };
      entry('migrated');
      return event;
    }

    if (event.triggerSource === 'UserMigration_ForgotPassword') {
      const row = await findUser(options.db, schema, event.userName);
      if (!row || banned(row)) {
        entry('not-found');
        throw new Error(USER_NOT_FOUND);
      }
      // No password to check: Cognito sends a reset code to the verified email or phone.
      event.response = {
        ...event.response,
        userAttributes: attributesOf(row, mode),
        messageAction: 'SUPPRESS',
      };
      entry('reset-allowed');
      return event;
    }

    entry('unsupported-trigger');
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
