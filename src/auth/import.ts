/**
 * `supa2aws auth import --remaining`: at the end of the lazy window, creates in Cognito every user of the
 * legacy store who is not in the pool yet (AdminCreateUser, message suppressed, the attributes the
 * migrate-user trigger gives), sets a random permanent password so they can reset it (a user left in
 * FORCE_CHANGE_PASSWORD cannot), links OAuth identities when configured, and records
 * `auth.users.cognito_sub` — re-binding a recorded sub whose Cognito user is gone (deleted, or the pool
 * rebuilt) to the user's new one, by the rule of recordSubsFromSnapshot, each re-binding logged. Paced under auth.maxRequestsPerSecond, backing off on TooManyRequests.
 * Converges: the pool is listed first and only the missing are created; UsernameExists is checked and
 * counted as already there; a user left half-done (FORCE_CHANGE_PASSWORD) is finished by the next run.
 * Also writes the EXPERIMENTAL CSV for the bcrypt import job (import-csv.ts).
 */
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminLinkProviderForUserCommand,
  AdminSetUserPasswordCommand,
  DescribeUserPoolCommand,
  GetCSVHeaderCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { randomBytes, randomInt } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import { AuthError, InterruptedError, isSupa2awsError } from '../core/errors.ts';
import { eachConcurrently } from '../core/concurrency.ts';
import { OutageWatch } from '../core/outage.ts';
import { logger, silentReporter, step, type Reporter } from '../core/reporter.ts';
import { awsCredentialError, credentialProblem } from '../core/aws/aws-errors.ts';
import { awsErrorName, targetPool, type TargetPool } from './cognito.ts';
import { defaultConnect, withClient, type ConnectFn } from '../core/pg.ts';
import { CsvImportFile, csvLayout, type CsvLayout } from './import-csv.ts';
import { legacyTable } from './legacy-schema.ts';
import {
  hasCognitoSubColumn,
  POOL_TABLE,
  recordSubsFromSnapshot,
  snapshotPool,
  type SubConflict,
  type SubRebinding,
} from './pool-snapshot.ts';
import { AdaptiveRateLimiter } from './rate-limiter.ts';
import { attributeList, cognitoAttributes, supabaseIdOf, SUPABASE_ID_ATTRIBUTE } from './user-id.ts';

export interface ImportOptions {
  config: Config;
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
  pool?: TargetPool;
  limiter?: AdaptiveRateLimiter;
  /** Cognito admin calls per second at the most. @default config.auth.maxRequestsPerSecond */
  maxRequestsPerSecond?: number;
  /** Where to write the EXPERIMENTAL bcrypt import-job CSV; false for none. @default false */
  csvFile?: string | false;
  /** Only write the CSV: create nobody. @default false */
  csvOnly?: boolean;
  /** Users created at once (they share the rate limit). @default 4 */
  concurrency?: number;
  now?: () => Date;
}

export interface ImportFailure {
  id: string;
  code: string;
  message: string;
}

export interface ImportResult {
  version: 1;
  userPoolId: string;
  poolUsersBefore: number;
  candidates: number;
  created: number;
  /** Found already in the pool when creating (UsernameExists with the same Supabase UUID). */
  existing: number;
  /** Left half-done by an earlier run (FORCE_CHANGE_PASSWORD) and finished now. */
  finished: number;
  /** The Supabase UUIDs of the users finished now. */
  finishedIds: string[];
  linked: number;
  failed: ImportFailure[];
  cognitoSub: { recorded: number; rebound: SubRebinding[]; conflicts: SubConflict[]; column: boolean };
  rate: { ceiling: number; final: number; throttles: number; calls: number };
  csv?: {
    file: string;
    rows: number;
    skippedUnverified: number;
    headerSource: CsvLayout['headerSource'];
    hashColumn: string;
    hashColumnFromHeader: boolean;
    experimental: true;
  };
  elapsedMs: number;
}

interface Candidate {
  id: string;
  email_key: string | null;
  phone: string | null;
  password_hash: string | null;
  hash_kind: string;
  email_confirmed: boolean;
  phone_confirmed: boolean;
  oauth_identities: { provider: string; providerId: string }[];
}

