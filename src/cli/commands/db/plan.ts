import type { Command } from 'commander';
import { ExitCode } from '../../../core/errors.ts';
import { formatBytes } from '../../../core/format-bytes.ts';
import { planDbFromConfig, type DbPlan } from '../../../db/index.ts';
import { action } from '../../context.ts';
import { table } from '../../render.ts';
import { findings } from './render.ts';

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

/** `db plan`: the source (and the target) inspected; blockers or an unreachable target are an environment exit. */
export function registerDbPlan(db: Command): void {
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
