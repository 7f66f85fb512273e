import type { Command } from 'commander';
import { configFromStack } from '../../core/stack-outputs/apply-outputs.ts';
import { action } from '../context.ts';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('the supa2aws config file');
  config
    .command('from-stack <outputs>')
    .description(
      'fill bucket names, pool and client IDs, the database endpoint from `cdk deploy --outputs-file` output',
    )
    .option('--file <config>', 'the config file to update (created if missing)', 'supa2aws.config.json')
    .option('--stack-prefix <prefix>', 'only stacks named <prefix>-* (several apps in one outputs file)')
    .option('--dry-run', 'print the merged config; write nothing')
    .action(
      action(
        async (ctx, outputsFile: string, opts: { file: string; stackPrefix?: string; dryRun?: boolean }) => {
          const result = configFromStack({
            outputsFile,
            configFile: opts.file,
            dryRun: opts.dryRun === true,
            outputs: opts.stackPrefix ? { stackPrefix: opts.stackPrefix } : {},
          });
          ctx.print(result, () =>
            [
              opts.dryRun ? JSON.stringify(result.config, null, 2) : `updated ${result.file}`,
              ...Object.entries(result.summary).map(([k, v]) => `  ${k}: ${v}`),
              ...(result.problems.length
                ? [
                    '',
                    'still to fill in before the phases can run:',
                    ...result.problems.map((p) => `  - ${p.field}: ${p.expected}`),
                  ]
                : []),
            ].join('\n'),
          );
        },
      ),
    );
}
