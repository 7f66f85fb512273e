/**
 * `supa2aws auth plan`: reads auth.users and auth.identities, sorts users into kinds and says what
 * happens to each; checks the target pool. Reads only.
 */
import {
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Config } from '../config/schema.ts';
import { AuthError } from '../core/errors.ts';
import { silentReporter, step, type Reporter } from '../core/reporter.ts';
import { classifyUser, KIND_OUTCOMES, type Outcome, type UserKind } from './classify.ts';
import { awsCredentialError, credentialProblem } from '../core/aws/aws-errors.ts';
import { awsErrorName, targetPool, type TargetPool } from './cognito.ts';
import { defaultConnect, inReadOnlySnapshot, withClient, type ConnectFn } from '../core/pg.ts';
import { bcryptCostOutOfRange } from './hash-kind.ts';
import { checkPool, type PoolCheck } from './pool-checks.ts';
import { readCaseDuplicateGroups, readDuplicateEmails, readSourceUsers } from './source-users.ts';

export interface KindSummary {
  kind: UserKind;
  count: number;
  outcome: Outcome;
  what: string;
  /** A few user IDs of this kind, to look at. */
  sampleIds: string[];
}

export interface AuthPlan {
  version: 1;
  generatedAt: string;
  userIdAttribute: Config['auth']['userIdAttribute'];
  users: {
    total: number;
    phoneOnly: number;
    withPassword: number;
    /** bcrypt hashes outside BCRYPT_COST_RANGE: the migrate-user Lambda refuses their sign-in. */
    bcryptCostOutOfRange: number;
  };
  kinds: KindSummary[];
  byOutcome: Partial<Record<Outcome, number>>;
  /** Emails equal except for case, SSO users included (email masked). */
  caseDuplicates: { email: string; users: { id: string; sso: boolean; deleted: boolean }[] }[];
  pool: {
    userPoolId?: string;
    emulator: boolean;
    checks: PoolCheck[];
    /** Set when the pool could not be described at all: the plan is incomplete. */
    problem?: 'unreachable' | 'not-found' | 'no-credentials' | 'credentials-refused';
  };
}

export interface PlanOptions {
  config: Config;
  reporter?: Reporter;
  connect?: ConnectFn;
  /** Injected for tests; else built from config.target.cognito. */
  pool?: TargetPool;
  now?: () => Date;
  /** Sees each user's verdict as it is read (`auth plan --out` keeps them, by id). */
  onUser?: (user: PlannedUser) => void;
}

/** One user's verdict, by id only. */
export interface PlannedUser {
  id: string;
  kind: UserKind;
  outcome: Outcome;
}

/** `frank.case@example.com` → `fr***@example.com`: enough to find the user, not to copy the address. */
export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  if (at < 0) return '***';
  return `${email.slice(0, Math.min(2, at))}***${email.slice(at)}`;
}

