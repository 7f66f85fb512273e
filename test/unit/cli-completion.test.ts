import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildProgram } from '../../src/cli/program.ts';
import { completionScript } from '../../src/cli/completion.ts';
import { runCliInProcess } from '../helpers/cli-in-process.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** What bash offers after `line` (its last word being completed), with the generated script loaded. */
function bashComplete(script: string, line: string): string[] {
  const words = line.split(' ');
  const run = spawnSync(
    'bash',
    [
      '-c',
      `${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_supa2aws; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8', cwd: root },
  );
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.split('\n').filter(Boolean);
}

describe('supa2aws completion and --version', () => {
  it('GIVEN the bash script WHEN completing THEN it offers the commands, subcommands and flags that exist', async () => {
    const script = completionScript(await buildProgram(['completion']), 'bash');
    assert.ok(bashComplete(script, 'supa2aws d').includes('db'));
    assert.deepEqual(bashComplete(script, 'supa2aws db rep'), ['replicate']);
    assert.deepEqual(bashComplete(script, 'supa2aws db replicate s').sort(), ['start', 'status', 'stop']);
    assert.ok(bashComplete(script, 'supa2aws storage copy --dr').includes('--dry-run'));
    // A global flag's value is not taken for a command.
    assert.deepEqual(bashComplete(script, 'supa2aws --config x.json db v'), ['verify']);
  });

  it('GIVEN zsh and fish WHEN asked THEN each script names every top-level command', async () => {
    const program = await buildProgram(['completion']);
    for (const shell of ['zsh', 'fish'] as const) {
      const script = completionScript(program, shell);
      for (const command of ['storage', 'db', 'auth', 'verify', 'doctor'])
        assert.match(script, new RegExp(command));
    }
    assert.match(completionScript(program, 'zsh'), /bashcompinit/);
    assert.match(completionScript(program, 'fish'), /__fish_seen_subcommand_from replicate/);
  });

  it('GIVEN the CLI WHEN run with --version, an unknown shell, or a subcommand help THEN each answers as documented', async () => {
    const cli = (...args: string[]) => runCliInProcess(args, { cwd: root });
    const version = await cli('--version');
    assert.equal(version.status, 0);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+/);
    const unknown = await cli('completion', 'tcsh');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /CLI_UNKNOWN_SHELL/);
    const help = await cli('db', 'copy', '--help');
    assert.match(help.stdout, /Global Options:[\s\S]*--config/);
  });
});
