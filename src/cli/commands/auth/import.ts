import type { Command } from 'commander';
import {
  importRemainingFromConfig,
  importReport,
  previewImportFromConfig,
  type ImportPreview,
  type ImportResult,
  type ImportSincePlan,
} from '../../../auth/index.ts';
import { ConfigError } from '../../../core/errors.ts';
import { timedReport, writePhaseReport } from '../../../report/phase-report.ts';
import { action, type CommandContext } from '../../context.ts';
import { positiveNumberUpTo } from '../../option-parsers.ts';
import { reportDirOption } from './flags.ts';
import { planText, users } from './render.ts';

/** What changed since the saved plan an import applied. */
function sincePlanLines(s: ImportSincePlan): string[] {
  const lines = [
    `the plan in ${s.file}, made ${s.createdAt}, imports ${users(s.planned)}: no other user is created`,
  ];
  if (s.notInPlan.count)
    lines.push(
      `  ${users(s.notInPlan.count)} to import not in the plan (added or no longer skipped since), not created — run \`supa2aws auth plan --out <file>\` again to take them: ${s.notInPlan.sample.join(', ')}`,
    );
  if (s.gone.count)
    lines.push(
      `  ${users(s.gone.count)} of the plan no longer to import (removed at the source, or skipped now): ${s.gone.sample.join(', ')}`,
    );
  return lines;
}

function importText(r: ImportResult): string {
  const lines = [
    `pool ${r.userPoolId}: ${r.poolUsersBefore} users before; ${r.candidates} remaining`,
    `created ${r.created}, already there ${r.existing}, finished ${r.finished}, linked ${r.linked}, failed ${r.failed.length}`,
    `rate: ceiling ${r.rate.ceiling}/s, ${r.rate.calls} calls, ${r.rate.throttles} throttled; cognito_sub recorded for ${r.cognitoSub.recorded}${r.cognitoSub.column ? '' : ' (the target has no auth.users.cognito_sub)'}`,
  ];
  if (r.sincePlan) lines.push(...sincePlanLines(r.sincePlan));
  for (const f of r.failed.slice(0, 20)) lines.push(`  failed ${f.id}: ${f.code}: ${f.message}`);
  if (r.failed.length > 20) lines.push(`  … and ${r.failed.length - 20} more (see the report)`);
  for (const id of r.finishedIds.slice(0, 20))
    lines.push(`  finished ${id}: half-created by an interrupted import, now CONFIRMED`);
  for (const b of r.cognitoSub.rebound.slice(0, 20))
    lines.push(`  re-bound ${b.id}: cognito_sub ${b.from} → ${b.to} (the old Cognito user is gone)`);
  for (const c of r.cognitoSub.conflicts.slice(0, 20))
    lines.push(
      `  NOT re-bound ${c.id}: cognito_sub ${c.recorded}, the pool's user carries ${c.pool} (${c.reason}): \`supa2aws auth relink ${c.id}\``,
    );
  if (r.csv) {
    lines.push(
      '',
      `EXPERIMENTAL: ${r.csv.file} (${r.csv.rows} users, mode 0600, holds bcrypt hashes) for CreateUserImportJob with PasswordHashingAlgorithm=BCRYPT.`,
      `  header from ${r.csv.headerSource}; hash column "${r.csv.hashColumn}"${r.csv.hashColumnFromHeader ? '' : ' (our guess: the pool header names none)'}; ${r.csv.skippedUnverified} users without a verified email or phone left out.`,
      '  Unproven on a real account: try it on a test pool first.',
    );
  }
  return lines.join('\n');
}

