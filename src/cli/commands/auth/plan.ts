import type { Command } from 'commander';
import { planAuthFromConfig, planPoolError, planReport, type AuthPlan } from '../../../auth/index.ts';
import { assertOutFile } from '../../../core/plan-file.ts';
import { timedReport, writePhaseReport } from '../../../report/phase-report.ts';
import { action } from '../../context.ts';
import { reportDirOption } from './flags.ts';
import { planText } from './render.ts';

/** `auth plan [--out <file>]`: the users sorted into kinds, the target pool checked; the plan saved to apply later. */
export function registerAuthPlan(auth: Command): void {
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
        if (opts.out) assertOutFile(opts.out, opts.reportDir);
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
}
