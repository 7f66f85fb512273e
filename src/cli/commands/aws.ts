import type { Command } from 'commander';
import { requireRegion, resolveAwsContext } from '../../core/aws/aws-context.ts';
import { findConfigFile } from '../../config/load.ts';
import { DEFAULT_REPORT_DIR } from '../../report/phase-report.ts';
import {
  awsRun,
  awsRunClients,
  planAwsRun,
  readRunTarget,
  runInTask,
  type AwsRunPlan,
  type AwsRunResult,
} from '../../aws-run/index.ts';
import { action } from '../context.ts';
import { positiveInt } from '../option-parsers.ts';

interface RunFlags {
  outputs: string;
  stackPrefix?: string;
  tasks: number;
  reportDir: string;
  dryRun?: boolean;
}

function planText(plan: AwsRunPlan): string {
  return [
    `run ${plan.runId} in ${plan.region}, files in ${plan.runUri}`,
    plan.config ? `config: uploaded to ${plan.config}` : 'config: none',
    ...plan.files.inputs.map((f) => `input: ${f.local} uploaded to ${plan.runUri}inputs/${f.name}`),
    ...plan.files.outputs.map((f) => `output: the task's ${f.name} brought back to ${f.local}`),
    ...plan.tasks.map((t) => `task ${t.label}: ${JSON.stringify(t.request, null, 2)}`),
    '(dry run: nothing uploaded, no task started)',
  ].join('\n');
}

/** What a run changes, for its question: tasks on the stack's cluster, and what the command changes unasked. */
function runChanges(plan: AwsRunPlan, command: string[], configFile: string | undefined): string {
  const one = plan.tasks.length === 1;
  return `ECS in ${plan.region} (${one ? 'a task' : `${plan.tasks.length} tasks`} of the migration stack, files in ${plan.runUri}) and whatever \`supa2aws ${command.join(' ')}\` changes with ${configFile ? `the config ${configFile}` : 'no config'}: ${one ? 'the task runs' : 'each task runs'} it without asking again`;
}

function resultText(result: AwsRunResult): string {
  if (result.tasks.length === 1) return result.tasks[0]!.stdout.replace(/\n$/, '');
  return result.tasks
    .map((t) =>
      [`--- task ${t.label}: exit ${t.exitCode} (${t.taskArn})`, t.stdout.replace(/\n$/, '')].join('\n'),
    )
    .join('\n');
}

export function registerAws(program: Command): void {
  const aws = program.command('aws').description('run supa2aws inside AWS (the migration stack)');

  aws
    .command('run')
    .description(
      'run a supa2aws command as a one-off ECS Fargate task next to RDS and S3: logs streamed here, its exit code returned, its phase reports copied to --report-dir; files it reads (--plan, --apply-file) go up with it, files it writes (--out, --csv, --markdown, --svg) come back, mode 0600',
    )
    .argument('<command...>', 'the supa2aws command, after --: aws run -- db copy')
    .option('--outputs <file>', 'cdk deploy --outputs-file output with the migration stack', 'outputs.json')
    .option('--stack-prefix <prefix>', 'the stacks of this prefix, when the file holds several deployments')
    .option(
      '--tasks <n>',
      'storage copy only: N tasks, task i running storage copy --shard i/N',
      positiveInt,
      1,
    )
    .option('--report-dir <dir>', 'where the tasks’ phase reports are copied', DEFAULT_REPORT_DIR)
    .option(
      '--dry-run',
      'print the RunTask requests instead: nothing uploaded, no task started (else it asks first: the task runs the command with --yes)',
    )
    .action(
      action(async (ctx, command: string[], opts: RunFlags) => {
        const flags = ctx.flags;
        const context = resolveAwsContext({
          ...(flags.region ? { region: flags.region } : {}),
          ...(flags.profile ? { profile: flags.profile } : {}),
        });
        const target = readRunTarget(opts.outputs, {
          ...(opts.stackPrefix ? { stackPrefix: opts.stackPrefix } : {}),
          ...(flags.region ? { region: flags.region } : {}),
          ...(context.region ? { fallbackRegion: context.region } : {}),
        });
        const configFile = flags.config ?? findConfigFile(process.cwd());
        // The command runs with --yes: a task has no terminal, so it is asked here, before the run.
        const options = {
          target,
          command,
          tasks: opts.tasks,
          reportDir: opts.reportDir,
          json: ctx.output.json,
          yes: true,
          ...(configFile ? { configFile } : {}),
        };
        const plan = planAwsRun(options);
        // --yes after the -- answers for the run as well: the operator said not to ask.
        const answered = command.includes('--yes') || command.includes('-y');
        if (!answered)
          await ctx.confirm(`aws run -- ${command.join(' ')}`, {
            dryRun: opts.dryRun === true,
            changes: runChanges(plan, command, configFile),
          });
        if (opts.dryRun) {
          ctx.print(plan, () => planText(plan));
          return 0;
        }
        const clients = awsRunClients(target.region);
        const many = opts.tasks > 1 && !ctx.output.json;
        const result = await awsRun(
          { ...options, runId: plan.runId },
          {
            ...clients,
            reporter: ctx.reporter,
            signal: ctx.signal,
            onLine: (line, task) => process.stderr.write(`${many ? `[${task.label}] ` : ''}${line}\n`),
          },
        );
        for (const task of result.tasks)
          for (const file of task.reports)
            ctx.reporter.emit({ type: 'log', level: 'info', message: `report: ${file}` });
        for (const task of result.tasks)
          for (const file of task.outputs)
            ctx.reporter.emit({ type: 'log', level: 'info', message: `written: ${file}` });
        if (ctx.output.json && result.tasks.length === 1) process.stdout.write(result.tasks[0]!.stdout);
        else ctx.print(result, () => resultText(result));
        return result.exitCode;
      }),
    );

  aws
    .command('in-task', { hidden: true })
    .description(
      'inside a task started by aws run: run the command with the run’s config and secrets, write its results back',
    )
    .argument('<command...>', 'the supa2aws command, after --')
    .action(
      action(async (ctx, command: string[]) => {
        // The task definition sets AWS_REGION; credentials are the task role's.
        const clients = awsRunClients(requireRegion(resolveAwsContext().region, 'aws in-task'));
        return runInTask(
          { command, env: process.env },
          { s3: clients.s3, secrets: clients.secrets, signal: ctx.signal },
        );
      }),
    );
}