export async function planAuth(options: PlanOptions): Promise<AuthPlan> {
  const { config } = options;
  const reporter = options.reporter ?? silentReporter;
  const now = (options.now ?? (() => new Date()))();
  const plan: AuthPlan = {
    version: 1,
    generatedAt: now.toISOString(),
    userIdAttribute: config.auth.userIdAttribute,
    users: { total: 0, phoneOnly: 0, withPassword: 0, bcryptCostOutOfRange: 0 },
    kinds: [],
    byOutcome: {},
    caseDuplicates: [],
    pool: { emulator: false, checks: [] },
  };
  const kinds = new Map<UserKind, KindSummary>();

  await step(reporter, 'read Supabase users', () =>
    withClient(options.connect ?? defaultConnect, config.source.db.url, 'source', async (source) => {
      await inReadOnlySnapshot(source, async () => {
        const duplicateEmails = await readDuplicateEmails(source);
        for await (const batch of readSourceUsers(source)) {
          for (const user of batch) {
            const c = classifyUser(user, {
              now,
              duplicateEmails,
              migrateUnconfirmed: config.auth.migrateUnconfirmed,
            });
            let entry = kinds.get(c.kind);
            if (!entry) {
              entry = {
                kind: c.kind,
                count: 0,
                outcome: c.outcome,
                what: KIND_OUTCOMES[c.kind].what,
                sampleIds: [],
              };
              kinds.set(c.kind, entry);
            }
            entry.count++;
            if (entry.sampleIds.length < 5) entry.sampleIds.push(user.id);
            options.onUser?.({ id: user.id, kind: c.kind, outcome: c.outcome });
            plan.byOutcome[c.outcome] = (plan.byOutcome[c.outcome] ?? 0) + 1;
            plan.users.total++;
            if (c.outcome !== 'skip' && !c.emailKey && c.phone) plan.users.phoneOnly++;
            if (c.hashKind !== 'none') plan.users.withPassword++;
            if (c.outcome === 'lazy' && bcryptCostOutOfRange(user.passwordHash))
              plan.users.bcryptCostOutOfRange++;
          }
          reporter.emit({ type: 'progress', task: 'read users', done: plan.users.total, unit: 'users' });
        }
        plan.caseDuplicates = (await readCaseDuplicateGroups(source)).map((g) => ({
          email: maskEmail(g.email),
          users: g.users,
        }));
      });
    }),
  );
  const order = Object.keys(KIND_OUTCOMES) as UserKind[];
  plan.kinds = [...kinds.values()].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));

  if (!config.target.cognito && !options.pool) {
    plan.pool.checks = [
      {
        name: 'target pool',
        status: 'unknown',
        detail: 'target.cognito is not set: deploy the auth stack first',
      },
    ];
    return plan;
  }
  const pool = options.pool ?? targetPool(config);
  plan.pool.userPoolId = pool.userPoolId;
  plan.pool.emulator = pool.emulator;
  try {
    await step(reporter, 'check the target pool', async () => {
      const described = await pool.client.send(new DescribeUserPoolCommand({ UserPoolId: pool.userPoolId }));
      const appClient = await pool.client.send(
        new DescribeUserPoolClientCommand({ UserPoolId: pool.userPoolId, ClientId: pool.clientId }),
      );
      plan.pool.checks = checkPool({
        pool: described.UserPool ?? {},
        client: appClient.UserPoolClient ?? {},
        mode: config.auth.userIdAttribute,
        emulator: pool.emulator,
        phoneUsers: plan.users.phoneOnly > 0,
      });
    });
  } catch (error) {
    const credentials = credentialProblem(error);
    plan.pool.problem =
      credentials === 'missing'
        ? 'no-credentials'
        : credentials === 'refused'
          ? 'credentials-refused'
          : awsErrorName(error) === 'ResourceNotFoundException'
            ? 'not-found'
            : 'unreachable';
    plan.pool.checks = [
      {
        name: 'target pool',
        status: 'fail',
        detail: `could not describe pool ${pool.userPoolId}: ${awsErrorName(error) ?? (error as Error).message}`,
      },
    ];
  } finally {
    if (!options.pool) pool.client.destroy();
  }
  return plan;
}

/**
 * The error a plan whose target pool could not be described stands for (after its report is written): a
 * missing pool is a config mistake (exit 2), an unreachable Cognito an environment failure (exit 3).
 */
export function planPoolError(plan: AuthPlan): AuthError | undefined {
  if (!plan.pool.problem) return undefined;
  const detail = plan.pool.checks[0]?.detail ?? '';
  if (plan.pool.problem === 'no-credentials' || plan.pool.problem === 'credentials-refused') {
    return awsCredentialError(
      plan.pool.problem === 'no-credentials' ? 'missing' : 'refused',
      `the target Cognito user pool ${plan.pool.userPoolId}`,
    );
  }
  return plan.pool.problem === 'not-found'
    ? new AuthError(
        'AUTH_POOL_NOT_FOUND',
        `the target pool ${plan.pool.userPoolId} does not exist: ${detail}`,
        {
          exit: 'usage',
          hint: 'Check target.cognito.userPoolId (and region) in the config, or deploy the auth stack first.',
        },
      )
    : new AuthError(
        'AUTH_POOL_UNREACHABLE',
        `the target pool ${plan.pool.userPoolId} could not be checked: ${detail}`,
        {
          exit: 'environment',
          hint: 'Check target.cognito.endpoint/region and your AWS credentials; `supa2aws doctor` checks reachability.',
        },
      );
}
