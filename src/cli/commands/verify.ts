import type { Command } from 'commander';
import { DEFAULT_REPORT_DIR, writePhaseReport } from '../../report/phase-report.ts';
import {
  VERIFY_PHASES,
  verifyExitCode,
  verifyMigration,
  type MigrationVerifyResult,
  type VerifyPhase,
} from '../../verify/index.ts';
import { action } from '../context.ts';
import { listOf } from '../option-parsers.ts';
import { formatDuration, table } from '../render.ts';

function verifyText(result: MigrationVerifyResult): string {
  const lines = [
    table(
      ['phase', 'result', 'checks', 'time'],
      result.phases.map((p) => [
        p.phase,
        p.status === 'pass' ? 'PASS' : p.status === 'fail' ? 'FAIL' : 'skipped',
        p.report
          ? `${p.report.checks.filter((c) => c.ok).length}/${p.report.checks.length} passed`
          : (p.reason ?? (p.error ? 'could not run (below)' : '')),
        p.report ? formatDuration(p.report.durationMs) : '',
      ]),
    ),
  ];
  for (const p of result.phases) {
    for (const check of p.report?.checks.filter((c) => !c.ok) ?? [])
      lines.push(`  ${p.phase}: ${check.name}${check.detail ? ` — ${check.detail}` : ''}`);
    if (p.error)
      lines.push(
        `  ${p.phase}: ${p.error.code}: ${p.error.message}${p.error.hint ? `\n    hint: ${p.error.hint}` : ''}`,
      );
  }
  lines.push(
    '',
    result.ok
      ? 'Every phase verified.'
      : 'Not verified: re-run the failing phase (`supa2aws <phase> verify` shows the detail), then this.',
  );
  return lines.join('\n');
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'every phase verified in one run: storage objects, database rows and schema, auth users (exit 1 on any difference)',
    )
    .option(
      '--phases <list>',
      `only these, comma-separated (${VERIFY_PHASES.join(', ')})`,
      listOf(VERIFY_PHASES),
    )
    .option(
      '--deep',
      'storage: also read both sides in full and compare their SHA-256 with the seal (the default compares size, seal, source ETag and MD5 ETags only)',
    )
    .option('--report-dir <dir>', 'where the phase reports go', DEFAULT_REPORT_DIR)
    .action(
      action(async (ctx, opts: { phases?: VerifyPhase[]; deep?: boolean; reportDir: string }) => {
        const { config } = await ctx.config();
        const result = await verifyMigration(config, {
          ...(opts.phases ? { phases: opts.phases } : {}),
          deep: opts.deep === true,
          reporter: ctx.reporter,
          signal: ctx.signal,
          onPhase: (verdict) => {
            if (verdict.report) writePhaseReport(opts.reportDir, verdict.report);
          },
        });
        ctx.print(result, () => verifyText(result));
        return verifyExitCode(result);
      }),
    );
}
