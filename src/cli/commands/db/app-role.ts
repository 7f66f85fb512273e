import type { Command } from 'commander';
import { runAppRoleFromConfig, type AppRoleResult } from '../../../db/index.ts';
import { action } from '../../context.ts';
import { table } from '../../render.ts';

function resultText(r: AppRoleResult): string {
  const { plan } = r;
  const lines = [
    `app role ${r.role} on the target, granted by ${plan.inspection.owner}: schemas ${plan.inspection.schemas.join(', ') || '(none)'}; ${plan.inspection.rlsTables.length} RLS table(s); member of ${plan.inspection.memberOf.join(', ') || '(none)'}`,
    '',
    table(
      ['check', 'status', 'detail'],
      r.verify.checks.map((c) => [
        c.id,
        c.ok ? 'ok' : r.dryRun && c.fixable ? 'will fix' : 'FAILED',
        `${c.detail}${c.objects ? `: ${c.objects.slice(0, 6).join(', ')}${c.objects.length > 6 ? ' …' : ''}` : ''}`,
      ]),
    ),
  ];
  for (const b of plan.blockers) if (b.hint) lines.push(`  ${b.id}: ${b.hint}`);
  if (r.dryRun) {
    lines.push(
      '',
      plan.blockers.length > 0
        ? 'dry run: apply would refuse until the FAILED checks are fixed'
        : `dry run: ${plan.changes.length} check(s) to converge${plan.setsPassword ? ', and the password set from db.appRole.password' : ''}; nothing changed`,
    );
  } else if (r.applied) {
    lines.push(
      '',
      `${r.applied.created ? 'created' : 'converged'}${r.applied.passwordSet ? ', password set' : ', password unchanged'}; ${r.verify.ok ? 'every check passes' : 'some checks FAIL'}`,
    );
  }
  return lines.join('\n');
}

/** `db app-role`: the app's login role created or converged on the target, then verified. */
export function registerDbAppRole(db: Command): void {
  db.command('app-role')
    .description(
      "create or converge the app's login role (API and worker): owns nothing, only the grants the app needs, cannot read the legacy password store; then verify it",
    )
    .option('--dry-run', 'show the checks and what would change; change nothing')
    .action(
      action(async (ctx, opts: { dryRun?: boolean }) => {
        const { config } = await ctx.config();
        await ctx.confirm('db app-role', { dryRun: opts.dryRun === true });
        const result = await runAppRoleFromConfig(
          config,
          { dryRun: opts.dryRun === true },
          { reporter: ctx.reporter },
        );
        ctx.print(result, () => resultText(result));
        if (result.dryRun) return result.plan.blockers.length === 0 ? 0 : 1;
        return result.verify.ok ? 0 : 1;
      }),
    );
}
