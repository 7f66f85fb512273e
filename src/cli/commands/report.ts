import type { Command } from 'commander';
import { DEFAULT_REPORT_DIR, writeMigrationReport } from '../../report/index.ts';
import { action } from '../context.ts';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('build the migration report (Markdown + self-contained HTML) from the phase reports')
    .option(
      '--dir <dir>',
      'where the phase reports are, and where report.md/report.html go',
      DEFAULT_REPORT_DIR,
    )
    .action(
      action(async (ctx, opts: { dir: string }) => {
        const written = writeMigrationReport(opts.dir);
        ctx.print(
          {
            ok: written.report.ok,
            markdown: written.markdownFile,
            html: written.htmlFile,
            phases: written.report.phases.length,
          },
          () =>
            `${written.report.phases.length} phase report(s), overall ${written.report.ok ? 'PASS' : 'FAIL'}\n` +
            `markdown: ${written.markdownFile}\nhtml:     ${written.htmlFile}`,
        );
        return written.report.ok ? 0 : 1;
      }),
    );
}
