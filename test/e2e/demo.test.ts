import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');

describe('supa2aws demo (the README’s first command)', () => {
  it('runs the whole migration on its own sandbox, green, writes the report and leaves nothing running', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-demo-'));
    try {
      const result = spawnSync(
        process.execPath,
        [
          path.join(root, 'bin', 'supa2aws.js'),
          'demo',
          '--state-dir',
          path.join(dir, 'sandbox'),
          '--report-dir',
          path.join(dir, 'report'),
          '--json',
        ],
        { cwd: dir, encoding: 'utf8', timeout: 240_000 },
      );
      assert.equal(result.status, 0, `${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
      const out = JSON.parse(result.stdout) as { ok: boolean; steps: Array<{ name: string; ok: boolean }> };
      assert.equal(out.ok, true);
      assert.deepEqual(
        out.steps.map((s) => s.name.split(':')[0]),
        ['sandbox', 'storage', 'database', 'auth', 'backend', 'backend'],
      );
      const md = readFileSync(path.join(dir, 'report', 'report.md'), 'utf8');
      assert.match(md, /Overall: \*\*PASS\*\*/);
      for (const phase of ['storage', 'db', 'auth', 'backend'])
        assert.match(md, new RegExp(`\\| ${phase} [a-z-]+ \\| pass`));
      assert.ok(existsSync(path.join(dir, 'report', 'report.html')));
      // Nothing secret in what the demo wrote.
      const all =
        readFileSync(path.join(dir, 'report', 'report.html'), 'utf8') + md + result.stdout + result.stderr;
      assert.doesNotMatch(all, /\$2[aby]\$10\$/);
      assert.doesNotMatch(all, /Alice-Wonderland/);
      // Without --keep the sandbox is gone.
      assert.equal(existsSync(path.join(dir, 'sandbox', 'sandbox-state.json')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
