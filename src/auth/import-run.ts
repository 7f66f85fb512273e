/**
 * One `auth import --remaining` run on an open target connection, as named steps: list the pool, open the
 * CSV, finish the half-created, create the remaining (each user: CSV row, create, password, link, record
 * the sub; or account for UsernameExists), then record subs from a fresh listing. It counts into the
 * ImportResult it is given, so what was done before a failure is known (import.ts says it in the error).
 * A dry run takes the same steps up to each change and counts instead (`result.dryRun`): it opens no CSV,
 * finishes, creates and records nobody.
 */
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminLinkProviderForUserCommand,
  AdminSetUserPasswordCommand,
  DescribeUserPoolCommand,
  GetCSVHeaderCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type pg from 'pg';
import { randomBytes, randomInt } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import { InterruptedError, isSupa2awsError } from '../core/errors.ts';
import { eachConcurrently } from '../core/concurrency.ts';
import { step, type logger, type Reporter } from '../core/reporter.ts';
import { awsErrorName, type TargetPool } from './cognito.ts';
import { CsvImportFile, csvLayout, type CsvLayout } from './import-csv.ts';
import type { ImportDryRun, ImportOptions, ImportResult } from './import.ts';
import { hasCognitoSubColumn, POOL_TABLE, recordSubsFromSnapshot, snapshotPool } from './pool-snapshot.ts';
import type { AdaptiveRateLimiter } from './rate-limiter.ts';
import {
  attributeList,
  cognitoAttributes,
  supabaseIdOf,
  SUPABASE_ID_ATTRIBUTE,
  type UserIdAttribute,
} from './user-id.ts';

/** Planned users checked against the store per query. */
const PLAN_ID_BATCH = 5000;
/** User ids kept as samples of what changed since a plan. */
const SINCE_PLAN_SAMPLE = 20;

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

/** What a run works with, set up by importRemaining. */
export interface ImportRunSetup {
  options: ImportOptions;
  config: Config;
  pool: TargetPool;
  limiter: AdaptiveRateLimiter;
  mode: UserIdAttribute;
  /** The legacy password store, `schema.table`. */
  table: string;
  now: Date;
  reporter: Reporter;
  log: ReturnType<typeof logger>;
}

