import type { Command } from 'commander';
import { runDoctor } from '../../doctor/index.ts';
import { action } from '../context.ts';
import { table } from '../render.ts';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('phase 0: check tools, credentials, region and that both sides are reachable')
    .option('--pg-dump <path>', 'the pg_dump to check')
    .action(
      action(async (ctx, opts: { pgDump?: string }) => {
        const inspection = await ctx.inspectConfig();
        const report = await runDoctor(inspection, opts.pgDump ? { pgDump: opts.pgDump } : {});
        ctx.print(report, () => {
          const rows = report.checks.map((c) => [c.status.toUpperCase(), c.title, c.detail]);
          const fixes = report.checks
            .filter((c) => c.fix && c.status !== 'pass')
            .map((c) => `  ${c.title}: ${c.fix}`);
          return [
            table(['status', 'check', 'found'], rows),
            ...(fixes.length ? ['', 'to fix:', ...fixes] : []),
          ].join('\n');
        });
        // A config problem is a usage error (2); anything else that failed is the environment (3).
        return report.ok ? 0 : inspection.issues.length > 0 ? 2 : 3;
      }),
    );
}
