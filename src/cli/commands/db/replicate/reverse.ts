import type { Command } from 'commander';
import { replicateStartPhaseReport, startReplicationFromConfig } from '../../../../db/index.ts';
import { DEFAULT_REPORT_DIR, timed, writePhaseReport } from '../../../../report/index.ts';
import { action } from '../../../context.ts';
import { subscriberAdmin } from '../flags.ts';
import { startText } from './render.ts';

const REVERSE_HELP = `
Who may subscribe on Supabase (the way back creates its subscription there):
  PostgreSQL 17 project: postgres holds pg_create_subscription; nothing to pass.
  PostgreSQL 15 project: only a superuser may CREATE SUBSCRIPTION, and Supabase gives projects none.
    Either pass --subscriber-admin-url with a superuser connection (only Supabase support can give one),
    or upgrade the project to 17 before \`db cutover\`, or go back by snapshot: stop writes to RDS, load
    RDS's app tables into Supabase (pg_dump --data-only | psql), then \`db cutover --undo\`.
  Checked before anything is created, and by --dry-run: REPLICATE_REVERSE_NEEDS_SUPERUSER, exit 4.
The key-less tables RDS publishes need the REPLICA IDENTITY they had on Supabase (db schema carries it).`;

/** `db replicate reverse [--dry-run]`: after cutover, RDS → Supabase, so a rollback keeps the writes made on RDS. */
export function registerDbReplicateReverse(replicate: Command): void {
  replicate
    .command('reverse')
    .description(
      'after cutover: replicate RDS → Supabase (RDS needs rds.logical_replication = 1), so a rollback keeps the writes made on RDS',
    )
    .option(
      '--subscriber-admin-url <url>',
      'superuser connection to Supabase for CREATE SUBSCRIPTION (PostgreSQL 15); or SUPA2AWS_SOURCE_ADMIN_URL',
    )
    .option('--dry-run', 'check both sides and show the steps it would take; change nothing')
    .option('--report-dir <dir>', 'where the phase report goes', DEFAULT_REPORT_DIR)
    .addHelpText('after', REVERSE_HELP)
    .action(
      action(async (ctx, opts: { subscriberAdminUrl?: string; dryRun?: boolean; reportDir: string }) => {
        const { config } = await ctx.config();
        const dryRun = opts.dryRun === true;
        await ctx.confirm('db replicate reverse', { dryRun });
        const { value, timing } = await timed(() =>
          startReplicationFromConfig(
            config,
            { direction: 'reverse', ...subscriberAdmin(opts.subscriberAdminUrl), dryRun },
            { reporter: ctx.reporter, signal: ctx.signal },
          ),
        );
        if (!dryRun)
          writePhaseReport(opts.reportDir, {
            ...replicateStartPhaseReport(value, timing),
            command: 'replicate reverse',
          });
        ctx.print(value, () =>
          startText(value, 'db replicate reverse', 'if the app must go back: supa2aws db rollback --dry-run'),
        );
        return 0;
      }),
    );
}
