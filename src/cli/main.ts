#!/usr/bin/env node
import { Command } from 'commander';
import { ExitCode } from '../core/errors.ts';
import { registerCommands } from './commands/index.ts';

export async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = new Command('supa2aws')
    .description('Move a Supabase app to AWS one verified, reversible phase at a time.')
    .option('--json', 'machine output: result JSON on stdout, NDJSON events on stderr')
    .option('-v, --verbose', 'more detail, and stack traces on errors')
    .option('-c, --config <file>', 'config file (default: supa2aws.config.json, else the sandbox config)')
    .option('--region <region>', 'AWS region (over AWS_REGION, the profile and target.region)')
    .option('--profile <name>', 'AWS profile for credentials and region (over AWS_PROFILE)')
    .option('-y, --yes', 'do steps that change a live (non-sandbox) system without asking')
    .showHelpAfterError()
    // A bad flag or command is a usage error (exit 2, as documented), not a failed verification (1).
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : ExitCode.usage));
  await registerCommands(program, args);
  return program;
}

// The AWS SDK warns on every run that its 2027 releases need Node 22; supa2aws supports Node 20+.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

await (await buildProgram(process.argv.slice(2))).parseAsync(process.argv);
