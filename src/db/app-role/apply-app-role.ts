/**
 * `supa2aws db app-role`: plan (inspect the role against what it should be), apply (converge it in one
 * transaction with its record row in supa2aws.app_roles), verify (inspect again). Every statement is
 * idempotent, so a re-run after a crash or a new migration only fills what is missing; tables created later
 * by the owner get the grants through default privileges. The password is sent once, in one statement that
 * is never logged or reported.
 */
import { DbError } from '../../core/errors.ts';
import { logger, silentReporter, type Reporter } from '../../core/reporter.ts';
import { inTransaction, type PgClient } from '../../core/pg.ts';
import { SUPA2AWS_SCHEMA } from '../supabase-facts.ts';
import {
  APP_ROLE_POLICY,
  inspectAppRole,
  sqlName,
  type AppRoleCheck,
  type AppRoleInspection,
  type AppRoleSettings,
} from './inspect-app-role.ts';
import { quoteIdent } from '../../core/sql-quote.ts';

export interface AppRolePlan {
  version: 1;
  inspection: AppRoleInspection;
  /** Checks `apply` converges. */
  changes: AppRoleCheck[];
  /** Checks an operator must fix first: apply refuses while any is left. */
  blockers: AppRoleCheck[];
  /** A password is configured: apply sets it (always, as the secret is the truth). */
  setsPassword: boolean;
}

export interface AppRoleResult {
  version: 1;
  role: string;
  dryRun: boolean;
  plan: AppRolePlan;
  /** What apply did (absent for a dry run). */
  applied?: { created: boolean; passwordSet: boolean; statements: number };
  /** The role after apply (or as it is, for a dry run). */
  verify: { ok: boolean; checks: AppRoleCheck[] };
}

export interface AppRoleOptions extends AppRoleSettings {
  /** The role's password (from the stack's app secret); never logged. */
  password?: string | undefined;
  dryRun?: boolean;
  reporter?: Reporter;
}

async function planAppRole(client: PgClient, options: AppRoleOptions): Promise<AppRolePlan> {
  const inspection = await inspectAppRole(client, options);
  const failed = inspection.checks.filter((c) => !c.ok);
  return {
    version: 1,
    inspection,
    changes: failed.filter((c) => c.fixable),
    blockers: failed.filter((c) => !c.fixable),
    setsPassword: options.password !== undefined,
  };
}

