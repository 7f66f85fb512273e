/**
 * `supa2aws auth verify`: accounts for every Supabase user: migrated (in the pool, found by the Supabase
 * UUID it carries, in a state they can sign in with, and bound to the Cognito user the app resolves),
 * pending (in the legacy store and migratable: at first sign-in, on forgot-password, or by
 * `auth import --remaining`), not migratable (with the reason), unaccounted (missing from the legacy
 * store, or changed since it was written), or mismatched: in the pool but locked out or wrongly let in —
 * half-created (FORCE_CHANGE_PASSWORD, left by an interrupted import), disabled though not banned (or
 * enabled though banned), unconfirmed though confirmed in Supabase, `auth.users.cognito_sub` recording
 * another sub than the pool's user carries (the runtime resolver refuses them), or a recorded sub whose
 * Cognito user was deleted. Optionally signs a named test user in over USER_PASSWORD_AUTH and checks that
 * the tokens resolve to their Supabase UUID. Reads only (the probe migrates the probe user if they were
 * pending, as any sign-in would).
 */
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { Config } from '../config/schema.ts';
import { silentReporter, step, type Reporter } from '../core/reporter.ts';
import type pg from 'pg';
import { classifyUser, type Classified, type SourceUser } from './classify.ts';
import { awsErrorName, targetPool, type TargetPool } from './cognito.ts';
import { defaultConnect, inReadOnlySnapshot, withClient, type ConnectFn } from '../core/pg.ts';
import { parseSignInName } from './identifiers.ts';
import { legacyTable } from './legacy-schema.ts';
import { storeRow } from './legacy-store.ts';
import { maskEmail } from './plan.ts';
import { hasCognitoSubColumn, POOL_TABLE, snapshotPool } from './pool-snapshot.ts';
import { AdaptiveRateLimiter } from './rate-limiter.ts';
import { readDuplicateEmails, readSourceUsers } from './source-users.ts';
import { SUPABASE_ID_ATTRIBUTE } from './user-id.ts';

export type VerifyStatus = 'migrated' | 'pending' | 'not-migratable' | 'unaccounted' | 'mismatch';

export interface UserVerdict {
  id: string;
  status: VerifyStatus;
  detail: string;
}

export interface ProbeResult {
  /** Masked sign-in name. */
  user: string;
  ok: boolean;
  expectedUserId?: string;
  resolvedUserId?: string;
  /** Whether the user was in the pool before the probe (else the probe migrated them). */
  wasInPool?: boolean;
  challenge?: string;
  error?: string;
}

export interface VerifyResult {
  version: 1;
  userPoolId: string;
  emulator: boolean;
  total: number;
  counts: Record<VerifyStatus, number>;
  /** `status: detail` → users. */
  byDetail: Record<string, number>;
  /** Every unaccounted user (up to 1000) and a sample of the others. */
  unaccounted: UserVerdict[];
  /** Every mismatched user (up to 1000), each with what differs and the command that repairs it. */
  mismatched: UserVerdict[];
  samples: UserVerdict[];
  pool: { users: number; withoutSupabaseId: number; unknownToStore: number };
  /** Migrated users whose auth.users.cognito_sub is recorded (null: the target has no such column). */
  cognitoSubRecorded: number | null;
  probe?: ProbeResult;
  ok: boolean;
}

export interface VerifyOptions {
  config: Config;
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
  pool?: TargetPool;
  /** Sign this user in over USER_PASSWORD_AUTH. */
  probe?: { username: string; password: string };
  now?: () => Date;
}

