import type { Command } from 'commander';
import { isSupa2awsError } from '../../core/errors.ts';
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
        const config = await ctx.config().then(
          (loaded) => loaded.config,
          (error: unknown) => {
            if (isSupa2awsError(error) && error.code === 'CONFIG_NOT_FOUND') return undefined;
            throw error;
          },
        );
        const report = await runDoctor(config, opts.pgDump ? { pgDump: opts.pgDump } : {});
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
        return report.ok ? 0 : 3;
      }),
    );
}