/** A password nobody knows, meeting any password policy: the user resets it (or never needs it). */
export function randomPassword(): string {
  const sets = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!#%+-=?@^_'];
  const chars = [...sets.map((s) => s[randomInt(s.length)]!), ...randomBytes(24).toString('base64url')];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

async function csvLayoutFor(
  pool: TargetPool,
  config: Config,
  limiter: AdaptiveRateLimiter,
): Promise<CsvLayout> {
  let header: string[] | undefined;
  try {
    // One try: an endpoint without GetCSVHeader (cognito-local answers 5xx) gets the documented header.
    header = (
      await limiter.call(() => pool.client.send(new GetCSVHeaderCommand({ UserPoolId: pool.userPoolId })), {
        attempts: 1,
      })
    ).CSVHeader;
  } catch {
    header = undefined;
  }
  let custom: string[] = [];
  if (!header) {
    const described = await limiter.call(() =>
      pool.client.send(new DescribeUserPoolCommand({ UserPoolId: pool.userPoolId })),
    );
    custom = (described.UserPool?.SchemaAttributes ?? [])
      .map((a) => a.Name ?? '')
      .filter((name) => name.startsWith('custom:'));
  }
  return csvLayout(header, custom, config.auth.csvPasswordHashColumn);
}

export async function importRemaining(options: ImportOptions): Promise<ImportResult> {
  const { config } = options;
  const reporter = options.reporter ?? silentReporter;
  const log = logger(reporter);
  const started = Date.now();
  const pool = options.pool ?? targetPool(config);
  const mode = config.auth.userIdAttribute;
  const limiter =
    options.limiter ??
    new AdaptiveRateLimiter({
      ceiling: options.maxRequestsPerSecond ?? config.auth.maxRequestsPerSecond,
      outage: new OutageWatch({ what: 'Cognito', onWait: (m) => log.warn(m) }),
    });
  const signal = options.signal;
  const call = <T>(fn: () => Promise<T>) => limiter.call(fn, signal ? { signal } : {});
  const table = legacyTable(config.auth.legacySchema);
  const now = (options.now ?? (() => new Date()))();
  const result: ImportResult = {
    version: 1,
    userPoolId: pool.userPoolId,
    poolUsersBefore: 0,
    candidates: 0,
    created: 0,
    existing: 0,
    finished: 0,
    finishedIds: [],
    linked: 0,
    failed: [],
    cognitoSub: { recorded: 0, rebound: [], conflicts: [], column: false },
    rate: { ceiling: limiter.ceiling, final: limiter.rate, throttles: 0, calls: 0 },
    elapsedMs: 0,
  };
  let csv: CsvImportFile | undefined;
  let skippedUnverified = 0;

  try {
    await withClient(options.connect ?? defaultConnect, config.target.db.url, 'database', async (target) => {
      result.cognitoSub.column = await hasCognitoSubColumn(target);
      const recordSub = async (id: string, sub: string | undefined) => {
        if (!sub || !result.cognitoSub.column) return;
        const updated = await target.query(
          `UPDATE auth.users SET cognito_sub = $2 WHERE id = $1 AND cognito_sub IS NULL
             AND NOT EXISTS (SELECT 1 FROM auth.users WHERE cognito_sub = $2)`,
          [id, sub],
        );
        result.cognitoSub.recorded += updated.rowCount ?? 0;
      };

      result.poolUsersBefore = await step(reporter, `list the users of pool ${pool.userPoolId}`, () =>
        snapshotPool(target, pool, mode, limiter, signal),
      );

      if (options.csvFile) {
        const layout = await csvLayoutFor(pool, config, limiter);
        csv = new CsvImportFile(options.csvFile, layout);
        log.warn(
          `EXPERIMENTAL: ${options.csvFile} is for CreateUserImportJob with PasswordHashingAlgorithm=BCRYPT, unproven on a real account; it holds password hashes (mode 0600)`,
        );
      }

      if (!options.csvOnly) {
        // Users an earlier run created but did not finish: give them a permanent random password.
        const half = await target.query<{ username: string; supabase_id: string }>(
          `SELECT p.username, p.supabase_id FROM ${POOL_TABLE} p JOIN ${table} l ON l.id::text = p.supabase_id
            WHERE p.status = 'FORCE_CHANGE_PASSWORD'`,
        );
        for (const row of half.rows) {
          await call(() =>
            pool.client.send(
              new AdminSetUserPasswordCommand({
                UserPoolId: pool.userPoolId,
                Username: row.username,
                Password: randomPassword(),
                Permanent: true,
              }),
            ),
          );
          result.finished++;
          result.finishedIds.push(row.supabase_id);
          log.info(
            `finished user ${row.supabase_id}: half-created by an interrupted import (FORCE_CHANGE_PASSWORD), given a random permanent password`,
          );
        }
      }

      const createOne = async (user: Candidate): Promise<void> => {
        const attributes = cognitoAttributes(
          {
            id: user.id,
            email: user.email_key,
            emailVerified: user.email_confirmed,
            phone: user.phone,
            phoneVerified: user.phone_confirmed,
          },
          mode,
        );
        const username = mode === 'username' ? user.id : (user.email_key ?? user.phone ?? user.id);
        if (csv) {
          if (user.email_confirmed || user.phone_confirmed) {
            csv.write({
              ...attributes,
              'cognito:username': username,
              'cognito:mfa_enabled': 'false',
              [csv.layout.hashColumn]:
                user.hash_kind === 'bcrypt' && user.password_hash ? user.password_hash : '',
            });
          } else skippedUnverified++;
        }
        if (options.csvOnly) return;
        try {
          const created = await call(() =>
            pool.client.send(
              new AdminCreateUserCommand({
                UserPoolId: pool.userPoolId,
                Username: username,
                UserAttributes: attributeList(attributes),
                MessageAction: 'SUPPRESS',
              }),
            ),
          );
          const cognitoUsername = created.User?.Username ?? username;
          await call(() =>
            pool.client.send(
              new AdminSetUserPasswordCommand({
                UserPoolId: pool.userPoolId,
                Username: cognitoUsername,
                Password: randomPassword(),
                Permanent: true,
              }),
            ),
          );
          for (const identity of user.oauth_identities) {
            const providerName = config.auth.providers[identity.provider];
            if (!providerName) continue;
            await call(() =>
              pool.client.send(
                new AdminLinkProviderForUserCommand({
                  UserPoolId: pool.userPoolId,
                  DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: cognitoUsername },
                  SourceUser: {
                    ProviderName: providerName,
                    ProviderAttributeName: 'Cognito_Subject',
                    ProviderAttributeValue: identity.providerId,
                  },
                }),
              ),
            );
            result.linked++;
          }
          result.created++;
          await recordSub(user.id, created.User?.Attributes?.find((a) => a.Name === 'sub')?.Value);
        } catch (error) {
          if (signal?.aborted) throw new InterruptedError('auth import');
          const name = awsErrorName(error) ?? 'Error';
          if (name === 'UsernameExistsException' || name === 'AliasExistsException') {
            // Someone signed in (and was migrated) since the listing, or the address belongs to another user.
            const found = await call(() =>
              pool.client.send(new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: username })),
            ).catch(() => undefined);
            const owner = found
              ? supabaseIdOf({ Username: found.Username, Attributes: found.UserAttributes }, mode)
              : undefined;
            if (owner === user.id) {
              result.existing++;
              await recordSub(user.id, found?.UserAttributes?.find((a) => a.Name === 'sub')?.Value);
              return;
            }
            result.failed.push({
              id: user.id,
              code: 'AUTH_IDENTIFIER_TAKEN',
              message: `the pool already has another user with this ${user.email_key ? 'email' : 'phone'} (${
                owner
                  ? `${mode === 'username' ? 'username' : SUPABASE_ID_ATTRIBUTE} ${owner}`
                  : 'no Supabase UUID'
              })`,
            });
            return;
          }
          if (name === 'TooManyRequestsException') throw error; // retries exhausted: stop, re-run resumes
          if (isSupa2awsError(error)) throw error; // the run's own: Cognito down past the deadline
          result.failed.push({ id: user.id, code: name, message: (error as Error).message });
        }
      };

      await step(
        reporter,
        options.csvOnly ? 'write the import CSV' : 'create the remaining users',
        async () => {
          let after = '00000000-0000-0000-0000-000000000000';
          for (;;) {
            if (signal?.aborted) throw new InterruptedError('auth import');
            const { rows } = await target.query<Candidate>(
              `SELECT l.id, l.email_key, l.phone, l.password_hash, l.hash_kind, l.email_confirmed, l.phone_confirmed,
                    l.oauth_identities
               FROM ${table} l
              WHERE l.outcome <> 'skip' AND l.id > $1
                AND (l.banned_until IS NULL OR l.banned_until <= $2)
                AND NOT EXISTS (SELECT 1 FROM ${POOL_TABLE} p WHERE p.supabase_id = l.id::text)
              ORDER BY l.id LIMIT 200`,
              [after, now],
            );
            if (rows.length === 0) break;
            after = rows[rows.length - 1]!.id;
            result.candidates += rows.length;
            // Workers share the rate limit; the first fatal error stops them all before the next user.
            await eachConcurrently(rows, { concurrency: options.concurrency ?? 4 }, createOne);
            reporter.emit({
              type: 'progress',
              task: 'create users',
              done: result.created + result.existing + result.failed.length,
              unit: 'users',
            });
          }
        },
      );

      if (result.cognitoSub.column && !options.csvOnly) {
        // Users migrated lazily (and any created above) get their sub recorded from a fresh listing.
        await snapshotPool(target, pool, mode, limiter, signal);
        const subs = await recordSubsFromSnapshot(target);
        result.cognitoSub.recorded += subs.recorded;
        result.cognitoSub.rebound = subs.rebound;
        result.cognitoSub.conflicts = subs.conflicts;
        for (const r of subs.rebound) {
          log.warn(
            `re-bound user ${r.id}: auth.users.cognito_sub ${r.from} → ${r.to} (the Cognito user ${r.from} is gone from the pool)`,
          );
        }
        for (const c of subs.conflicts) {
          log.warn(
            `user ${c.id} is bound to Cognito sub ${c.recorded}, the pool's user carries ${c.pool}: ${c.reason}; left alone (\`supa2aws auth relink ${c.id}\` re-binds them)`,
          );
        }
      }
    });
    csv?.close();
  } catch (error) {
    csv?.abort();
    const credentials = credentialProblem(error);
    throw withSummary(
      credentials
        ? awsCredentialError(credentials, `the target Cognito user pool ${pool.userPoolId}`, { cause: error })
        : error,
      result,
    );
  } finally {
    if (!options.pool) pool.client.destroy();
  }

  if (csv) {
    result.csv = {
      file: csv.file,
      rows: csv.rows,
      skippedUnverified,
      headerSource: csv.layout.headerSource,
      hashColumn: csv.layout.hashColumn,
      hashColumnFromHeader: csv.layout.hashColumnFromHeader,
      experimental: true,
    };
  }
  result.rate = {
    ceiling: limiter.ceiling,
    final: limiter.rate,
    throttles: limiter.throttles,
    calls: limiter.calls,
  };
  result.elapsedMs = Date.now() - started;
  log.info(
    `created ${result.created}, already there ${result.existing}, finished ${result.finished}, failed ${result.failed.length} of ${result.candidates} remaining users; re-bound ${result.cognitoSub.rebound.length}, sub conflicts ${result.cognitoSub.conflicts.length}`,
  );
  return result;
}

/** What an import stopped by an outage or Ctrl-C did before it stopped, said in its error. */
function withSummary(error: unknown, result: ImportResult): unknown {
  if (!isSupa2awsError(error) || (error.code !== 'AUTH_COGNITO_UNREACHABLE' && error.code !== 'INTERRUPTED'))
    return error;
  const done = `before it stopped: created ${result.created}, finished ${result.finished}, already there ${result.existing}, failed ${result.failed.length} of ${result.candidates} users read so far`;
  return new AuthError(error.code, `${error.message}; ${done}`, {
    exit: error.code === 'INTERRUPTED' ? 'interrupted' : 'environment',
    cause: error,
    details: { created: result.created, finished: result.finished, existing: result.existing },
    hint:
      error.code === 'INTERRUPTED'
        ? 'interrupted: run the same command again (`supa2aws auth import --remaining`): it creates nobody twice and finishes half-created users.'
        : `${error.hint ?? ''} Users created so far stay; a re-run creates nobody twice.`.trim(),
  });
}
