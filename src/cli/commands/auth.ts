import type { Command } from 'commander';
import {
  applyAuthRollbackFromConfig,
  BCRYPT_COST_RANGE,
  exportLegacyStoreFromConfig,
  exportReport,
  importRemainingFromConfig,
  importReport,
  maskEmail,
  planAuthFromConfig,
  planAuthRollbackFromConfig,
  planPoolError,
  planReport,
  relinkReport,
  relinkUserFromConfig,
  rollbackReport,
  verifyAuthFromConfig,
  verifyReport,
  type AuthPlan,
  type AuthRollbackPlan,
  type AuthRollbackResult,
  type ExportResult,
  type ImportResult,
  type ImportSincePlan,
  type RelinkResult,
  type VerifyResult,
} from '../../auth/index.ts';
import { ConfigError } from '../../core/errors.ts';
import { assertPlanOutsideReports } from '../../core/plan-file.ts';
import { DEFAULT_REPORT_DIR, timedReport, writePhaseReport } from '../../report/phase-report.ts';
import { action } from '../context.ts';
import { table } from '../render.ts';

const MARK = { pass: 'ok', fail: 'FAIL', warn: 'warn', unknown: '?' } as const;

function planText(plan: AuthPlan): string {
  const lines = [
    `${plan.users.total} Supabase users (${plan.users.withPassword} with a password, ${plan.users.phoneOnly} by phone only); the UUID goes in ${plan.userIdAttribute}`,
    '',
    table(
      ['kind', 'users', 'outcome', 'what happens'],
      plan.kinds.map((k) => [k.kind, String(k.count), k.outcome, k.what]),
    ),
  ];
  if (plan.users.bcryptCostOutOfRange > 0) {
    lines.push(
      '',
      `${plan.users.bcryptCostOutOfRange} users have a bcrypt cost outside ${BCRYPT_COST_RANGE.min}–${BCRYPT_COST_RANGE.max}: the migrate-user Lambda refuses their sign-in (they reset their password)`,
    );
  }
  if (plan.caseDuplicates.length > 0) {
    lines.push('', 'emails equal except for case:');
    for (const group of plan.caseDuplicates) {
      const who = group.users.map((u) => `${u.id}${u.sso ? ' (SSO)' : ''}${u.deleted ? ' (deleted)' : ''}`);
      lines.push(`  ${group.email}: ${who.join(', ')}`);
    }
  }
  lines.push(
    '',
    `target pool ${plan.pool.userPoolId ?? '(not configured)'}${plan.pool.emulator ? ' (cognito-local: ? = only a real pool can tell)' : ''}:`,
    table(
      ['check', 'result', 'detail'],
      plan.pool.checks.map((c) => [c.name, MARK[c.status], c.detail]),
    ),
  );
  return lines.join('\n');
}

function exportText(r: ExportResult): string {
  const lines = [
    `legacy credential store ${r.table}: ${r.users.total} users (${r.users.inserted} new, ${r.users.updated} changed, ${r.users.unchanged} unchanged, ${r.users.removed} removed)`,
    `by outcome: ${Object.entries(r.byOutcome)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `role ${r.role.name}: ${r.role.created ? 'created' : 'kept'}, password ${r.role.passwordSet ? 'set' : 'NOT set'}`,
    table(
      ['role', 'can read', 'expected'],
      r.privileges.map((p) => [p.role, p.canRead ? 'yes' : 'no', p.expected ? 'yes' : 'no']),
    ),
  ];
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

/** What changed since the saved plan an import applied. */
function sincePlanLines(s: ImportSincePlan): string[] {
  const lines = [
    `the plan in ${s.file}, made ${s.createdAt}: only its ${users(s.planned)} to import are created`,
  ];
  if (s.notInPlan.count)
    lines.push(
      `  ${users(s.notInPlan.count)} to import not in the plan (added or no longer skipped since), not created — run \`supa2aws auth plan --out <file>\` again to take them: ${s.notInPlan.sample.join(', ')}`,
    );
  if (s.gone.count)
    lines.push(
      `  ${users(s.gone.count)} of the plan no longer to import (removed at the source, or skipped now): ${s.gone.sample.join(', ')}`,
    );
  return lines;
}