/** A password nobody knows, meeting any password policy: the user resets it (or never needs it). */
function randomPassword(): string {
  const sets = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!#%+-=?@^_'];
  const chars = [...sets.map((s) => s[randomInt(s.length)]!), ...randomBytes(24).toString('base64url')];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

/** Whether the user has a verified email or phone: the CSV leaves out those without. */
const verified = (user: Candidate) => user.email_confirmed || user.phone_confirmed;

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

export class RemainingImport {
  /** The EXPERIMENTAL bcrypt import-job CSV, once opened: the caller closes it, or aborts it on failure. */
  csv: CsvImportFile | undefined;
  /** Users left out of the CSV: neither email nor phone verified. */
  skippedUnverified = 0;

  constructor(
    private readonly setup: ImportRunSetup,
    readonly result: ImportResult,
  ) {}

  async run(target: pg.ClientBase): Promise<void> {
    const { options, pool, mode, limiter, reporter } = this.setup;
    const dry = this.result.dryRun;
    this.result.cognitoSub.column = await hasCognitoSubColumn(target);
    this.result.poolUsersBefore = await step(reporter, `list the users of pool ${pool.userPoolId}`, () =>
      snapshotPool(target, pool, mode, limiter, options.signal),
    );
    if (dry) dry.inPool = await this.countInPool(target);
    if (options.csvFile && !dry) await this.openCsv(options.csvFile);
    if (!options.csvOnly) await this.finishHalfCreated(target);
    const what = dry
      ? 'count the users to create'
      : options.csvOnly
        ? 'write the import CSV'
        : 'create the remaining users';
    await step(reporter, what, () => this.createRemaining(target));
    if (this.result.cognitoSub.column && !options.csvOnly && !dry) await this.recordSubsFromListing(target);
    if (options.planned) await this.countGoneSincePlan(target, options.planned.ids);
  }

  /** The store's users to import whom the pool has already (signed in, or imported before). */
  private async countInPool(target: pg.ClientBase): Promise<number> {
    const { rows } = await target.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${this.setup.table} l
        WHERE l.outcome <> 'skip' AND EXISTS (SELECT 1 FROM ${POOL_TABLE} p WHERE p.supabase_id = l.id::text)`,
    );
    return rows[0]?.n ?? 0;
  }

  /** Users the plan imports whom the store no longer imports: removed at the source, or skipped now. */
  private async countGoneSincePlan(target: pg.ClientBase, planned: ReadonlySet<string>): Promise<void> {
    const gone = this.result.sincePlan?.gone;
    if (!gone) return;
    const ids = [...planned];
    for (let i = 0; i < ids.length; i += PLAN_ID_BATCH) {
      const { rows } = await target.query<{ id: string }>(
        `SELECT p.id::text AS id FROM unnest($1::uuid[]) AS p(id)
          WHERE NOT EXISTS (SELECT 1 FROM ${this.setup.table} l WHERE l.id = p.id AND l.outcome <> 'skip'
                              AND (l.banned_until IS NULL OR l.banned_until <= $2))
          ORDER BY 1`,
        [ids.slice(i, i + PLAN_ID_BATCH), this.setup.now],
      );
      for (const { id } of rows) {
        gone.count++;
        if (gone.sample.length < SINCE_PLAN_SAMPLE) gone.sample.push(id);
      }
    }
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    const signal = this.setup.options.signal;
    return this.setup.limiter.call(fn, signal ? { signal } : {});
  }

  private async recordSub(target: pg.ClientBase, id: string, sub: string | undefined): Promise<void> {
    if (!sub || !this.result.cognitoSub.column) return;
    const updated = await target.query(
      `UPDATE auth.users SET cognito_sub = $2 WHERE id = $1 AND cognito_sub IS NULL
         AND NOT EXISTS (SELECT 1 FROM auth.users WHERE cognito_sub = $2)`,
      [id, sub],
    );
    this.result.cognitoSub.recorded += updated.rowCount ?? 0;
  }

  private async openCsv(file: string): Promise<void> {
    const { pool, config, limiter, log } = this.setup;
    this.csv = new CsvImportFile(file, await csvLayoutFor(pool, config, limiter));
    log.warn(
      `EXPERIMENTAL: ${file} is for CreateUserImportJob with PasswordHashingAlgorithm=BCRYPT, unproven on a real account; it holds password hashes (mode 0600)`,
    );
  }

  private async setRandomPassword(username: string): Promise<void> {
    const { pool } = this.setup;
    await this.call(() =>
      pool.client.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: pool.userPoolId,
          Username: username,
          Password: randomPassword(),
          Permanent: true,
        }),
      ),
    );
  }

  /** Users an earlier run created but did not finish: give them a permanent random password. */
  private async finishHalfCreated(target: pg.ClientBase): Promise<void> {
    const half = await target.query<{ username: string; supabase_id: string }>(
      `SELECT p.username, p.supabase_id FROM ${POOL_TABLE} p JOIN ${this.setup.table} l ON l.id::text = p.supabase_id
        WHERE p.status = 'FORCE_CHANGE_PASSWORD'`,
    );
    for (const row of half.rows) {
      if (this.result.dryRun) {
        this.result.dryRun.finish.push(row.supabase_id);
        continue;
      }
      await this.setRandomPassword(row.username);
      this.result.finished++;
      this.result.finishedIds.push(row.supabase_id);
      this.setup.log.info(
        `finished user ${row.supabase_id}: half-created by an interrupted import (FORCE_CHANGE_PASSWORD), given a random permanent password`,
      );
    }
  }

  /** The legacy store's users not in the pool, by UUID pages of 200, several created at once. */
  private async createRemaining(target: pg.ClientBase): Promise<void> {
    const { options, table, now, reporter } = this.setup;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      if (options.signal?.aborted) throw new InterruptedError('auth import');
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
      const mine = this.inPlan(rows);
      this.result.candidates += mine.length;
      // Workers share the rate limit; the first fatal error stops them all before the next user.
      await eachConcurrently(mine, { concurrency: options.concurrency ?? 4 }, (user) =>
        this.createOne(target, user),
      );
      reporter.emit({
        type: 'progress',
        task: this.result.dryRun ? 'count users' : 'create users',
        done: this.result.dryRun
          ? this.result.candidates
          : this.result.created + this.result.existing + this.result.failed.length,
        unit: 'users',
      });
    }
  }

  /** The users of a page the saved plan imports (all without a plan); the others are counted, not created. */
  private inPlan(rows: Candidate[]): Candidate[] {
    const planned = this.setup.options.planned?.ids;
    const notInPlan = this.result.sincePlan?.notInPlan;
    if (!planned || !notInPlan) return rows;
    return rows.filter((user) => {
      if (planned.has(user.id)) return true;
      notInPlan.count++;
      if (notInPlan.sample.length < SINCE_PLAN_SAMPLE) notInPlan.sample.push(user.id);
      return false;
    });
  }

  private async createOne(target: pg.ClientBase, user: Candidate): Promise<void> {
    if (this.result.dryRun) return this.countOne(this.result.dryRun, user);
    const { mode, options } = this.setup;
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
    if (this.csv) this.writeCsvRow(this.csv, user, attributes, username);
    if (options.csvOnly) return;
    try {
      await this.createInCognito(target, user, attributes, username);
    } catch (error) {
      await this.onCreateFailed(target, user, username, error);
    }
  }

  /** A dry run's user: counted as the CSV would take them, created by nobody. */
  private countOne(dry: ImportDryRun, user: Candidate): void {
    if (!dry.csv) return;
    if (verified(user)) dry.csv.rows++;
    else dry.csv.skippedUnverified++;
  }

  private writeCsvRow(
    csv: CsvImportFile,
    user: Candidate,
    attributes: Record<string, string>,
    username: string,
  ): void {
    if (!verified(user)) {
      this.skippedUnverified++;
      return;
    }
    csv.write({
      ...attributes,
      'cognito:username': username,
      'cognito:mfa_enabled': 'false',
      [csv.layout.hashColumn]: user.hash_kind === 'bcrypt' && user.password_hash ? user.password_hash : '',
    });
  }

  /** AdminCreateUser (message suppressed), a random permanent password, the OAuth links, the sub recorded. */
  private async createInCognito(
    target: pg.ClientBase,
    user: Candidate,
    attributes: Record<string, string>,
    username: string,
  ): Promise<void> {
    const { pool } = this.setup;
    const created = await this.call(() =>
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
    await this.setRandomPassword(cognitoUsername);
    await this.linkIdentities(user, cognitoUsername);
    this.result.created++;
    await this.recordSub(target, user.id, created.User?.Attributes?.find((a) => a.Name === 'sub')?.Value);
  }

  private async linkIdentities(user: Candidate, cognitoUsername: string): Promise<void> {
    const { pool, config } = this.setup;
    for (const identity of user.oauth_identities) {
      const providerName = config.auth.providers[identity.provider];
      if (!providerName) continue;
      await this.call(() =>
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
      this.result.linked++;
    }
  }

  /** Counts a user already there (same UUID) or failed; rethrows what stops the run. */
  private async onCreateFailed(
    target: pg.ClientBase,
    user: Candidate,
    username: string,
    error: unknown,
  ): Promise<void> {
    if (this.setup.options.signal?.aborted) throw new InterruptedError('auth import');
    const name = awsErrorName(error) ?? 'Error';
    if (name === 'UsernameExistsException' || name === 'AliasExistsException')
      return this.onIdentifierTaken(target, user, username);
    if (name === 'TooManyRequestsException') throw error; // retries exhausted: stop, re-run resumes
    if (isSupa2awsError(error)) throw error; // the run's own: Cognito down past the deadline
    this.result.failed.push({ id: user.id, code: name, message: (error as Error).message });
  }

  /** Someone signed in (and was migrated) since the listing, or the address belongs to another user. */
  private async onIdentifierTaken(target: pg.ClientBase, user: Candidate, username: string): Promise<void> {
    const { pool, mode } = this.setup;
    const found = await this.call(() =>
      pool.client.send(new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: username })),
    ).catch(() => undefined);
    const owner = found
      ? supabaseIdOf({ Username: found.Username, Attributes: found.UserAttributes }, mode)
      : undefined;
    if (owner === user.id) {
      this.result.existing++;
      await this.recordSub(target, user.id, found?.UserAttributes?.find((a) => a.Name === 'sub')?.Value);
      return;
    }
    this.result.failed.push({
      id: user.id,
      code: 'AUTH_IDENTIFIER_TAKEN',
      message: `the pool already has another user with this ${user.email_key ? 'email' : 'phone'} (${
        owner ? `${mode === 'username' ? 'username' : SUPABASE_ID_ATTRIBUTE} ${owner}` : 'no Supabase UUID'
      })`,
    });
  }

  /** Users migrated lazily (and any created above) get their sub recorded from a fresh listing. */
  private async recordSubsFromListing(target: pg.ClientBase): Promise<void> {
    const { pool, mode, limiter, options, log } = this.setup;
    await snapshotPool(target, pool, mode, limiter, options.signal);
    const subs = await recordSubsFromSnapshot(target);
    this.result.cognitoSub.recorded += subs.recorded;
    this.result.cognitoSub.rebound = subs.rebound;
    this.result.cognitoSub.conflicts = subs.conflicts;
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
}
