import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { commandNamed, registerCommands } from '../../src/cli/commands/index.ts';

const topLevel = async (args: string[]) => {
  const program = new Command('supa2aws');
  await registerCommands(program, args);
  return program.commands.map((c) => c.name());
};

describe('cli command groups', () => {
  it('finds the command after the global options', () => {
    assert.equal(commandNamed(['storage', 'copy', '--json']), 'storage');
    assert.equal(commandNamed(['--json', '-v', 'db', 'verify']), 'db');
    assert.equal(commandNamed(['-c', 'storage.json', 'auth', 'plan']), 'auth');
    assert.equal(commandNamed(['--config', 'x.json', 'cost']), 'cost');
    assert.equal(commandNamed(['--config=x.json', 'scan', '.']), 'scan');
    assert.equal(commandNamed(['--help']), undefined);
    assert.equal(commandNamed([]), undefined);
  });

  it('loads only the group a run names, and every group for help or an unknown command', async () => {
    assert.deepEqual(await topLevel(['storage', 'copy']), ['storage']);
    assert.deepEqual(await topLevel(['backup', 's3://b/p']), ['backup', 'decommission']);
    const all = await topLevel(['--help']);
    for (const name of [
      'sandbox',
      'demo',
      'storage',
      'auth',
      'db',
      'verify',
      'config',
      'cost',
      'scan',
      'report',
    ])
      assert.ok(all.includes(name), name);
    assert.ok(all.includes('doctor') && all.includes('decommission') && all.includes('backup'));
    assert.deepEqual(await topLevel(['nosuch']), all);
  });
});