function importText(r: ImportResult): string {
  const lines = [
    `pool ${r.userPoolId}: ${r.poolUsersBefore} users before; ${r.candidates} remaining`,
    `created ${r.created}, already there ${r.existing}, finished ${r.finished}, linked ${r.linked}, failed ${r.failed.length}`,
    `rate: ceiling ${r.rate.ceiling}/s, ${r.rate.calls} calls, ${r.rate.throttles} throttled; cognito_sub recorded for ${r.cognitoSub.recorded}${r.cognitoSub.column ? '' : ' (the target has no auth.users.cognito_sub)'}`,
  ];
  if (r.sincePlan) lines.push(...sincePlanLines(r.sincePlan));
  for (const f of r.failed.slice(0, 20)) lines.push(`  failed ${f.id}: ${f.code}: ${f.message}`);
  if (r.failed.length > 20) lines.push(`  … and ${r.failed.length - 20} more (see the report)`);
  for (const id of r.finishedIds.slice(0, 20))
    lines.push(`  finished ${id}: half-created by an interrupted import, now CONFIRMED`);
  for (const b of r.cognitoSub.rebound.slice(0, 20))
    lines.push(`  re-bound ${b.id}: cognito_sub ${b.from} → ${b.to} (the old Cognito user is gone)`);
  for (const c of r.cognitoSub.conflicts.slice(0, 20))
    lines.push(
      `  NOT re-bound ${c.id}: cognito_sub ${c.recorded}, the pool's user carries ${c.pool} (${c.reason}): \`supa2aws auth relink ${c.id}\``,
    );
  if (r.csv) {
    lines.push(
      '',
      `EXPERIMENTAL: ${r.csv.file} (${r.csv.rows} users, mode 0600, holds bcrypt hashes) for CreateUserImportJob with PasswordHashingAlgorithm=BCRYPT.`,
      `  header from ${r.csv.headerSource}; hash column "${r.csv.hashColumn}"${r.csv.hashColumnFromHeader ? '' : ' (our guess: the pool header names none)'}; ${r.csv.skippedUnverified} users without a verified email or phone left out.`,
      '  Unproven on a real account: try it on a test pool first.',
    );
  }
  return lines.join('\n');
}

function relinkText(r: RelinkResult): string {
  if (!r.changed)
    return `user ${r.userId} is already bound to pool user ${r.username} (sub ${r.to ?? 'none'})`;
  return [
    `re-bound user ${r.userId} to pool user ${r.username}: auth.users.cognito_sub ${r.from ?? 'none'} → ${r.to ?? 'none (recorded at the next sign-in)'}`,
    ...(r.oldIdentityInPool
      ? [`the Cognito user with sub ${r.from} is still in the pool and no longer resolves to this user`]
      : []),
    'app servers drop a cached answer for the old sub within the resolver’s ttlMs (5 minutes by default)',
  ].join('\n');
}

function verifyText(r: VerifyResult): string {
  const lines = [
    `${r.total} Supabase users: ${r.counts.migrated} migrated, ${r.counts.pending} pending, ${r.counts['not-migratable']} not migratable, ${r.counts.unaccounted} unaccounted, ${r.counts.mismatch} mismatched`,
    table(
      ['status', 'users'],
      Object.entries(r.byDetail)
        .sort()
        .map(([k, v]) => [k, String(v)]),
    ),
    `pool ${r.userPoolId}: ${r.pool.users} users, ${r.pool.withoutSupabaseId} without a Supabase UUID, ${r.pool.unknownToStore} unknown to the legacy store${r.cognitoSubRecorded === null ? '' : `; cognito_sub recorded for ${r.cognitoSubRecorded} migrated`}`,
  ];
  for (const u of r.unaccounted.slice(0, 20)) lines.push(`  unaccounted ${u.id}: ${u.detail}`);
  for (const u of r.mismatched) lines.push(`  mismatch ${u.id}: ${u.detail}`);
  if (r.probe) {
    lines.push(
      `sign-in probe as ${r.probe.user}: ${r.probe.ok ? 'ok' : 'FAILED'}` +
        (r.probe.ok
          ? ` (tokens resolve to ${r.probe.resolvedUserId}${r.probe.wasInPool === false ? '; migrated by this sign-in' : ''})`
          : ` (${r.probe.error ?? r.probe.challenge})`),
    );
  }
  lines.push(
    r.ok
      ? 'every user accounted for'
      : r.counts.mismatch > 0
        ? 'NOT every user can sign in as their Supabase user (mismatches above)'
        : 'NOT every user is accounted for',
  );
  return lines.join('\n');
}

