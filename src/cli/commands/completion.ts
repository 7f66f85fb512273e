import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { completionScript, SHELLS, type Shell } from '../completion.ts';
import { action } from '../context.ts';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script: bash, zsh or fish')
    .argument('<shell>', SHELLS.join(' | '))
    .addHelpText(
      'after',
      "\nExamples:\n  supa2aws completion bash > /etc/bash_completion.d/supa2aws\n  echo 'source <(supa2aws completion zsh)' >> ~/.zshrc\n  supa2aws completion fish > ~/.config/fish/completions/supa2aws.fish",
    )
    .action(
      action(async (_ctx, shell: string) => {
        if (!(SHELLS as readonly string[]).includes(shell))
          throw new ConfigError('CLI_UNKNOWN_SHELL', `no completion for the shell "${shell}"`, {
            exit: 'usage',
            hint: `Name one of: ${SHELLS.join(', ')}.`,
          });
        process.stdout.write(completionScript(program, shell as Shell));
      }),
    );
}
