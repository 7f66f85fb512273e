import type { Command } from 'commander';
import {
  applySchemaFile,
  runSchemaPhase,
  type ApplySchemaResult,
  type DbSchemaPhaseOptions,
  type DbSchemaPhaseResult,
} from '../../../db/index.ts';
import { DEFAULT_REPORT_DIR } from '../../../report/index.ts';
import { action, type CommandContext } from '../../context.ts';
import { oneOf } from '../../option-parsers.ts';
import { formatDuration, table } from '../../render.ts';
import { findings } from './render.ts';

function schemaText({ build, applied }: DbSchemaPhaseResult, out: string): string {
  const c = build.script.summary.counts;
  return [
    `schema from ${build.sourceLabel}: ${c.kept} kept as written, ${c.rewritten} rewritten, ${c.dropped} dropped, ${c.blocked} blocked`,
    table(
      ['rule', 'dropped', 'rewritten', 'blocked'],
      Object.entries(build.rules).map(([rule, n]) => [rule, n.dropped, n.rewritten, n.blocked]),
    ),
    ...findings('BLOCKERS', build.blockers),
    ...findings('Warnings', build.warnings),
    `written to ${out} (review it: the header says what was dropped and why)`,
    applied
      ? `${applied.status === 'applied' ? 'applied' : 'already applied, nothing to do'}: ${applied.statements} statement(s) in one transaction (${formatDuration(applied.elapsedMs)})`
      : 'not applied (--dry-run); apply it with: supa2aws db schema --apply-file ' + out,
  ].join('\n');
}

/** What `--apply-file` did, or with --dry-run would do. */
function applyFileText(applied: ApplySchemaResult, file: string, privileged: boolean): string {
  const what = `${applied.statements} statement(s) from ${file} (checksum ${applied.checksum.slice(0, 12)})`;
  if (applied.status !== 'would-apply') return `${applied.status}: ${what}`;
  return `dry run: would apply ${what} in one transaction${privileged ? ', after the privileged step (schemas and extensions, as the --privileged-url user)' : ''}; the target has no schema applied yet; nothing changed`;
}

interface SchemaFlags {
  fromMigrations?: string;
  seed?: boolean;
  fromDump?: string;
  applyFile?: string;
  out: string;
  rls?: 'keep' | 'drop';
  apiDefaultPrivileges?: boolean;
  pgDump?: string;
  skipBlocked?: boolean;
  privilegedUrl?: string;
  dryRun?: boolean;
  reportDir: string;
}

/** `db schema`'s flags as the phase's options. */
function schemaPhaseOptions(opts: SchemaFlags, apply: { privilegedUrl?: string }): DbSchemaPhaseOptions {
  return {
    ...(opts.fromMigrations ? { fromMigrations: opts.fromMigrations, seed: opts.seed === true } : {}),
    ...(opts.fromDump ? { fromDump: opts.fromDump } : {}),
    ...(opts.rls !== undefined ? { rls: opts.rls } : {}),
    ...(opts.apiDefaultPrivileges === false ? { apiDefaultPrivileges: false } : {}),
    ...(opts.pgDump ? { pgDump: opts.pgDump } : {}),
    ...apply,
    allowBlocked: opts.skipBlocked === true,
    out: opts.out,
    dryRun: opts.dryRun === true,
    reportDir: opts.reportDir,
  };
}

/** Applies a reviewed file (--apply-file), or builds the schema, writes it for review and applies it. */
async function runSchema(ctx: CommandContext, opts: SchemaFlags): Promise<number> {
  const { config } = await ctx.config();
  await ctx.confirm(opts.applyFile ? `db schema --apply-file ${opts.applyFile}` : 'db schema (apply)', {
    dryRun: opts.dryRun === true,
  });
  const deps = { reporter: ctx.reporter, signal: ctx.signal };
  const privilegedUrl = opts.privilegedUrl ?? process.env.SUPA2AWS_TARGET_ADMIN_URL;
  const apply = { ...(privilegedUrl ? { privilegedUrl } : {}) };
  if (opts.applyFile) {
    const file = opts.applyFile;
    const applied = await applySchemaFile(config, file, { ...apply, dryRun: opts.dryRun === true }, deps);
    ctx.print(applied, () => applyFileText(applied, file, privilegedUrl !== undefined));
    return 0;
  }
  const result = await runSchemaPhase(config, schemaPhaseOptions(opts, apply), deps);
  const { build, applied } = result;
  ctx.print(
    {
      out: opts.out,
      counts: build.script.summary.counts,
      blockers: build.blockers,
      warnings: build.warnings,
      fixes: build.fixes,
      rules: build.rules,
      applied,
    },
    () => schemaText(result, opts.out),
  );
  return 0;
}

/** `db schema`: the source schema rewritten for RDS, written for review, applied in one transaction. */
export function registerDbSchema(db: Command): void {
  db.command('schema')
    .description(
      'take the source schema (pg_dump or migration files), rewrite it for RDS, write it for review, apply it in one transaction',
    )
    .option(
      '--from-migrations <dir>',
      'read the app migrations in order instead of pg_dump (e.g. supabase/migrations)',
    )
    .option(
      '--seed',
      'with --from-migrations: also apply supabase/seed.sql, last (as db push --include-seed)',
    )
    .option('--from-dump <file>', 'read an existing schema-only dump instead of pg_dump')
    .option('--apply-file <file>', 'apply a reviewed schema file written earlier with --out')
    .option('--out <file>', 'where the reviewable schema goes', 'supa2aws-schema.sql')
    .option('--rls <mode>', 'keep | drop the RLS policies', oneOf(['keep', 'drop'] as const))
    .option(
      '--no-api-default-privileges',
      "with --from-migrations: do not give anon/authenticated/service_role Supabase's default privileges on public (for projects with that setting off)",
    )
    .option('--pg-dump <path>', 'pg_dump to use (else db.pgDump, PG_DUMP, PATH)')
    .option('--skip-blocked', 'apply although blocked objects are left out')
    .option(
      '--privileged-url <url>',
      'superuser / rds_superuser connection for the privileged step (extensions); or SUPA2AWS_TARGET_ADMIN_URL',
    )
    .option(
      '--dry-run',
      'write the file, apply nothing; with --apply-file: check the file against the target, apply nothing',
    )
    .option('--report-dir <dir>', 'where the phase report goes', DEFAULT_REPORT_DIR)
    .action(action(runSchema));
}
