/**
 * What every command gets: parsed global flags, a reporter, the config loader, an abort signal tied to
 * Ctrl-C / SIGTERM, and `run()` which maps errors to exit codes.
 */
import type { Command } from 'commander';
import {
  inspectConfig,
  loadConfig,
  type ConfigInspection,
  type LoadConfigOptions,
  type LoadedConfig,
} from '../config/index.ts';
import { createInterface } from 'node:readline/promises';
import { describeTouches, summarizeTouches } from '../config/touches.ts';
import { ExitCode, InterruptedError, isSupa2awsError, Supa2awsError } from '../core/errors.ts';
import { deadStandInsFor, standInDownError } from '../sandbox/stand-ins.ts';
import type { Reporter } from '../core/reporter.ts';
import { CliReporter, printError, printResult, type OutputOptions } from './render.ts';

export interface GlobalFlags {
  json?: boolean;
  verbose?: boolean;
  config?: string;
  region?: string;
  profile?: string;
  yes?: boolean;
}

/**
 * What a step that asks first tells the user who is not asked or says no: a command with a `--dry-run` passes
 * whether it was given (a dry run changes nothing live: nothing to ask); one without passes `preview`, a
 * sentence saying truly how to see what it would do before it changes anything. `changes` names what the
 * step changes when that is not the systems the loaded config names (aws run: a task on ECS, with a config
 * only the task reads); such a step is asked about wherever it points.
 */
export type ConfirmOptions = ({ dryRun: boolean } | { preview: string }) & { changes?: string };

const DRY_RUN_PREVIEW = 'Run it with --dry-run first to see what it would do';

export interface CommandContext {
  /** The global flags as given (wherever they stood on the command line). */
  globals: GlobalFlags;
  output: OutputOptions;
  /** The global flags as given (--config, --region, --profile…). */
  flags: GlobalFlags;
  reporter: Reporter;
  /** Aborted on the first Ctrl-C or SIGTERM; long steps stop cleanly and can be re-run. */
  signal: AbortSignal;
  config(): Promise<LoadedConfig>;
  /** The file the global --config flag named, if given (the demo runs with its own config otherwise). */
  configFlag: string | undefined;
  /** The config if the command loaded one (undefined when it did not get that far). */
  loadedConfig(): Promise<LoadedConfig> | undefined;
  /** The config whatever its state, for commands that report on it (doctor, config validate). */
  inspectConfig(): Promise<ConfigInspection>;
  print(result: unknown, human: () => string): void;
  /**
   * Before a step that changes a live system: nothing to ask on the sandbox or with --dry-run; with --yes
   * go ahead; on a terminal ask; otherwise refuse with CONFIRMATION_REQUIRED. The hints say how to see what
   * the step would do: its --dry-run, or the caller's `preview`. What it changes is the loaded config's
   * systems, or the caller's `changes`.
   */
  confirm(step: string, options: ConfirmOptions): Promise<void>;
  /** Ends the progress output: held events are sent and the live block leaves its last state. */
  closeOutput(): void;
}

/**
 * Node's process warnings (node-postgres' TLS notice, ours for plaintext connections) become reporter
 * events, so `--json` keeps stderr pure NDJSON and a human sees them like every other warning.
 */
function routeProcessWarnings(reporter: Reporter): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) => {
    reporter.emit({
      type: 'log',
      level: 'warn',
      message: warning.message,
      ...(warning.code ? { data: { code: warning.code } } : {}),
    });
  });
}

