import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.ts';
import {
  DB_MAX_CONCURRENCY,
  applySchemaFile,
  planDbFromConfig,
  runCopyPhase,
  runSchemaPhase,
  runVerifyPhase,
  verifyReportMarkdown,
  type CopyDataResult,
  type DbPlan,
  type DbSchemaPhaseOptions,
  type DbSchemaPhaseResult,
  type Finding,
} from '../../db/index.ts';
import { DEFAULT_REPORT_DIR } from '../../report/index.ts';
import { action } from '../context.ts';
import { intInRange, positiveInt } from '../option-parsers.ts';
import { registerAppRole } from './app-role.ts';
import { registerReplicate } from './replicate.ts';
import { formatBytes } from '../../core/format-bytes.ts';
import { formatDuration, table } from '../render.ts';

function findings(title: string, list: Finding[]): string[] {
  if (list.length === 0) return [];
  const out = ['', `${title} (${list.length}):`];
  for (const f of list) {
    out.push(`  [${f.code}] ${f.message}`);
    if (f.advice) out.push(`      what to do: ${f.advice}`);
    for (const o of (f.objects ?? []).slice(0, 12)) out.push(`      - ${o}`);
    if ((f.objects?.length ?? 0) > 12) out.push(`      … and ${(f.objects?.length ?? 0) - 12} more`);
  }
  return out;
}

/** `--tables a.b, c.d` → ['a.b', 'c.d']. */
function tableList(flag: string): string[] {
  return flag.split(',').map((t) => t.trim());
}

function planText(plan: DbPlan): string {
  const lines = [
    `source: PostgreSQL ${plan.source.version} as ${plan.source.user.name} (superuser: ${plan.source.user.superuser}, bypassrls: ${plan.source.user.bypassRls}), ${formatBytes(plan.source.databaseBytes)}`,
    plan.target
      ? plan.target.reachable
        ? `target: PostgreSQL ${plan.target.version} as ${plan.target.user} (superuser: ${plan.target.superuser}, rds_superuser member: ${plan.target.rdsSuperuser}), schema applied: ${plan.target.schemaApplied}`
        : `target: not reachable (${plan.target.error})`
      : 'target: not inspected',
    `pg_dump: ${plan.pgDump.ok ? `${plan.pgDump.major} at ${plan.pgDump.path}` : plan.pgDump.error}`,
    `app schemas: ${plan.schemas.join(', ') || '(none with tables)'}`,
    '',
    table(
      ['extension', 'version', 'schema', 'RDS 16', 'used by'],
      plan.extensions.map((e) => [
        e.name,
        e.version,
        e.schema,
        e.rds16,
        e.usedBy.length === 0 ? '-' : `${e.usedBy.length} object(s)`,
      ]),
    ),
    '',
    table(
      ['table', 'rows (est.)', 'size', 'primary key', 'rls'],
      plan.tables.map((t) => [
        t.table,
        t.rowEstimate,
        formatBytes(t.totalBytes),
        t.primaryKey.join(', ') || '(none)',
        t.rls ? 'on' : 'off',
      ]),
    ),
    `${plan.totals.tables} tables, ~${plan.totals.rowEstimate} rows, ${formatBytes(plan.totals.totalBytes)}; ${plan.sequences.length} sequence(s); generated columns: ${plan.generatedColumns.join(', ') || 'none'}`,
    `Supabase objects: ${plan.supabase.policiesCallingAuth.length} policies calling auth.*, ${plan.supabase.foreignKeysIntoSupabase.length} FKs into auth/storage, ${plan.supabase.triggersOnManagedTables.length} trigger(s) on auth.users/storage.objects, ${plan.supabase.eventTriggers.length} event trigger(s), ${plan.supabase.publications.length} publication(s), ${plan.supabase.storagePolicies.length} storage policies`,
    ...findings('BLOCKERS', plan.blockers),
    ...findings('Warnings', plan.warnings),
    ...findings('Automatic fixes', plan.fixes),
    '',
    plan.blockers.length === 0
      ? 'No blockers. Next: supa2aws db schema --out schema.sql'
      : 'Resolve the blockers, then run `supa2aws db plan` again.',
  ];
  return lines.join('\n');
}

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

function copyText(result: CopyDataResult): string {
  return [
    table(
      ['table', 'action', 'why', 'format', 'rows', 'size', 'time'],
      result.tables.map((t) => [
        t.table,
        t.action,
        t.reason,
        t.format ?? '-',
        t.rows ?? '-',
        t.bytes === undefined ? '-' : formatBytes(t.bytes),
        t.elapsedMs === undefined ? '-' : formatDuration(t.elapsedMs),
      ]),
    ),
    result.dryRun
      ? 'dry run: nothing copied'
      : `${result.rows} rows, ${formatBytes(result.bytes)} in ${formatDuration(result.elapsedMs)} from snapshot ${result.snapshot}; ${result.deferred.restored} keys/indexes/FKs re-created; ${result.sequences.length} sequence(s) set`,
    ...(result.missingOnTarget.length > 0
      ? [
          `not on the target (not copied): ${result.missingOnTarget.join(', ')}`,
          'apply the schema first: supa2aws db schema',
        ]
      : []),
    result.dryRun ? '' : 'Next: supa2aws db verify',
  ].join('\n');
}

interface SchemaFlags {
  fromMigrations?: string;
  seed?: boolean;
  fromDump?: string;
  applyFile?: string;
  out: string;
  rls?: string;
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
    ...(opts.rls !== undefined ? { rls: opts.rls as 'keep' | 'drop' } : {}),
    ...(opts.apiDefaultPrivileges === false ? { apiDefaultPrivileges: false } : {}),
    ...(opts.pgDump ? { pgDump: opts.pgDump } : {}),
    ...apply,
    allowBlocked: opts.skipBlocked === true,
    out: opts.out,
    dryRun: opts.dryRun === true,
    reportDir: opts.reportDir,
  };
}

