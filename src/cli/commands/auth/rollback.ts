import type { Command } from 'commander';
import {
  applyAuthRollbackFromConfig,
  maskEmail,
  planAuthRollbackFromConfig,
  rollbackReport,
  type AuthRollbackPlan,
  type AuthRollbackResult,
} from '../../../auth/index.ts';
import { timedReport, writePhaseReport } from '../../../report/phase-report.ts';
import { action } from '../../context.ts';
import { reportDirOption } from './flags.ts';
import { users } from './render.ts';

const LISTED = 50;

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

/** `auth rollback [--remove]`: before switching back, the pool users Supabase does not have; --remove deletes them. */
export function registerAuthRollback(auth: Command): void {
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
            await ctx.confirm(`auth rollback --remove (${users(plan.remove.length)} in Cognito)`, {
              dryRun: opts.dryRun === true,
            });
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