function decodeClaims(token: string | undefined): Record<string, unknown> {
  const payload = token?.split('.')[1];
  if (!payload) return {};
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export async function verifyAuth(options: VerifyOptions): Promise<VerifyResult> {
  const { config } = options;
  const reporter = options.reporter ?? silentReporter;
  const connect = options.connect ?? defaultConnect;
  const now = (options.now ?? (() => new Date()))();
  const pool = options.pool ?? targetPool(config);
  const mode = config.auth.userIdAttribute;
  const limiter = new AdaptiveRateLimiter({ ceiling: config.auth.maxRequestsPerSecond });
  const table = legacyTable(config.auth.legacySchema);
  const result: VerifyResult = {
    version: 1,
    userPoolId: pool.userPoolId,
    emulator: pool.emulator,
    total: 0,
    counts: { migrated: 0, pending: 0, 'not-migratable': 0, unaccounted: 0, mismatch: 0 },
    byDetail: {},
    unaccounted: [],
    mismatched: [],
    samples: [],
    pool: { users: 0, withoutSupabaseId: 0, unknownToStore: 0 },
    cognitoSubRecorded: null,
    ok: false,
  };
  const record = (verdict: UserVerdict) => {
    result.total++;
    result.counts[verdict.status]++;
    // Mismatch details name the user's subs: grouped by their first clause only.
    const key = `${verdict.status}: ${verdict.detail.split(' (')[0]}`;
    result.byDetail[key] = (result.byDetail[key] ?? 0) + 1;
    if (verdict.status === 'unaccounted') {
      if (result.unaccounted.length < 1000) result.unaccounted.push(verdict);
    } else if (verdict.status === 'mismatch') {
      if (result.mismatched.length < 1000) result.mismatched.push(verdict);
    } else if (result.samples.filter((s) => s.status === verdict.status).length < 10)
      result.samples.push(verdict);
  };

  try {
    await withClient(connect, config.source.db.url, 'source', (source) =>
      withClient(connect, config.target.db.url, 'target', async (target) => {
        result.pool.users = await step(reporter, `list the users of pool ${pool.userPoolId}`, () =>
          snapshotPool(target, pool, mode, limiter, options.signal),
        );
        const storeExists = (await target.query(`SELECT to_regclass($1) AS t`, [table])).rows[0]?.t !== null;
        const subColumn = await hasCognitoSubColumn(target);
        if (subColumn) result.cognitoSubRecorded = 0;

        await inReadOnlySnapshot(source, async () => {
          const duplicateEmails = await readDuplicateEmails(source);
          await step(reporter, 'account for every Supabase user', async () => {
            for await (const batch of readSourceUsers(source)) {
              const ids = batch.map((u) => u.id);
              const stored = storeExists
                ? await target.query<{ id: string; digest: string }>(
                    `SELECT id, digest FROM ${table} WHERE id = ANY($1::uuid[])`,
                    [ids],
                  )
                : { rows: [] };
              const digests = new Map(stored.rows.map((r) => [r.id, r.digest]));
              const inPool = await target.query<PoolMember>(
                `SELECT supabase_id, sub, status, enabled FROM ${POOL_TABLE} WHERE supabase_id = ANY($1)`,
                [ids],
              );
              const poolById = new Map(inPool.rows.map((r) => [r.supabase_id, r]));
              // undefined: the target has no compat auth.users to compare with.
              const recorded = subColumn ? await recordedSubs(target, ids) : undefined;
              for (const user of batch) {
                const c = classifyUser(user, {
                  now,
                  duplicateEmails,
                  migrateUnconfirmed: config.auth.migrateUnconfirmed,
                });
                const member = poolById.get(user.id);
                const sub = recorded?.get(user.id);
                const mismatch = member
                  ? memberMismatch(user, c, member, recorded && (sub ?? null))
                  : c.outcome !== 'skip' && sub?.sub
                    ? `deleted from the pool after migration (auth.users.cognito_sub still holds ${sub.sub}): run \`supa2aws auth import --remaining\` to re-create and re-bind them, or \`supa2aws auth relink ${user.id}\` once they are back`
                    : undefined;
                if (mismatch) {
                  record({ id: user.id, status: 'mismatch', detail: mismatch });
                } else if (member) {
                  record({
                    id: user.id,
                    status: 'migrated',
                    detail: `in the pool${member.enabled ? '' : ' (disabled)'}${c.outcome === 'skip' ? ` although ${c.kind}` : ''}`,
                  });
                } else if (c.outcome === 'skip') {
                  record({ id: user.id, status: 'not-migratable', detail: c.kind });
                } else if (!digests.has(user.id)) {
                  record({
                    id: user.id,
                    status: 'unaccounted',
                    detail: 'not in the legacy store: run `supa2aws auth export`',
                  });
                } else if (digests.get(user.id) !== storeRow(user, c).digest) {
                  record({
                    id: user.id,
                    status: 'unaccounted',
                    detail: 'changed in Supabase since the last export: run `supa2aws auth export`',
                  });
                } else {
                  const how =
                    c.outcome === 'lazy'
                      ? 'at first sign-in with their password'
                      : c.outcome === 'reset'
                        ? 'on forgot-password (hash cannot be verified)'
                        : 'by `supa2aws auth import --remaining` (no password)';
                  record({ id: user.id, status: 'pending', detail: how });
                }
              }
              if (subColumn) {
                result.cognitoSubRecorded =
                  (result.cognitoSubRecorded ?? 0) +
                  batch.filter((u) => poolById.has(u.id) && recorded?.get(u.id)?.sub).length;
              }
              reporter.emit({ type: 'progress', task: 'verify users', done: result.total, unit: 'users' });
            }
          });
        });

        const orphans = await target.query<{ without: number; unknown: number }>(
          `SELECT count(*) FILTER (WHERE p.supabase_id IS NULL)::int AS without,
                  count(*) FILTER (WHERE p.supabase_id IS NOT NULL ${
                    storeExists
                      ? `AND NOT EXISTS (SELECT 1 FROM ${table} l WHERE l.id::text = p.supabase_id)`
                      : ''
                  })::int AS unknown
             FROM ${POOL_TABLE} p`,
        );
        result.pool.withoutSupabaseId = orphans.rows[0]?.without ?? 0;
        result.pool.unknownToStore = orphans.rows[0]?.unknown ?? 0;

        if (options.probe) {
          const probe = options.probe;
          const name = parseSignInName(probe.username);
          const masked = name.by === 'email' ? maskEmail(name.value) : `${probe.username.slice(0, 4)}***`;
          const column = name.by === 'email' ? 'email_key' : name.by === 'phone' ? 'phone' : 'id';
          const expected =
            name.by === 'unknown' || !storeExists
              ? undefined
              : (
                  await target.query<{ id: string }>(`SELECT id FROM ${table} WHERE ${column} = $1 LIMIT 1`, [
                    name.value,
                  ])
                ).rows[0]?.id;
          const wasInPool = expected
            ? (await target.query(`SELECT 1 FROM ${POOL_TABLE} WHERE supabase_id = $1`, [expected])).rows
                .length > 0
            : undefined;
          result.probe = await step(reporter, `sign-in probe as ${masked}`, () =>
            signInProbe(pool, probe, masked, expected, wasInPool, mode),
          );
        }
      }),
    );
  } finally {
    if (!options.pool) pool.client.destroy();
  }
  result.ok = result.counts.unaccounted === 0 && result.counts.mismatch === 0 && (result.probe?.ok ?? true);
  return result;
}

interface PoolMember {
  supabase_id: string;
  sub: string | null;
  status: string | null;
  enabled: boolean;
}

interface RecordedSub {
  sub: string | null;
}

/** `auth.users.cognito_sub` of these users on the target (users absent from auth.users are left out). */
async function recordedSubs(target: pg.ClientBase, ids: string[]): Promise<Map<string, RecordedSub>> {
  const { rows } = await target.query<{ id: string; cognito_sub: string | null }>(
    `SELECT id::text AS id, cognito_sub FROM auth.users WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, { sub: r.cognito_sub }]));
}

/**
 * What keeps a pool member from signing in as their Supabase user (or lets a banned one in), with the
 * command that repairs it; undefined when nothing does.
 */
function memberMismatch(
  user: SourceUser,
  c: Classified,
  member: PoolMember,
  /** The target's row (null: no row in auth.users; undefined: no compat auth.users to compare with). */
  recorded: RecordedSub | null | undefined,
): string | undefined {
  if (member.status === 'FORCE_CHANGE_PASSWORD') {
    return 'half-created in the pool (FORCE_CHANGE_PASSWORD, left by an interrupted import): run `supa2aws auth import --remaining` to finish them';
  }
  const banned = c.kind === 'banned';
  if (!member.enabled && !banned) {
    return 'disabled in the pool but not banned in Supabase: enable them (AdminEnableUser) if that was not on purpose';
  }
  if (member.enabled && banned) {
    return 'enabled in the pool but banned in Supabase: disable them (AdminDisableUser)';
  }
  if (member.status === 'UNCONFIRMED' && (user.emailConfirmedAt || user.phoneConfirmedAt)) {
    return 'unconfirmed in the pool but confirmed in Supabase: confirm them (AdminConfirmSignUp)';
  }
  if (recorded?.sub && member.sub && recorded.sub !== member.sub) {
    return `bound to another Cognito user (auth.users.cognito_sub ${recorded.sub}, the pool's user carries ${member.sub}): the app refuses them until an admin re-binds them with \`supa2aws auth relink ${user.id}\` (\`supa2aws auth import --remaining\` does it when the old Cognito user is gone)`;
  }
  if (recorded === null) {
    return 'not in the target auth.users: run `supa2aws db copy` (the app has no row for them)';
  }
  return undefined;
}

async function signInProbe(
  pool: TargetPool,
  probe: { username: string; password: string },
  masked: string,
  expected: string | undefined,
  wasInPool: boolean | undefined,
  mode: Config['auth']['userIdAttribute'],
): Promise<ProbeResult> {
  const out: ProbeResult = { user: masked, ok: false };
  if (expected) out.expectedUserId = expected;
  if (wasInPool !== undefined) out.wasInPool = wasInPool;
  try {
    const auth = await pool.client.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: pool.clientId,
        AuthParameters: { USERNAME: probe.username, PASSWORD: probe.password },
      }),
    );
    if (!auth.AuthenticationResult) {
      out.challenge = auth.ChallengeName ?? 'no tokens';
      return out;
    }
    const id = decodeClaims(auth.AuthenticationResult.IdToken);
    const resolved = mode === 'username' ? id['cognito:username'] : id[SUPABASE_ID_ATTRIBUTE];
    if (typeof resolved === 'string') out.resolvedUserId = resolved;
    out.ok = expected !== undefined && resolved === expected;
    if (!out.ok && !out.error) {
      out.error = expected ? 'the tokens carry another user ID' : 'the probe user is not in the legacy store';
    }
  } catch (error) {
    out.error = awsErrorName(error) ?? 'sign-in failed';
  }
  return out;
}
