import type { Command } from 'commander';
import { configFromStack } from '../../config/apply-outputs.ts';
import { showConfig } from '../../config/provenance.ts';
import { action, type GlobalFlags } from '../context.ts';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('the supa2aws config file');
  config
    .command('show')
    .description('the resolved config, secrets redacted, and where each value came from')
    .action(
      action(async (ctx) => {
        const loaded = await ctx.config();
        const values = showConfig(loaded.config, loaded.file, loaded.aws);
        ctx.print({ file: loaded.file, values }, () =>
          [
            loaded.file,
            ...Object.entries(values).map(
              ([field, v]) => `  ${field} = ${JSON.stringify(v.value)}  (${v.from})`,
            ),
          ].join('\n'),
        );
      }),
    );
  config
    .command('validate')
    .description('check the config file: every problem with its field, the value seen and the fix')
    .action(
      action(async (ctx) => {
        const inspection = await ctx.inspectConfig();
        const result = {
          file: inspection.file ?? null,
          valid: inspection.issues.length === 0,
          region: inspection.aws?.region ?? null,
          regionFrom: inspection.aws?.regionFrom ?? null,
          issues: inspection.issues,
          warnings: inspection.warnings,
        };
        ctx.print(result, () =>
          [
            `${result.valid ? 'valid' : 'invalid'}: ${result.file ?? '(no config file)'}`,
            ...inspection.issues.map((i) => `  - ${i.field} (${i.code}): ${i.expected}\n    fix: ${i.fix}`),
            ...inspection.warnings.map((w) => `  warning ${w.field}: expected ${w.expected}`),
          ].join('\n'),
        );
        return result.valid ? 0 : 2;
      }),
    );
  config
    .command('from-stack <outputs>')
    .description(
      'fill bucket names, pool and client IDs, the database endpoint from `cdk deploy --outputs-file` output',
    )
    .option(
      '--file <config>',
      'the config file to update, created if missing (default: --config, SUPA2AWS_CONFIG, else supa2aws.config.json)',
    )
    .option('--stack-prefix <prefix>', 'only stacks named <prefix>-* (several apps in one outputs file)')
    .option('--dry-run', 'print the merged config; write nothing')
    .action(
      action(
        async (ctx, outputsFile: string, opts: { file?: string; stackPrefix?: string; dryRun?: boolean }) => {
          const result = configFromStack({
            outputsFile,
            configFile:
              opts.file ??
              program.opts<GlobalFlags>().config ??
              (process.env.SUPA2AWS_CONFIG || 'supa2aws.config.json'),
            dryRun: opts.dryRun === true,
            outputs: opts.stackPrefix ? { stackPrefix: opts.stackPrefix } : {},
          });
          const sourceMissing = result.problems.some((p) => p.field.startsWith('source.'));
          ctx.print(result, () =>
            [
              opts.dryRun
                ? JSON.stringify(result.config, null, 2)
                : `${result.created ? 'created' : 'updated'} ${result.file}`,
              `AWS account ${result.account ?? '(not in the outputs)'}, region ${result.region ?? '(not in the outputs)'}`,
              ...Object.entries(result.summary).map(([k, v]) => `  ${k}: ${v}`),
              ...result.env.flatMap((r) => [
                '',
                `${r.field} reads ${r.name}: ${r.how}`,
                ...(r.command ? [`  ${r.command}`] : []),
              ]),
              ...(result.problems.length
                ? [
                    '',
                    'still to fill in before the phases can run:',
                    ...result.problems.map(
                      (p) =>
                        `  - ${p.field}: ${p.seen === undefined ? 'missing' : `got ${p.seen}`}; expected ${p.expected}`,
                    ),
                    ...(sourceMissing
                      ? [
                          `  (the Supabase side: supa2aws init --project-ref <ref> --from-stack ${outputsFile} --file ${result.file} --force writes it)`,
                        ]
                      : []),
                  ]
                : []),
            ].join('\n'),
          );
        },
      ),
    );
}