/** `auth plan`'s text, then what the import would do: who it creates, skips, finishes and writes. */
function previewText(p: ImportPreview, csvOnly: boolean): string {
  const r = p.import;
  const dry = r.dryRun!;
  const skipped = p.plan.kinds.filter((k) => k.outcome === 'skip');
  const lines = [
    planText(p.plan),
    '',
    'dry run: nobody created, no password set, no CSV written.',
    `pool ${r.userPoolId} has ${users(r.poolUsersBefore)}; ${dry.inPool} of the users to import are in it already (signed in, or imported before): not created again`,
    csvOnly
      ? `--csv-only: creates nobody (${users(r.candidates)} to import are not in the pool yet)`
      : `would create ${users(r.candidates)}: those to import not in the pool yet${r.sincePlan ? ' and in the plan' : ''}, from the legacy store as \`auth export\` last wrote it (export again first if the source changed since)`,
  ];
  if (skipped.length > 0)
    lines.push(
      `not created: ${users(skipped.reduce((n, k) => n + k.count, 0))} skipped (${skipped.map((k) => `${k.kind} ${k.count}`).join(', ')}; why: "what happens" above)`,
    );
  if (dry.finish.length > 0)
    lines.push(
      `would finish ${users(dry.finish.length)} half-created by an interrupted import (FORCE_CHANGE_PASSWORD): ${dry.finish.slice(0, 20).join(', ')}${dry.finish.length > 20 ? ', …' : ''}`,
    );
  if (r.sincePlan) lines.push(...sincePlanLines(r.sincePlan));
  lines.push(
    dry.csv
      ? `would write ${dry.csv.file}: the EXPERIMENTAL bcrypt import-job CSV of ${users(dry.csv.rows)} (mode 0600, holds bcrypt hashes); ${users(dry.csv.skippedUnverified)} without a verified email or phone left out`
      : 'would write no CSV (--no-csv)',
    '',
    'Run the same command without --dry-run to do it (on a live system it asks first; --yes where no terminal can).',
  );
  return lines.join('\n');
}

interface ImportFlags {
  remaining?: boolean;
  plan?: string;
  csv: string | false;
  csvOnly?: boolean;
  rate?: number;
  dryRun?: boolean;
  reportDir: string;
}

/**
 * Creates the users still to import (--remaining, or those of --plan), or only writes the CSV (--csv-only);
 * with --dry-run, says what it would do and changes nothing (no report either).
 */
async function runImport(ctx: CommandContext, opts: ImportFlags): Promise<number> {
  const { config } = await ctx.config();
  if (!opts.remaining && !opts.plan) {
    throw new ConfigError('AUTH_IMPORT_SCOPE', 'auth import needs --remaining or --plan <file>', {
      exit: 'usage',
      hint: 'Run `supa2aws auth import --remaining` at the end of the migration window: it creates the users who never signed in (or `--plan <file>`: only those of a plan saved by `auth plan --out <file>`).',
    });
  }
  const options = {
    ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
    csvFile: opts.csv,
    csvOnly: opts.csvOnly === true,
    ...(opts.plan ? { planFile: opts.plan } : {}),
  };
  const deps = { reporter: ctx.reporter, signal: ctx.signal };
  if (opts.dryRun) {
    const preview = await previewImportFromConfig(config, options, deps);
    ctx.print(preview, () => previewText(preview, options.csvOnly));
    return 0;
  }
  await ctx.confirm('auth import', { dryRun: options.csvOnly });
  let result: ImportResult | undefined;
  const report = await timedReport('auth', 'import', async () => {
    result = await importRemainingFromConfig(config, options, deps);
    return importReport(result);
  });
  writePhaseReport(opts.reportDir, report);
  ctx.print(result, () => importText(result!));
  return report.ok ? 0 : 1;
}

/** `auth import --remaining | --plan <file>`: at the end of the lazy window, the users who never signed in. */
export function registerAuthImport(auth: Command): void {
  auth
    .command('import')
    .description('at the end of the lazy window: create the users who never signed in')
    .option('--remaining', 'create every legacy-store user not in the pool yet (this or --plan is required)')
    .option(
      '--plan <file>',
      'create only the users a plan saved by `auth plan --out` imports (refused when the config no longer matches it); users added or no longer skipped since are reported, not created — plan again to take them',
    )
    .option(
      '--csv <file>',
      'also write the EXPERIMENTAL bcrypt import-job CSV here',
      'supa2aws-auth-import.csv',
    )
    .option('--no-csv', 'do not write the CSV')
    .option('--csv-only', 'only write the CSV; create nobody')
    .option(
      '--dry-run',
      'print the plan (as `auth plan`) and who would be created, skipped, finished and written to the CSV; change nothing, write nothing',
    )
    .option(
      '--rate <n>',
      'requests per second at the most, up to 50 (overrides auth.maxRequestsPerSecond)',
      positiveNumberUpTo(50),
    )
    .option(...reportDirOption)
    .action(action(runImport));
}