const LISTED = 50;

const users = (n: number) => `${n} user${n === 1 ? '' : 's'}`;

/** A Cognito user by sub, or by username (masked when it is an email). */
const cognitoName = (u: { username: string; sub: string | null }) =>
  u.sub ? `sub ${u.sub}` : `username ${u.username.includes('@') ? maskEmail(u.username) : u.username}`;

const removalLine = (u: AuthRollbackPlan['remove'][number]) =>
  `${cognitoName(u)}${u.email ? ` (${u.email})` : ''}, app user ${u.userId ?? 'none'}: ${u.detail}`;

function rollbackText(plan: AuthRollbackPlan, removal: AuthRollbackResult | null, dryRun: boolean): string {
  const lines = [
    `pool ${plan.userPoolId}: ${users(plan.poolUsers)}; ${plan.remove.length} not in Supabase, ${plan.changed.length} changed in Cognito`,
  ];
  if (plan.remove.length > 0) {
    lines.push(
      '',
      'not in Supabase: switching back leaves them without an account (`--remove` deletes them from the pool)',
    );
    for (const u of plan.remove.slice(0, LISTED)) lines.push(`  ${removalLine(u)}`);
    if (plan.remove.length > LISTED)
      lines.push(`  … and ${plan.remove.length - LISTED} more (--json lists them all)`);
  }
  if (plan.changed.length > 0) {
    lines.push('', 'changed in Cognito: Supabase does not know it (listed only, never removed)');
    for (const u of plan.changed.slice(0, LISTED))
      lines.push(`  ${u.userId} (sub ${u.sub ?? 'none'}): ${u.detail}`);
    if (plan.changed.length > LISTED)
      lines.push(`  … and ${plan.changed.length - LISTED} more (--json lists them all)`);
  }
  lines.push('', 'switching back, for everyone:', ...plan.everyone.map((l) => `  - ${l}`));
  lines.push(
    '',
    'what the pool cannot show, so this list cannot include:',
    ...plan.undetectable.map((l) => `  - ${l}`),
  );
  lines.push('');
  if (removal) {
    lines.push(
      `removed ${removal.removed}, already gone ${removal.alreadyGone}, skipped ${removal.skipped.length}, failed ${removal.failed.length} of ${users(removal.planned)}`,
    );
    for (const s of removal.skipped) lines.push(`  skipped ${s.sub ?? 'a user without a sub'}: ${s.why}`);
    for (const f of removal.failed)
      lines.push(`  failed ${f.sub ?? 'a user without a sub'}: ${f.code}: ${f.message}`);
  } else if (plan.remove.length === 0) {
    lines.push('nobody to remove: every pool user has a Supabase account');
  } else {
    lines.push(
      `${dryRun ? 'dry run: nothing removed. ' : ''}\`supa2aws auth rollback --remove\` deletes the ${users(plan.remove.length)} above from the pool (it asks first; --yes skips the question)`,
    );
  }
  return lines.join('\n');
}

const reportDirOption = [
  '--report-dir <dir>',
  'where the JSON phase report goes',
  DEFAULT_REPORT_DIR,
] as const;

