import type { Command } from 'commander';
import { DEFAULT_REPORT_DIR, timed } from '../../../report/index.ts';
import {
  setupMarkdown,
  setupPhaseReport,
  setupStorageFromConfig,
  writeStorageReport,
  type StorageSetupResult,
} from '../../../storage/index.ts';
import { action } from '../../context.ts';
import { table } from '../../render.ts';
import { reported } from './render.ts';

function setupText(result: StorageSetupResult): string {
  return [
    table(
      ['bucket', 'access', 'setting', 'status', 'detail'],
      result.buckets.flatMap((b) =>
        b.actions.map((a) => [b.target, b.access, a.setting, a.status, a.detail ?? '']),
      ),
    ),
    result.notSupported
      ? `\n${result.notSupported} setting(s) not supported by this endpoint (a local stand-in): they are NOT applied.`
      : '',
    result.owner === 'stack'
      ? result.differs
        ? `\n${result.differs} setting(s) of the Storage stack's buckets differ from the config: change the stack's storage settings (infra/) and redeploy it, or the config.`
        : "\nThe Storage stack's buckets match the config (checked only: the stack owns them)."
      : '',
  ].join('\n');
}

/** `storage setup [--dry-run]`: the target buckets checked (AWS) or created and configured (a stand-in). */
export function registerStorageSetup(storage: Command): void {
  storage
    .command('setup')
    .description(
      "on AWS S3: check the Storage stack's buckets against the config (it never creates or changes them); on another endpoint (the sandbox): create missing buckets and set access, CORS, versioning",
    )
    .option('--dry-run', 'show what would change; change nothing')
    .option('--report-dir <dir>', 'where reports go', DEFAULT_REPORT_DIR)
    .action(
      action(async (ctx, opts: { dryRun?: boolean; reportDir: string }) => {
        const { config } = await ctx.config();
        await ctx.confirm('storage setup', { dryRun: opts.dryRun === true });
        const { value: result, timing } = await timed(() =>
          setupStorageFromConfig(config, { dryRun: opts.dryRun === true }, { reporter: ctx.reporter }),
        );
        if (!opts.dryRun)
          reported(
            ctx,
            writeStorageReport(opts.reportDir, setupPhaseReport(result, timing), setupMarkdown(result)),
          );
        ctx.print(result, () => setupText(result));
        return result.differs === 0 ? 0 : 1;
      }),
    );
}
