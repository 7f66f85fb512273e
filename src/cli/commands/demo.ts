import type { Command } from 'commander';
import { runDemo } from '../../demo/run-demo.ts';
import { action } from '../context.ts';
import { formatDuration, table } from '../render.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'the whole migration on the local sandbox: storage, database, auth, backend — verified, with a report; with --config, every phase runs with that config against the sandbox already up in --state-dir',
    )
    .option(
      '--keep',
      'leave the sandbox running afterwards to explore (stop it with `supa2aws sandbox down`)',
    )
    .option(
      '--state-dir <dir>',
      'where the sandbox keeps its state',
      process.env.SUPA2AWS_SANDBOX_DIR ?? '.sandbox',
    )
    .option('--report-dir <dir>', 'where the phase reports and the migration report go', 'supa2aws-report')
    .action(
      action(async (ctx, opts: { keep?: boolean; stateDir: string; reportDir: string }) => {
        const loaded = ctx.configFlag ? await ctx.config() : undefined;
        if (loaded)
          await ctx.confirm('demo', {
            preview:
              'The demo has no dry run: with --config it runs every phase against the systems above. See it first without --config, on a sandbox of its own',
          });
        const result = await runDemo({
          ...(loaded ? { config: { config: loaded.config, file: loaded.file } } : {}),
          keep: opts.keep === true,
          stateDir: opts.stateDir,
          reportDir: opts.reportDir,
          reporter: ctx.reporter,
          signal: ctx.signal,
        });
        ctx.print(result, () =>
          [
            table(
              ['step', 'result', 'time', 'what was proven'],
              result.steps.map((s) => [s.name, s.ok ? 'pass' : 'FAIL', formatDuration(s.ms), s.detail]),
            ),
            '',
            `${result.ok ? 'Migration demo passed' : 'Migration demo FAILED'} in ${formatDuration(result.totalMs)}.`,
            `report: ${result.markdownFile}`,
            `        ${result.htmlFile}`,
            ...(result.kept
              ? [
                  '',
                  `The sandbox is still running (${result.kept.stateDir}); its config is ${result.kept.configFile}.`,
                  `Try \`npx supa2aws verify --config ${result.kept.configFile}\`; stop it with \`npx supa2aws sandbox down --state-dir ${result.kept.stateDir}\`.`,
                ]
              : []),
          ].join('\n'),
        );
        return result.ok ? 0 : 1;
      }),
    );
}