/** The grants and policies of the converged role, password excluded. */
function convergeSql(i: AppRoleInspection): string[] {
  const role = quoteIdent(i.role);
  const owner = quoteIdent(i.owner);
  const out: string[] = [];
  for (const s of i.schemas) {
    const schema = quoteIdent(s);
    out.push(
      `GRANT USAGE ON SCHEMA ${schema} TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`,
      `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}`,
      `GRANT EXECUTE ON ALL ROUTINES IN SCHEMA ${schema} TO ${role}`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${role}`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT USAGE, SELECT ON SEQUENCES TO ${role}`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT EXECUTE ON ROUTINES TO ${role}`,
    );
  }
  for (const s of i.usageOnly) out.push(`GRANT USAGE ON SCHEMA ${quoteIdent(s)} TO ${role}`);
  if (i.compatAuth) {
    out.push(
      `GRANT SELECT, UPDATE ON auth.users TO ${role}`,
      `GRANT EXECUTE ON ALL ROUTINES IN SCHEMA auth TO ${role}`,
    );
  }
  for (const r of i.memberOf) out.push(`GRANT ${quoteIdent(r)} TO ${role}`);
  for (const t of i.rlsTables) {
    out.push(
      `DROP POLICY IF EXISTS ${APP_ROLE_POLICY} ON ${sqlName(t)}`,
      `CREATE POLICY ${APP_ROLE_POLICY} ON ${sqlName(t)} AS PERMISSIVE FOR ALL TO ${role} USING (true) WITH CHECK (true)`,
    );
  }
  return out;
}

function refused(plan: AppRolePlan): DbError {
  const first = plan.blockers[0]!;
  return new DbError(
    'DB_APP_ROLE_UNSAFE',
    `role ${plan.inspection.role} cannot be the app's login as it is: ${plan.blockers.map((b) => `${b.detail}${b.objects ? `: ${b.objects.slice(0, 5).join(', ')}` : ''}`).join('; ')}`,
    {
      exit: 'usage',
      hint: `${first.hint ?? 'Fix it as the master user'}, then run supa2aws db app-role again.`,
      details: { blockers: plan.blockers.map((b) => b.id) },
    },
  );
}

/**
 * Plans, applies (unless dryRun) and verifies the app's login role. Runs as the owner role (the RDS master
 * user). Refuses a role that holds attributes or objects it must not (an operator fixes those).
 */
export async function runAppRole(client: PgClient, options: AppRoleOptions): Promise<AppRoleResult> {
  const log = logger(options.reporter ?? silentReporter);
  const plan = await planAppRole(client, options);
  const base = { version: 1 as const, role: options.name, dryRun: options.dryRun === true, plan };
  if (options.dryRun) {
    return {
      ...base,
      verify: { ok: plan.changes.length + plan.blockers.length === 0, checks: plan.inspection.checks },
    };
  }
  if (plan.blockers.length > 0) throw refused(plan);
  if (!plan.inspection.exists && options.password === undefined) {
    throw new DbError(
      'DB_APP_ROLE_NO_PASSWORD',
      `role ${options.name} does not exist and no password is configured: it could never log in`,
      {
        exit: 'usage',
        hint: 'db.appRole.password must be "${SUPA2AWS_APP_DB_PASSWORD}" and that variable set: export it from the stack\'s app secret (DbAppSecretArn; `supa2aws config from-stack` prints the command), then run supa2aws db app-role again.',
      },
    );
  }
  const role = quoteIdent(options.name);
  const statements = convergeSql(plan.inspection);
  await inTransaction(client, async () => {
    const password =
      options.password === undefined ? '' : ` PASSWORD ${client.escapeLiteral(options.password)}`;
    try {
      await client.query(
        `${plan.inspection.exists ? 'ALTER' : 'CREATE'} ROLE ${role} LOGIN NOINHERIT${password}`,
      );
    } catch (error) {
      // The statement holds the password: the error is rethrown with the role name only.
      const e = error as { code?: string; message?: string };
      throw new DbError(
        'DB_APP_ROLE_FAILED',
        `could not ${plan.inspection.exists ? 'alter' : 'create'} role ${options.name}: ${e.message ?? 'failed'}`,
        {
          exit: 'permission',
          hint: 'Run it as the owner role (the RDS master user: target.db.url), which has CREATEROLE.',
          details: { pgCode: e.code },
        },
      );
    }
    for (const sql of statements) await client.query(sql);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${SUPA2AWS_SCHEMA}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${SUPA2AWS_SCHEMA}.app_roles (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now(),
      summary jsonb NOT NULL
    )`);
    await client.query(
      `INSERT INTO ${SUPA2AWS_SCHEMA}.app_roles (name, summary) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET applied_at = now(), summary = EXCLUDED.summary`,
      [
        options.name,
        JSON.stringify({
          schemas: plan.inspection.schemas,
          memberOf: plan.inspection.memberOf,
          rlsTables: plan.inspection.rlsTables,
        }),
      ],
    );
  });
  const after = await inspectAppRole(client, options);
  const ok = after.checks.every((c) => c.ok);
  log[ok ? 'info' : 'warn'](
    `app role ${options.name}: ${plan.inspection.exists ? 'converged' : 'created'}; ${after.checks.filter((c) => c.ok).length}/${after.checks.length} checks pass`,
  );
  return {
    ...base,
    applied: {
      created: !plan.inspection.exists,
      passwordSet: options.password !== undefined,
      statements: statements.length + 1,
    },
    verify: { ok, checks: after.checks },
  };
}
