/**
 * The supa2aws program: global flags, coded usage errors, and the command groups `args` needs; `runCli`
 * runs it and returns the exit code (main.ts exits with it; tests run it in-process).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../core/errors.ts';
import { registerCommands } from './commands/index.ts';
import { printError } from './render.ts';

/** A flag or command commander refused, as a coded usage error (exit 2) with the way to the right flags. */
function usageError(error: CommanderError, args: readonly string[]): ConfigError {
  const words = args.filter((a) => !a.startsWith('-')).slice(0, 2);
  return new ConfigError('CLI_USAGE', error.message.replace(/^error: /, ''), {
    exit: 'usage',
    hint: `Run \`supa2aws ${words.length ? `${words.join(' ')} ` : ''}--help\` for the commands and flags it takes.`,
    details: { commander: error.code },
  });
}

/** This package's version, from its package.json (two levels up from src/cli and from dist/cli alike). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

export async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = new Command('supa2aws')
    .description('Move a Supabase app to AWS one verified, reversible phase at a time.')
    .version(packageVersion(), '-V, --version', 'print the version of supa2aws')
    // Every subcommand's help lists the global flags it takes too.
    .configureHelp({ showGlobalOptions: true })
    .option('--json', 'machine output: result JSON on stdout, NDJSON events on stderr')
    .option('-v, --verbose', 'more detail, and stack traces on errors')
    .option('-c, --config <file>', 'config file (default: supa2aws.config.json, else the sandbox config)')
    .option('--region <region>', 'AWS region (over AWS_REGION, the profile and target.region)')
    .option('--profile <name>', 'AWS profile for credentials and region (over AWS_PROFILE)')
    .option('-y, --yes', 'do steps that change a live (non-sandbox) system without asking')
    // commander's own message is replaced by a coded one (printed in exitOverride).
    .configureOutput({ outputError: () => undefined })
    // commander throws instead of exiting: runCli turns a bad flag or command into a usage error.
    .exitOverride();
  await registerCommands(program, args);
  return program;
}

/**
 * Runs supa2aws on `args` (the words after `supa2aws`) and returns its exit code: 0 after help or the
 * version, 2 for a bad flag or command (a usage error, as documented, not a failed verification's 1), else
 * the code the command's action set. Leaves `process.exitCode` as it found it.
 */
export async function runCli(args: readonly string[]): Promise<number> {
  const outer = process.exitCode;
  process.exitCode = undefined;
  try {
    await (await buildProgram(args)).parseAsync(args, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return 0;
    return printError({ json: args.includes('--json'), verbose: false }, usageError(error, args));
  } finally {
    process.exitCode = outer;
  }
}
