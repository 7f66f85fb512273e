import type { Command } from 'commander';

/** Every command group; each file adds one group to the program. */
export function registerCommands(program: Command): void {
  void program;
}
