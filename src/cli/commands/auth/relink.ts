import type { Command } from 'commander';
import { relinkReport, relinkUserFromConfig, relinkUserId, type RelinkResult } from '../../../auth/index.ts';
import { timedReport, writePhaseReport } from '../../../report/phase-report.ts';
import { action } from '../../context.ts';
import { reportDirOption } from './flags.ts';

function relinkText(r: RelinkResult): string {
  if (!r.changed)
    return `user ${r.userId} is already bound to pool user ${r.username} (sub ${r.to ?? 'none'})`;
  const binding = `auth.users.cognito_sub ${r.from ?? 'none'} → ${r.to ?? 'none (recorded at the next sign-in)'}`;
  if (r.dryRun)
    return [
      `dry run: would re-bind user ${r.userId} to pool user ${r.username}: ${binding}; nothing changed`,
      ...(r.oldIdentityInPool
        ? [
            `the Cognito user with sub ${r.from} is still in the pool and would no longer resolve to this user`,
          ]
        : []),
    ].join('\n');
  return [
    `re-bound user ${r.userId} to pool user ${r.username}: ${binding}`,
    ...(r.oldIdentityInPool
      ? [`the Cognito user with sub ${r.from} is still in the pool and no longer resolves to this user`]
      : []),
    'app servers drop a cached answer for the old sub within the resolver’s ttlMs (5 minutes by default)',
  ].join('\n');
}

/** `auth relink <user> [--dry-run]`: an admin step re-binding a Supabase user to the Cognito user the pool has now. */
export function registerAuthRelink(auth: Command): void {
  auth
    .command('relink <user>')
    .description(
      'admin step: re-bind a Supabase user (UUID) to the Cognito user the pool has for them now (after a delete and re-migration, or a rebuilt pool); logged',
    )
    .option('--dry-run', 'check and show the binding it would set; change nothing')
    .option(...reportDirOption)
    .action(
      action(async (ctx, user: string, opts: { dryRun?: boolean; reportDir: string }) => {
        const { config } = await ctx.config();
        const userId = relinkUserId(user);
        const dryRun = opts.dryRun === true;
        await ctx.confirm(`auth relink ${userId}`, { dryRun });
        const deps = { reporter: ctx.reporter, signal: ctx.signal };
        if (dryRun) {
          const preview = await relinkUserFromConfig(config, { userId, dryRun }, deps);
          ctx.print(preview, () => relinkText(preview));
          return 0;
        }
        let result: RelinkResult | undefined;
        const report = await timedReport('auth', 'relink', async () => {
          result = await relinkUserFromConfig(config, { userId }, deps);
          return relinkReport(result);
        });
        writePhaseReport(opts.reportDir, report);
        ctx.print(result, () => relinkText(result!));
        return 0;
      }),
    );
}
