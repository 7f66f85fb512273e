import type { Command } from 'commander';
import {
  exportLegacyStoreFromConfig,
  exportReport,
  planAuthFromConfig,
  type ExportResult,
} from '../../../auth/index.ts';
import { timedReport, writePhaseReport } from '../../../report/phase-report.ts';
import { action } from '../../context.ts';
import { table } from '../../render.ts';
import { reportDirOption } from './flags.ts';
import { planText } from './render.ts';

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

/** `auth export [--dry-run]`: the legacy credential store written, locked down, into the target database. */
export function registerAuthExport(auth: Command): void {
  auth
    .command('export')
    .description('write the legacy credential store (locked down) into the target database')
    .option('--dry-run', 'print the plan instead: what would be exported')
    .option(...reportDirOption)
    .action(
      action(async (ctx, opts: { dryRun?: boolean; reportDir: string }) => {
        const { config } = await ctx.config();
        await ctx.confirm('auth export', { dryRun: opts.dryRun === true });
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
}
