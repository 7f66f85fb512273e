import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { initConfig, type InitConfigOptions } from '../../config/init-config.ts';
import { askInitOptions, type Ask } from '../../config/init-prompts.ts';
import { ConfigError, InterruptedError } from '../../core/errors.ts';
import { action, type GlobalFlags } from '../context.ts';

/** The flags: the library's options of the same names, and the few only the command has. */
type InitFlags = Pick<
  InitConfigOptions,
  | 'projectRef'
  | 'projectUrl'
  | 'sourceDbUrl'
  | 'supabaseRegion'
  | 'fromStack'
  | 'stackPrefix'
  | 'targetDbHost'
  | 'userPoolId'
  | 'clientId'
> & { file: string; bucket?: string[]; force?: boolean; dryRun?: boolean; interactive?: boolean };

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value.split(',').filter(Boolean),
];

/**
 * Asks on the terminal. Lines are read through one iterator, so answers typed (or pasted) ahead are kept for
 * the next questions; the end of input or Ctrl-C stops init before anything is written.
 */
async function withTerminal<T>(fn: (ask: Ask) => Promise<T>): Promise<T> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const lines = rl[Symbol.asyncIterator]();
  const interrupted = new Promise<never>((_, reject) =>
    rl.once('SIGINT', () => reject(new InterruptedError('init'))),
  );
  interrupted.catch(() => undefined);
  try {
    return await fn(async (q) => {
      process.stderr.write(`${q.question}${q.default ? ` [${q.default}]` : ''}: `);
      const line = await Promise.race([lines.next(), interrupted]);
      if (line.done) {
        throw new ConfigError('INIT_INPUT_ENDED', `the input ended before "${q.question}" was answered`, {
          exit: 'usage',
          hint: 'Nothing was written. Answer every question, or pass the answers as flags (supa2aws init --help).',
        });
      }
      return line.value;
    });
  } finally {
    rl.close();
  }
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a starting supa2aws.config.json for your Supabase project and AWS account')
    .option('--file <config>', 'the config file to write', 'supa2aws.config.json')
    .option('--project-ref <ref>', 'the Supabase project ref (https://supabase.com/dashboard/project/<ref>)')
    .option('--project-url <url>', 'the Supabase Project URL, https://<ref>.supabase.co')
    .option(
      '--source-db-url <url>',
      'the Supabase connection string, for a pooler (its password is not written)',
    )
    .option('--supabase-region <region>', "the Supabase project's region (default: the AWS region)")
    .option(
      '--bucket <id[=target][:public]>',
      'a Supabase bucket to copy (repeatable, or comma-separated)',
      collect,
    )
    .option('--from-stack <outputs.json>', 'fill the AWS side from `cdk deploy --outputs-file` output')
    .option('--stack-prefix <prefix>', 'only stacks named <prefix>-* in the outputs file')
    .option('--target-db-host <host>', 'the RDS endpoint, when there is no outputs file yet')
    .option('--user-pool-id <id>', 'the Cognito user pool, when there is no outputs file yet')
    .option('--client-id <id>', 'the Cognito app client, with --user-pool-id')
    .option('--force', 'replace an existing config file')
    .option('--dry-run', 'print the file; write nothing')
    .option('--no-interactive', 'never ask, even on a terminal')
    .action(
      action(async (ctx, opts: InitFlags) => {
        const globals = program.opts<GlobalFlags>();
        let options: InitConfigOptions = {
          file: opts.file,
          ...(opts.projectRef ? { projectRef: opts.projectRef } : {}),
          ...(opts.projectUrl ? { projectUrl: opts.projectUrl } : {}),
          ...(opts.sourceDbUrl ? { sourceDbUrl: opts.sourceDbUrl } : {}),
          ...(opts.supabaseRegion ? { supabaseRegion: opts.supabaseRegion } : {}),
          ...(opts.bucket ? { buckets: opts.bucket } : {}),
          ...(opts.fromStack ? { fromStack: opts.fromStack } : {}),
          ...(opts.stackPrefix ? { stackPrefix: opts.stackPrefix } : {}),
          ...(opts.targetDbHost ? { targetDbHost: opts.targetDbHost } : {}),
          ...(opts.userPoolId ? { userPoolId: opts.userPoolId } : {}),
          ...(opts.clientId ? { clientId: opts.clientId } : {}),
          ...(globals.region ? { region: globals.region } : {}),
          ...(globals.profile ? { profile: globals.profile } : {}),
          force: opts.force === true,
          dryRun: opts.dryRun === true,
        };
        if (opts.interactive !== false && !ctx.output.json && process.stdin.isTTY && process.stderr.isTTY) {
          options = await withTerminal((ask) => askInitOptions(options, ask));
        }
        const result = initConfig(options);
        ctx.print(result, () =>
          [
            opts.dryRun ? result.text.trimEnd() : `${result.written ? 'created' : 'kept'} ${result.file}`,
            `AWS region ${result.region} (from ${result.regionFrom})`,
            '',
            'set these before running a phase (environment or a .env beside the config, chmod 600):',
            ...result.env.flatMap((r) => [
              `  ${r.name}  (${r.field}): ${r.how}`,
              ...(r.command ? [`    ${r.command}`] : []),
            ]),
            ...(result.notes.length ? ['', 'check:', ...result.notes.map((n) => `  - ${n}`)] : []),
            ...(result.problems.length
              ? [
                  '',
                  'still to fill in:',
                  ...result.problems.map((p) => `  - ${p.field}: expected ${p.expected}`),
                ]
              : []),
            '',
            'then: supa2aws config validate && supa2aws doctor',
          ].join('\n'),
        );
      }),
    );
}
