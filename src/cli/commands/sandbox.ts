import type { Command } from 'commander';
import { sandboxStatus, startSandbox, stopSandbox, type SandboxStatus } from '../../sandbox/index.ts';
import { action } from '../context.ts';
import { wholeNumber } from '../option-parsers.ts';
import { table } from '../render.ts';

function statusText(status: SandboxStatus): string {
  if (status.services.length === 0)
    return `No sandbox in ${status.stateDir}. Start one with \`supa2aws sandbox up\`.`;
  const rows = status.services.map((s) => [
    s.name,
    s.role,
    s.url,
    s.healthy ? 'healthy' : s.state.toUpperCase(),
    s.detail,
  ]);
  const lines = [table(['service', 'stands in for', 'url', 'health', 'detail'], rows)];
  if (status.packagedExtensions?.length) lines.push('');
  for (const e of status.packagedExtensions ?? [])
    lines.push(
      e.loaded
        ? `${e.name}: loaded on the Supabase side`
        : `${e.name}: unavailable on the Supabase side (${e.reason}); what needs it is not proven here`,
    );
  if (status.configFile) lines.push('', `config: ${status.configFile}`);
  return lines.join('\n');
}

export function registerSandbox(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description('the local stand-ins: Supabase (PostgreSQL 15 + Storage) and AWS (RDS, S3, Cognito)');
  const stateDirOption = [
    '--state-dir <dir>',
    'where the sandbox keeps its state and config (env SUPA2AWS_SANDBOX_DIR)',
    process.env.SUPA2AWS_SANDBOX_DIR ?? '.sandbox',
  ] as const;

  sandbox
    .command('up')
    .description('start the five services, load the Aiuteur fixture, write .sandbox/supa2aws.config.json')
    .option(...stateDirOption)
    .option('--no-fixture', 'start empty: no platform bootstrap, migrations or seed')
    .option('--users <n>', 'seed: users', wholeNumber)
    .option('--projects <n>', 'seed: projects', wholeNumber)
    .option('--objects <n>', 'seed: storage objects', wholeNumber)
    .option('--object-size <size>', 'seed: small | large (large adds 100+ MiB objects)')
    .option('--seed <string>', 'seed: the string that makes the data deterministic')
    .option(
      '--cron-database <name>',
      'the database pg_cron keeps its jobs in when postgresql-15-cron is installed (default: postgres, as on Supabase; it cannot then be a CREATE DATABASE template)',
    )
    .option('--foreground', 'stay in the foreground; Ctrl-C or SIGTERM stops everything')
    .action(
      action(async (ctx, opts: Record<string, unknown>) => {
        const seed = Object.fromEntries(
          ['users', 'projects', 'objects', 'objectSize', 'seed']
            .filter((k) => opts[k] !== undefined)
            .map((k) => [k, opts[k]]),
        );
        const foreground = opts.foreground === true;
        const started = await startSandbox({
          stateDir: String(opts.stateDir),
          detached: !foreground,
          fixture: opts.fixture !== false,
          seed,
          ...(typeof opts.cronDatabase === 'string' ? { cronDatabase: opts.cronDatabase } : {}),
          reporter: ctx.reporter,
          signal: ctx.signal,
        });
        const status = await sandboxStatus(String(opts.stateDir));
        ctx.print(status, () => statusText(status));
        if (foreground) {
          // Nothing else holds the event loop open while we wait for Ctrl-C / SIGTERM.
          const keepAlive = setInterval(() => undefined, 60_000);
          if (!ctx.signal.aborted) {
            await new Promise<void>((resolve) =>
              ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
            );
          }
          clearInterval(keepAlive);
          await started.stop();
        }
        return status.running ? 0 : 3;
      }),
    );

  sandbox
    .command('status')
    .description('health of each service')
    .option(...stateDirOption)
    .action(
      action(async (ctx, opts: { stateDir: string }) => {
        const status = await sandboxStatus(opts.stateDir);
        ctx.print(status, () => statusText(status));
        return status.running ? 0 : 3;
      }),
    );

  sandbox
    .command('down')
    .description('stop every service and delete the sandbox data')
    .option(...stateDirOption)
    .action(
      action(async (ctx, opts: { stateDir: string }) => {
        const stopped = await stopSandbox(opts.stateDir);
        ctx.print({ stopped }, () =>
          stopped ? 'sandbox stopped; nothing left behind' : 'no sandbox was running',
        );
      }),
    );
}
