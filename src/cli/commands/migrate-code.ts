import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  applyCodeMigration,
  planCodeMigration,
  planDiff,
  readForeignKeys,
  typeCheckChange,
  type CodeMigrationPlan,
  type TypeCheckResult,
} from '../../codemod/index.ts';
import { RUNTIME_IMPORT } from '../../scan/index.ts';
import { action } from '../context.ts';
import { table } from '../render.ts';

function summary(
  plan: CodeMigrationPlan,
  check: TypeCheckResult | undefined,
  written: boolean,
  diffFile: string,
): string {
  const pct = (n: number, of: number) => (of === 0 ? '-' : `${Math.round((100 * n) / of)}%`);
  const lines = [
    table(
      ['side', 'call sites', 'rewritten', 'marked', 'rewritten %'],
      Object.entries(plan.bySide).map(([side, s]) => [
        side,
        s.sites,
        s.rewritten,
        s.marked,
        pct(s.rewritten, s.sites),
      ]),
    ),
    '',
    `${plan.totals.rewritten} of ${plan.totals.sites} call site(s) rewritten, ${plan.totals.marked} marked with a // supa2aws: comment; ${plan.changes.length} file(s) ${written ? 'written' : 'would change'}.`,
  ];
  for (const c of plan.changes)
    for (const s of c.sites.filter((x) => x.action === 'marked'))
      lines.push(`  ${c.file}:${s.line}  marked: ${s.reason}`);
  if (check) {
    lines.push(
      check.introduced.length === 0
        ? `type check (${check.projects.join(', ') || 'no tsconfig'}): no new error`
        : `type check: ${check.introduced.length} new error(s):`,
      ...check.introduced.map((e) => `  ${e}`),
    );
    if (check.unchecked.length)
      lines.push(`not type-checked (no tsconfig above them): ${check.unchecked.join(', ')}`);
  }
  for (const file of plan.removals.deleted)
    lines.push(
      `  ${file}  ${written ? 'deleted' : 'would be deleted'}: a Supabase client module nothing imports any more`,
    );
  for (const d of plan.removals.dependencies) {
    if (d.removed.length)
      lines.push(`  ${d.file}  without ${d.removed.join(', ')} (run npm install to update the lock file)`);
    for (const k of d.kept) lines.push(`  ${d.file}  keeps ${k.name}: still imported by ${k.importedBy}`);
  }
  for (const e of plan.removals.env) lines.push(`  ${e.file}  ${e.name} ${e.action}: ${e.reason}`);
  for (const d of plan.additions.dependencies)
    lines.push(`  ${d.file}  with ${d.added.join(', ')} (run npm install to fetch them)`);
  for (const e of plan.additions.env)
    lines.push(
      `  ${e.file}  ${e.name} added (empty): read by ${e.readBy}; fill it in where the app is configured`,
    );
  for (const s of plan.skipped) lines.push(`skipped ${s.file}: ${s.reason}`);
  lines.push(
    written
      ? 'Review with `git diff`; undo with `git checkout -- .` and remove the generated supa2aws.*.ts files.'
      : `The change is in ${diffFile}: review it, then run again with --write.`,
  );
  return lines.join('\n');
}

export function registerMigrateCode(program: Command): void {
  program
    .command('migrate-code')
    .description(
      'rewrite supabase-js call sites into the supa2aws runtime (SQL through a pg Pool, S3 storage, Cognito auth); marks what it cannot rewrite exactly. A dry run (a diff) unless --write',
    )
    .argument('[dir]', 'the app to migrate', '.')
    .option('--write', 'write the files (default: only the diff)')
    .option('--allow-dirty', 'write over files with uncommitted changes')
    .option('--diff <file>', 'where the dry run writes the unified diff', 'supa2aws-migrate-code.diff')
    .option('--no-type-check', "skip the type check with the app's tsconfig")
    .option('--exclude <path...>', 'more directories (names or paths relative to dir) to leave out')
    .option('--runtime-import <spec>', 'where the app imports the runtime from', RUNTIME_IMPORT)
    .option(
      '--database-url <url>',
      "the app's database, read for its foreign keys so embedded relations (select('*, author(*)')) become subqueries",
    )
    .action(
      action(
        async (
          ctx,
          dir: string,
          opts: {
            write?: boolean;
            allowDirty?: boolean;
            diff: string;
            typeCheck: boolean;
            exclude?: string[];
            runtimeImport: string;
            databaseUrl?: string;
          },
        ) => {
          const foreignKeys = opts.databaseUrl ? await readForeignKeys(opts.databaseUrl) : undefined;
          const plan = await planCodeMigration(dir, {
            ...(foreignKeys ? { foreignKeys } : {}),
            exclude: opts.exclude ?? [],
            runtimeImport: opts.runtimeImport,
            reporter: ctx.reporter,
            signal: ctx.signal,
          });
          const check = opts.typeCheck ? typeCheckChange(plan) : undefined;
          if (opts.write) applyCodeMigration(plan, { allowDirty: opts.allowDirty === true });
          else writeFileSync(opts.diff, planDiff(plan));
          ctx.print(
            {
              root: plan.root,
              written: opts.write === true,
              ...(opts.write ? {} : { diff: opts.diff }),
              totals: plan.totals,
              bySide: plan.bySide,
              changes: plan.changes.map((c) => ({
                file: c.file,
                created: c.before === undefined,
                deleted: c.deleted === true,
                sites: c.sites,
              })),
              removals: plan.removals,
              additions: plan.additions,
              typeCheck: check,
              skipped: plan.skipped,
            },
            () => summary(plan, check, opts.write === true, opts.diff),
          );
          return check && check.introduced.length > 0 ? 1 : 0;
        },
      ),
    );
}
