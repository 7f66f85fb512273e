import type { Command } from 'commander';
import { action } from '../context.ts';
import { table } from '../render.ts';
import {
  failingFindings,
  failOnExitCode,
  parseFailOn,
  scanCodebase,
  SCAN_PHASES,
  type FailOn,
  type ScanReport,
} from '../../scan/index.ts';

function humanText(report: ScanReport, failOn: FailOn | undefined): string {
  const out: string[] = [];
  let file = '';
  for (const f of report.findings) {
    if (f.file !== file) {
      file = f.file;
      out.push('', file);
    }
    out.push(`  ${f.line}:${f.column}  ${f.phase.padEnd(9)} ${f.api}`);
    out.push(`      → ${f.replacement}`);
    if (f.sql) {
      out.push(`      SQL: ${f.sql.text}`);
      if (f.sql.params.length) out.push(`      params: [${f.sql.params.join(', ')}]`);
      for (const note of f.sql.notes) out.push(`      note: ${note}`);
    } else if (f.sqlSkipped) {
      out.push(`      SQL: not translated — ${f.sqlSkipped}`);
    }
  }
  out.push(
    '',
    table(
      ['phase', 'findings'],
      SCAN_PHASES.map((p) => [p, report.byPhase[p]]),
    ),
    '',
    `${report.findings.length} finding(s) in ${report.filesScanned} file(s) under ${report.root}` +
      (report.findings.length === 0 ? ': no Supabase use left.' : '.'),
  );
  for (const s of report.skipped) out.push(`skipped ${s.file}: ${s.reason}`);
  if (failOn) {
    const failing = failingFindings(report, failOn).length;
    out.push(
      failing ? `--fail-on ${failOn}: ${failing} finding(s), exit 1` : `--fail-on ${failOn}: none, exit 0`,
    );
  }
  return out.join('\n').replace(/^\n/, '');
}

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description(
      'find every supabase-js call, SUPABASE_* variable and Supabase URL in a codebase, with its replacement',
    )
    .argument('[dir]', 'the app to scan', '.')
    .option(
      '--fail-on <phase>',
      `exit 1 when findings of this phase exist: ${[...SCAN_PHASES, 'any'].join(' | ')}`,
    )
    .option('--exclude <path...>', 'more directories (names or paths relative to dir) to leave out')
    .action(
      action(async (ctx, dir: string, opts: { failOn?: string; exclude?: string[] }) => {
        const failOn = opts.failOn === undefined ? undefined : parseFailOn(opts.failOn);
        const report = await scanCodebase(dir, {
          exclude: opts.exclude ?? [],
          reporter: ctx.reporter,
          signal: ctx.signal,
        });
        ctx.print(report, () => humanText(report, failOn));
        return failOnExitCode(report, failOn);
      }),
    );
}