function contextFrom(command: Command): CommandContext {
  const flags = command.optsWithGlobals<GlobalFlags>();
  const output: OutputOptions = { json: flags.json === true, verbose: flags.verbose === true };
  const reporter = new CliReporter(output);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    reporter.emit({
      type: 'log',
      level: 'warn',
      message: `${signal} received: stopping cleanly (again to force)`,
    });
    controller.abort(new InterruptedError(command.name()));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  routeProcessWarnings(reporter);
  // The SDK's credential chain reads AWS_PROFILE: --profile is that, as in the AWS CLI.
  if (flags.profile) process.env.AWS_PROFILE = flags.profile;
  let loaded: Promise<LoadedConfig> | undefined;
  const loadOptions: LoadConfigOptions = {
    ...(flags.config ? { file: flags.config } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
  };
  /** The systems the loaded config names, for a question; undefined on the sandbox (nothing live). */
  const liveSystems = async (): Promise<string | undefined> => {
    const loadedConfig = await (loaded ?? Promise.reject(new Error('confirm() before config()')));
    const touches = summarizeTouches(loadedConfig.config, loadedConfig.file, loadedConfig.aws);
    return touches.local ? undefined : describeTouches(touches).slice(1).join('; ');
  };
  return {
    globals: flags,
    output,
    flags,
    reporter,
    signal: controller.signal,
    config: () => {
      loaded ??= loadConfig(loadOptions).then((result) => {
        const touches = summarizeTouches(result.config, result.file, result.aws);
        for (const line of describeTouches(touches)) {
          reporter.emit({
            type: 'log',
            level: 'info',
            message: line,
            ...(line.startsWith('config ') ? { data: { touches } } : {}),
          });
        }
        for (const w of result.warnings) {
          reporter.emit({ type: 'log', level: 'warn', message: `config ${w.field}: expected ${w.expected}` });
        }
        return result;
      });
      return loaded;
    },
    configFlag: flags.config,
    loadedConfig: () => loaded,
    inspectConfig: () => inspectConfig(loadOptions),
    confirm: async (step, options) => {
      if ('dryRun' in options && options.dryRun) return;
      const preview = 'preview' in options ? options.preview : DRY_RUN_PREVIEW;
      const where = options.changes ?? (await liveSystems());
      if (where === undefined || flags.yes) return;
      if (!process.stdin.isTTY || !process.stderr.isTTY) {
        throw new Supa2awsError(
          'CONFIRMATION_REQUIRED',
          `${step} changes a live system (${where}) and no terminal is there to confirm it`,
          {
            exit: 'usage',
            hint: `${preview}, then again with --yes.`,
          },
        );
      }
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await rl.question(`${step} will change ${where}.\nProceed? [y/N] `);
        if (!/^y(es)?$/i.test(answer.trim())) {
          throw new Supa2awsError('CONFIRMATION_DECLINED', `${step} not started: not confirmed`, {
            exit: 'usage',
            hint: `Nothing was changed. ${preview}.`,
          });
        }
      } finally {
        rl.close();
      }
    },
    print: (result, human) => {
      // The live block on stderr is erased by line count: nothing may print on the terminal under it.
      reporter.close();
      printResult(output, result, human);
    },
    closeOutput: () => reporter.close(),
  };
}

/** An environment error on the sandbox whose stand-in process is gone: says which one, and how to restart it. */
async function onDeadStandIn(ctx: CommandContext, error: unknown): Promise<unknown> {
  if (!isSupa2awsError(error) || error.exitCode !== ExitCode.environment) return error;
  const config = await ctx.loadedConfig()?.catch(() => undefined);
  const dead = config ? deadStandInsFor(config.config) : [];
  return dead.length > 0 ? standInDownError(error, dead) : error;
}

/**
 * Wraps a command action: builds the context, runs it, and sets the exit code from the returned
 * number (0 when nothing is returned) or from the error thrown.
 */
export function action<Args extends unknown[]>(
  fn: (ctx: CommandContext, ...args: Args) => Promise<number | void>,
): (...args: [...Args, Command]) => Promise<void> {
  return async (...args) => {
    const command = args[args.length - 1] as Command;
    const ctx = contextFrom(command);
    try {
      const code = (await fn(ctx, ...(args.slice(0, -1) as Args))) ?? 0;
      ctx.closeOutput();
      // A run stopped by Ctrl-C / SIGTERM that did not finish is interrupted, whatever else it found.
      process.exitCode = ctx.signal.aborted && code !== 0 ? ExitCode.interrupted : code;
    } catch (error) {
      // After Ctrl-C / SIGTERM, whatever the stop made a step throw (an aborted request or query) is the
      // interruption, not a failure of its own.
      const interrupted =
        ctx.signal.aborted && !(isSupa2awsError(error) && error.exitCode === ExitCode.interrupted)
          ? new InterruptedError(command.name())
          : error;
      ctx.closeOutput();
      process.exitCode = printError(ctx.output, await onDeadStandIn(ctx, interrupted));
    }
    if (process.exitCode === ExitCode.interrupted) {
      process.stderr.write('interrupted: run the same command again\n');
    }
  };
}