export function registerAuth(program: Command): void {
  const auth = program
    .command('auth')
    .description('phase 3: Supabase Auth users to Cognito, keeping their passwords and user IDs');

  auth
    .command('plan')
    .description('sort the Supabase users into kinds, say what happens to each, check the target pool')
    .option(
      '--out <file>',
      "also save the plan there (JSON: each kind's verdict and its users' ids, no email or hash), to review and apply later with `auth import --plan <file>`",
    )
    .option(...reportDirOption)
    .action(
      action(async (ctx, opts: { out?: string; reportDir: string }) => {
        if (opts.out) assertPlanOutsideReports(opts.out, opts.reportDir);
        const { config } = await ctx.config();
        let plan: AuthPlan | undefined;
        const report = await timedReport('auth', 'plan', async () => {
          plan = await planAuthFromConfig(config, opts.out ? { out: opts.out } : {}, {
            reporter: ctx.reporter,
          });
          return planReport(plan);
        });
        writePhaseReport(opts.reportDir, report);
        const saved = opts.out
          ? `\n\nplan saved to ${opts.out}; review it, then create exactly its users with: supa2aws auth import --plan ${opts.out}`
          : '';
        ctx.print(opts.out ? { ...plan, out: opts.out } : plan, () => `${planText(plan!)}${saved}`);
        const failed = planPoolError(plan!);
        if (failed) throw failed;
        return 0;
      }),
    );

  auth
    .command('export')
    .description('write the legacy credential store (locked down) into the target database')
    .option('--dry-run', 'print the plan instead: what would be exported')
    .option(...reportDirOption)
    .action(
      action(async (ctx, opts: { dryRun?: boolean; reportDir: string }) => {
        const { config } = await ctx.config();
        if (opts.dryRun) {
          const plan = await planAuthFromConfig(config, {}, { reporter: ctx.reporter });
          ctx.print(plan, () => planText(plan));
          return 0;
        }
        let result: ExportResult | undefined;
        const report = await timedReport('auth', 'export', async () => {
          result = await exportLegacyStoreFromConfig(config, { reporter: ctx.reporter, signal: ctx.signal });
          return exportReport(result);
        });
        writePhaseReport(opts.reportDir, report);
        ctx.print(result, () => exportText(result!));
        return report.ok ? 0 : 1;
      }),
    );

  auth
    .command('import')
    .description('at the end of the lazy window: create the users who never signed in')
    .option('--remaining', 'create every legacy-store user not in the pool yet (this or --plan is required)')
    .option(
      '--plan <file>',
      'create only the users a plan saved by `auth plan --out` imports (refused when the config no longer matches it); users added or no longer skipped since are reported, not created — plan again to take them',
    )
    .option(
      '--csv <file>',
      'also write the EXPERIMENTAL bcrypt import-job CSV here',
      'supa2aws-auth-import.csv',
    )
    .option('--no-csv', 'do not write the CSV')
    .option('--csv-only', 'only write the CSV; create nobody')
    .option('--rate <n>', 'requests per second at the most (overrides auth.maxRequestsPerSecond)', Number)
    .option(...reportDirOption)
    .action(
      action(
        async (
          ctx,
          opts: {
            remaining?: boolean;
            plan?: string;
            csv: string | false;
            csvOnly?: boolean;
            rate?: number;
            reportDir: string;
          },
        ) => {
          const { config } = await ctx.config();
          await ctx.confirm('auth import', { dryRun: opts.csvOnly === true });
          if (!opts.remaining && !opts.plan) {
            throw new ConfigError('AUTH_IMPORT_SCOPE', 'auth import needs --remaining or --plan <file>', {
              exit: 'usage',
              hint: 'Run `supa2aws auth import --remaining` at the end of the migration window: it creates the users who never signed in (or `--plan <file>`: only those of a plan saved by `auth plan --out <file>`).',
            });
          }
          let result: ImportResult | undefined;
          const report = await timedReport('auth', 'import', async () => {
            result = await importRemainingFromConfig(
              config,
              {
                ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
                csvFile: opts.csv,
                csvOnly: opts.csvOnly === true,
                ...(opts.plan ? { planFile: opts.plan } : {}),
              },
              { reporter: ctx.reporter, signal: ctx.signal },
            );
            return importReport(result);
          });
          writePhaseReport(opts.reportDir, report);
          ctx.print(result, () => importText(result!));
          return report.ok ? 0 : 1;
        },
      ),
    );

  auth
    .command('relink <user>')
    .description(
      'admin step: re-bind a Supabase user (UUID) to the Cognito user the pool has for them now (after a delete and re-migration, or a rebuilt pool); logged',
    )
    .option(...reportDirOption)
    .action(
      action(async (ctx, userId: string, opts: { reportDir: string }) => {
        const { config } = await ctx.config();
        let result: RelinkResult | undefined;
        const report = await timedReport('auth', 'relink', async () => {
          result = await relinkUserFromConfig(
            config,
            { userId },
            { reporter: ctx.reporter, signal: ctx.signal },
          );
          return relinkReport(result);
        });
        writePhaseReport(opts.reportDir, report);
        ctx.print(result, () => relinkText(result!));
        return 0;
      }),
    );

  auth
    .command('verify')
    .description('account for every Supabase user: migrated, pending, or not migratable with the reason')
    .option('--probe-user <name>', 'sign this user in over USER_PASSWORD_AUTH (email or phone)')
    .option('--probe-password-env <VAR>', 'environment variable holding the probe user’s password')
    .option(...reportDirOption)
    .action(
      action(async (ctx, opts: { probeUser?: string; probePasswordEnv?: string; reportDir: string }) => {
        const { config } = await ctx.config();
        let probe: { username: string; password: string } | undefined;
        if (opts.probeUser) {
          const password = opts.probePasswordEnv ? process.env[opts.probePasswordEnv] : undefined;
          if (!password) {
            throw new ConfigError('AUTH_PROBE_PASSWORD', 'the probe needs a password from the environment', {
              exit: 'usage',
              hint: 'Pass --probe-password-env VAR with VAR set to the probe user’s password (never on the command line).',
            });
          }
          probe = { username: opts.probeUser, password };
        }
        let result: VerifyResult | undefined;
        const report = await timedReport('auth', 'verify', async () => {
          result = await verifyAuthFromConfig(
            config,
            { ...(probe ? { probe } : {}) },
            { reporter: ctx.reporter, signal: ctx.signal },
          );
          return verifyReport(result);
        });
        writePhaseReport(opts.reportDir, report);
        ctx.print(result, () => verifyText(result!));
        return result!.ok ? 0 : 1;
      }),
    );

  auth
    .command('rollback')
    .description(
      'before switching the app back to Supabase tokens: list the pool users Supabase does not have (created in Cognito since) or knows otherwise; --remove deletes the first',
    )
    .option('--remove', 'delete the users Supabase does not have from the pool (asks first)')
    .option('--dry-run', 'list only; change nothing, even with --remove')
    .option(...reportDirOption)
    .action(
      action(async (ctx, opts: { remove?: boolean; dryRun?: boolean; reportDir: string }) => {
        const { config } = await ctx.config();
        const deps = { reporter: ctx.reporter, signal: ctx.signal };
        const removing = opts.remove === true && opts.dryRun !== true;
        let plan: AuthRollbackPlan | undefined;
        let removal: AuthRollbackResult | null = null;
        const report = await timedReport('auth', 'rollback', async () => {
          plan = await planAuthRollbackFromConfig(config, deps);
          if (removing && plan.remove.length > 0) {
            for (const u of plan.remove.slice(0, LISTED))
              ctx.reporter.emit({ type: 'log', level: 'info', message: `to remove: ${removalLine(u)}` });
            await ctx.confirm(`auth rollback --remove (${users(plan.remove.length)} in Cognito)`);
            removal = await applyAuthRollbackFromConfig(config, plan, deps);
          }
          return rollbackReport(plan, removal ?? undefined);
        });
        writePhaseReport(opts.reportDir, report);
        ctx.print({ plan, removal }, () => rollbackText(plan!, removal, opts.dryRun === true));
        return report.ok ? 0 : 1;
      }),
    );
}
