import type { Command } from 'commander';
import { parseBucketLocation, runBackup } from '../../backup/index.ts';
import { pgDumpChoice } from '../../db/index.ts';
import { s3ClientFromConfig } from '../../core/s3-from-config.ts';
import { decommissionCheck } from '../../decommission/index.ts';
import { DEFAULT_REPORT_DIR } from '../../report/index.ts';
import { action } from '../context.ts';
import { formatBytes } from '../../core/format-bytes.ts';
import { table } from '../render.ts';

export function registerDecommission(program: Command): void {
  program
    .command('backup')
    .description('final backup of the Supabase project: schema, data and a storage manifest, with checksums')
    .option('--out <dir>', 'a directory, or s3://bucket/prefix on the target S3', 'supa2aws-backup')
    .option(
      '--pg-dump <path>',
      'pg_dump to use (default: config db.pgDump, PG_DUMP, PATH, then /usr/lib/postgresql/<major>)',
    )
    .action(
      action(async (ctx, opts: { out: string; pgDump?: string }) => {
        const { config } = await ctx.config();
        // It only reads the project; into a bucket it writes to a live system, over any backup at that prefix.
        if (parseBucketLocation(opts.out))
          await ctx.confirm(`backup --out ${opts.out}`, {
            preview:
              'It writes the backup files under that prefix, replacing a backup already there, and changes nothing else. To see the files first, take it into a local directory (--out <dir>)',
          });
        const { manifest, location } = await runBackup({
          config,
          out: opts.out,
          pgDump: pgDumpChoice(config.db, opts.pgDump),
          reporter: ctx.reporter,
        });
        ctx.print(manifest, () =>
          [
            table(
              ['file', 'size', 'sha256'],
              manifest.files.map((f) => [f.name, formatBytes(f.bytes), f.sha256.slice(0, 16)]),
            ),
            '',
            `storage manifest: ${manifest.storage.objects} object(s), ${formatBytes(manifest.storage.bytes)}` +
              (manifest.storage.ghosts ? `, ${manifest.storage.ghosts} without bytes at the source` : ''),
            `backup written to ${location}`,
          ].join('\n'),
        );
      }),
    );

  program
    .command('decommission')
    .description('phase 6: is it safe to turn Supabase off?')
    .command('check')
    .description(
      'zero Supabase calls and connections, every verify green, a final backup taken, no SUPABASE_* left',
    )
    .option('--code <dir>', 'the migrated codebase to scan', '.')
    .option('--report-dir <dir>', 'where the phase reports are', DEFAULT_REPORT_DIR)
    .option('--backup <dir>', 'the final backup: a directory or s3://bucket/prefix', 'supa2aws-backup')
    .option('--task-definition <file...>', 'ECS task definition JSON files to check')
    .action(
      action(
        async (ctx, opts: { code: string; reportDir: string; backup: string; taskDefinition?: string[] }) => {
          const { config } = await ctx.config();
          const backupS3 = opts.backup.startsWith('s3://') ? s3ClientFromConfig(config.target.s3) : undefined;
          const result = await decommissionCheck({
            codeDir: opts.code,
            sourceDbUrl: config.source.db.url,
            targetDbUrl: config.target.db.url,
            reportDir: opts.reportDir,
            backupDir: opts.backup,
            ...(backupS3 ? { backupS3 } : {}),
            taskDefinitions: opts.taskDefinition ?? [],
          }).finally(() => backupS3?.destroy());
          ctx.print(result, () => {
            const lines = result.items.map((i) => `${i.ok ? '✔' : '✖'} ${i.title}: ${i.detail}`);
            const fixes = result.items.filter((i) => !i.ok && i.fix).map((i) => `  - ${i.fix}`);
            return [
              ...lines,
              '',
              result.ok ? 'Safe to decommission Supabase.' : 'Not yet safe to decommission Supabase. Next:',
              ...fixes,
            ].join('\n');
          });
          return result.ok ? 0 : 1;
        },
      ),
    );
}