function registerDbPlan(db: Command): void {
  db.command('plan')
    .description(
      'inspect the source (and the target): versions, extensions, Supabase-specific objects, blockers',
    )
    .option('--pg-dump <path>', 'pg_dump to use (else db.pgDump, PG_DUMP, PATH)')
    .action(
      action(async (ctx, opts: { pgDump?: string }) => {
        const { config } = await ctx.config();
        const plan = await planDbFromConfig(
          config,
          { ...(opts.pgDump ? { pgDump: opts.pgDump } : {}) },
          { reporter: ctx.reporter },
        );
        ctx.print(plan, () => planText(plan));
        // Blockers and an unreachable target are things the migration needs, not a verification difference.
        const targetDown = plan.target ? !plan.target.reachable : false;
        return plan.blockers.length === 0 && !targetDown ? 0 : ExitCode.environment;
      }),
    );
}

function registerDbSchema(db: Command): void {
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
    .option('--rls <mode>', 'keep | drop the RLS policies', undefined)
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
    .option('--dry-run', 'write the file, apply nothing')
    .option('--report-dir <dir>', 'where the phase report goes', DEFAULT_REPORT_DIR)
    .action(
      action(async (ctx, opts: SchemaFlags) => {
        const { config } = await ctx.config();
        await ctx.confirm('db schema (apply)', { dryRun: opts.dryRun === true });
        const deps = { reporter: ctx.reporter, signal: ctx.signal };
        const privilegedUrl = opts.privilegedUrl ?? process.env.SUPA2AWS_TARGET_ADMIN_URL;
        const apply = { ...(privilegedUrl ? { privilegedUrl } : {}) };
        if (opts.applyFile) {
          const file = opts.applyFile;
          const applied = await applySchemaFile(config, file, apply, deps);
          ctx.print(
            applied,
            () =>
              `${applied.status}: ${applied.statements} statement(s) from ${file} (checksum ${applied.checksum.slice(0, 12)})`,
          );
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
      }),
    );
}

function registerDbCopy(db: Command): void {
  db.command('copy')
    .description(
      'copy every table from one source snapshot, several at once, as the owner role; converges when re-run',
    )
    .option('--concurrency <n>', 'tables at once (default db.concurrency)', intInRange(1, DB_MAX_CONCURRENCY))
    .option('--tables <list>', 'only these tables, comma-separated schema.name')
    .option('--format <format>', 'auto | binary | text (default db.copyFormat)')
    .option('--dry-run', 'say what would be copied and skipped')
    .option('--report-dir <dir>', 'where the phase report goes', DEFAULT_REPORT_DIR)
    .action(
      action(
        async (
          ctx,
          opts: {
            concurrency?: number;
            tables?: string;
            format?: string;
            dryRun?: boolean;
            reportDir: string;
          },
        ) => {
          const { config } = await ctx.config();
          await ctx.confirm('db copy', { dryRun: opts.dryRun === true });
          const result = await runCopyPhase(
            config,
            {
              ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
              ...(opts.format ? { format: opts.format } : {}),
              ...(opts.tables ? { tables: tableList(opts.tables) } : {}),
              dryRun: opts.dryRun === true,
              reportDir: opts.reportDir,
            },
            { reporter: ctx.reporter, signal: ctx.signal },
          );
          ctx.print(result, () => copyText(result));
          // Tables missing on the target mean the schema is not applied: an environment problem, not a difference.
          return result.missingOnTarget.length === 0 ? 0 : ExitCode.environment;
        },
      ),
    );
}

function registerDbVerify(db: Command): void {
  db.command('verify')
    .description(
      'row counts and digests per table (by key range) on both sides, and a schema comparison; exit 1 on any difference',
    )
    .option('--chunk-rows <n>', 'rows per key range (default db.verifyChunkRows)', positiveInt)
    .option('--concurrency <n>', 'tables at once (default db.concurrency)', intInRange(1, DB_MAX_CONCURRENCY))
    .option('--tables <list>', 'only these tables, comma-separated schema.name')
    .option('--no-schema', 'skip the schema comparison')
    .option('--report-dir <dir>', 'where db-verify.md and the phase report go', DEFAULT_REPORT_DIR)
    .action(
      action(
        async (
          ctx,
          opts: {
            chunkRows?: number;
            concurrency?: number;
            tables?: string;
            schema: boolean;
            reportDir: string;
          },
        ) => {
          const { config } = await ctx.config();
          const { report, markdown } = await runVerifyPhase(
            config,
            {
              ...(opts.chunkRows !== undefined ? { chunkRows: opts.chunkRows } : {}),
              ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
              ...(opts.tables ? { tables: tableList(opts.tables) } : {}),
              schema: opts.schema !== false,
              reportDir: opts.reportDir,
            },
            { reporter: ctx.reporter, signal: ctx.signal },
          );
          ctx.print(report, () => `${verifyReportMarkdown(report)}\nreport: ${markdown}`);
          return report.ok ? 0 : 1;
        },
      ),
    );
}

export function registerDb(program: Command): void {
  const db = program
    .command('db')
    .description('phase 2: the database — plan, schema, copy, verify; replicate, cutover, rollback');
  registerDbPlan(db);
  registerDbSchema(db);
  registerDbCopy(db);
  registerDbVerify(db);
  registerAppRole(db);
  registerReplicate(db);
}
