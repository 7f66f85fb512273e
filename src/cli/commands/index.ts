import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every command group, by the top-level commands it adds, loaded on demand: a run of one group imports only
 * that group's library, not every phase's (AWS SDK clients, pg, the SQL parser), which keeps start-up time
 * and memory down — a `storage copy` has all of it for the data. Help without a group loads them all, in
 * this order.
 */
const GROUPS: Array<{ commands: string[]; load: () => Promise<Register> }> = [
  { commands: ['sandbox'], load: async () => (await import('./sandbox.ts')).registerSandbox },
  { commands: ['demo'], load: async () => (await import('./demo.ts')).registerDemo },
  { commands: ['storage'], load: async () => (await import('./storage/index.ts')).registerStorage },
  { commands: ['auth'], load: async () => (await import('./auth/index.ts')).registerAuth },
  { commands: ['db'], load: async () => (await import('./db/index.ts')).registerDb },
  { commands: ['verify'], load: async () => (await import('./verify.ts')).registerVerify },
  { commands: ['init'], load: async () => (await import('./init.ts')).registerInit },
  { commands: ['config'], load: async () => (await import('./config.ts')).registerConfig },
  { commands: ['cost'], load: async () => (await import('./cost.ts')).registerCost },
  { commands: ['scan'], load: async () => (await import('./scan.ts')).registerScan },
  {
    commands: ['migrate-code'],
    load: async () => (await import('./migrate-code.ts')).registerMigrateCode,
  },
  { commands: ['report'], load: async () => (await import('./report.ts')).registerReport },
  { commands: ['doctor'], load: async () => (await import('./doctor.ts')).registerDoctor },
  {
    commands: ['backup', 'decommission'],
    load: async () => (await import('./decommission.ts')).registerDecommission,
  },
  { commands: ['aws'], load: async () => (await import('./aws.ts')).registerAws },
  { commands: ['completion'], load: async () => (await import('./completion.ts')).registerCompletion },
];

/** Global options that take a value: the word after them is not a command. */
const VALUED_GLOBALS = new Set(['-c', '--config', '--region', '--profile']);

/** The top-level command `args` name (what follows the global options), if any. */
export function commandNamed(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (VALUED_GLOBALS.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** Adds the group `args` names to the program, or every group when they name none of them (help). */
export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const name = commandNamed(args);
  const named = GROUPS.filter((group) => name !== undefined && group.commands.includes(name));
  // Completion describes every command, so it needs them all, like help.
  const all = named.length === 0 || name === 'completion';
  for (const group of all ? GROUPS : named) (await group.load())(program);
}
