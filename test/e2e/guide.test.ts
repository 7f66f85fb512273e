/**
 * The guide stays true: every ```bash sandbox block runs, in order, against the test sandbox (as a reader
 * would after `supa2aws sandbox up`), and must exit 0 (or the `exit=N` its info string names). Every
 * ```bash aws block needs a real account, so it is checked for shell syntax and leftover placeholders.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { guideBlocks, guideFiles, REPO_ROOT as root } from '../helpers/guide-blocks.ts';
import { getTestSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const files = guideFiles();
const blocks = guideBlocks().filter((b) => b.lang === 'bash');

describe('the migration guide', () => {
  it('has the eight documents the plan lists', () => {
    assert.deepEqual(files, [
      '00-overview.md',
      '01-aws-account-setup.md',
      '02-s3-storage-migration.md',
      '03-rds-database-migration.md',
      '04-cognito-auth-migration.md',
      '05-ecs-backend-deployment.md',
      '06-frontend-deployment.md',
      '07-decommission-supabase.md',
    ]);
  });

  it('marks every bash block as sandbox (run here) or aws (needs an account)', () => {
    const unmarked = blocks.filter((b) => b.kind !== 'sandbox' && b.kind !== 'aws');
    assert.deepEqual(
      unmarked.map((b) => `${b.file}:${b.line}`),
      [],
    );
  });

  for (const block of blocks.filter((b) => b.kind === 'aws')) {
    it(`aws block ${block.file}:${block.line} is valid shell with no placeholders left`, () => {
      const syntax = spawnSync('bash', ['-n'], { input: block.code, encoding: 'utf8' });
      assert.equal(syntax.status, 0, syntax.stderr);
      assert.doesNotMatch(block.code, /<[A-Za-z][\w -]*>/, 'an <angle-bracket> placeholder is left');
      assert.doesNotMatch(block.code, /\b(TODO|FIXME|XXX|CHANGEME|your-[a-z-]+)\b/i);
    });
  }

  const sandboxBlocks = blocks.filter((b) => b.kind === 'sandbox');
  it(`runs all ${sandboxBlocks.length} sandbox blocks in order against the sandbox`, async () => {
    const sandbox = await getTestSandbox();
    const cwd = tempDir('supa2aws-guide-');
    const cli = `node ${JSON.stringify(path.join(root, 'bin', 'supa2aws.js'))}`;
    for (const block of sandboxBlocks) {
      const script = `set -e\n${block.code.replace(/\bnpx supa2aws\b/g, cli)}`;
      const result = spawnSync('bash', ['-c', script], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, SUPA2AWS_SANDBOX_DIR: sandbox.state.stateDir, NO_COLOR: '1' },
        timeout: 180_000,
      });
      const expected = Number(block.attrs.exit ?? 0);
      assert.equal(
        result.status,
        expected,
        `${block.file}:${block.line} exited ${result.status}, expected ${expected}\n${block.code}\n--- stdout\n${result.stdout.slice(-2000)}\n--- stderr\n${result.stderr.slice(-3000)}`,
      );
    }
  });
});
