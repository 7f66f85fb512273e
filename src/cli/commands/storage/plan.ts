import type { Command } from 'commander';
import { assertOutFile } from '../../../core/plan-file.ts';
import { DEFAULT_REPORT_DIR, timed } from '../../../report/index.ts';
import {
  planMarkdown,
  planPhaseReport,
  planStorageFromConfig,
  writeStorageReport,
} from '../../../storage/index.ts';
import { action } from '../../context.ts';
import { planText, reported } from './render.ts';

/** `storage plan [--out <file>]`: what copy would do, per bucket; the plan saved to review and apply later. */
export function registerStoragePlan(storage: Command): void {
  storage
    .command('plan')
    .description(
      'per bucket: rows, bytes at the source, already identical at the target, to copy, orphans, ghosts',
    )
    .option('--include-orphans', 'also copy objects that have no storage.objects row')
    .option(
      '--deep',
      'read both sides of every object that looks identical in full (SHA-256), so bytes changed under an unchanged ETag are copied again',
    )
    .option(
      '--out <file>',
      'also save the plan there (JSON: every object to copy, by key), to review and apply later with `storage copy --plan <file>`',
    )
    .option('--report-dir <dir>', 'where reports go', DEFAULT_REPORT_DIR)
    .action(
      action(
        async (ctx, opts: { includeOrphans?: boolean; deep?: boolean; out?: string; reportDir: string }) => {
          if (opts.out) assertOutFile(opts.out, opts.reportDir);
          const { config } = await ctx.config();
          const { value: plan, timing } = await timed(() =>
            planStorageFromConfig(
              config,
              {
                includeOrphans: opts.includeOrphans === true,
                deep: opts.deep === true,
                ...(opts.out ? { out: opts.out } : {}),
              },
              { reporter: ctx.reporter, signal: ctx.signal },
            ),
          );
          reported(
            ctx,
            writeStorageReport(opts.reportDir, planPhaseReport(plan, timing), planMarkdown(plan)),
          );
          const saved = opts.out
            ? `\nplan saved to ${opts.out}; review it, then copy exactly its objects with: supa2aws storage copy --plan ${opts.out}`
            : '';
          ctx.print(
            {
              ...plan,
              items: undefined,
              itemCount: plan.items.length,
              ...(opts.out ? { out: opts.out } : {}),
            },
            () => `${planText(plan)}${saved}`,
          );
          return 0;
        },
      ),
    );
}
