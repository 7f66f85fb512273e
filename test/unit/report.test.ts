import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  buildMigrationReport,
  readPhaseReports,
  renderHtml,
  renderMarkdown,
  writeMigrationReport,
  writePhaseReport,
  type PhaseReport,
} from '../../src/report/index.ts';
import { tempDir } from '../helpers/temp-dir.ts';

function phase(p: Partial<PhaseReport> & Pick<PhaseReport, 'phase' | 'command'>): PhaseReport {
  return {
    version: 1,
    startedAt: '2026-11-25T10:00:00.000Z',
    finishedAt: '2026-11-25T10:00:02.000Z',
    durationMs: 2000,
    ok: true,
    metrics: {},
    checks: [],
    ...p,
  };
}

describe('migration report', () => {
  it('writes phase reports 0600, reads them back in phase order, and redacts secrets', () => {
    const dir = tempDir('report-');
    writePhaseReport(dir, phase({ phase: 'auth', command: 'verify', metrics: { users: 40 } }));
    const file = writePhaseReport(
      dir,
      phase({
        phase: 'storage',
        command: 'copy',
        metrics: { objects: 120, bytes: 5 * 1024 * 1024 },
        details: { password: 'x' },
      }),
    );
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(!readFileSync(file, 'utf8').includes('"x"'));
    const read = readPhaseReports(dir);
    assert.deepEqual(
      read.map((r) => r.phase),
      ['storage', 'auth'],
    );
  });

  it('renders Markdown and self-contained HTML with charts and escaped text', () => {
    const report = buildMigrationReport([
      phase({ phase: 'storage', command: 'copy', metrics: { objects: 120, bytes: 3 * 1024 * 1024 } }),
      phase({
        phase: 'db',
        command: 'verify',
        ok: false,
        metrics: { rows: 1000 },
        checks: [{ name: 'projects <digest>', ok: false, detail: 'rows 1..50 differ' }],
      }),
    ]);
    assert.equal(report.ok, false);
    const md = renderMarkdown(report);
    assert.match(md, /Overall: \*\*FAIL\*\*/);
    assert.match(md, /\| storage \| copy \| pass \| 2\.0 s \| objects 120, bytes 3\.0 MiB \|/);
    assert.match(md, /✖ projects <digest> — rows 1\.\.50 differ/);
    const html = renderHtml(report);
    assert.match(html, /<svg [^>]*aria-label="Objects moved"/);
    assert.match(html, /<svg [^>]*aria-label="Rows moved"/);
    assert.match(html, /projects &lt;digest&gt;/);
    assert.doesNotMatch(html, /<script/);
  });

  it('shows what a run could not prove as caveats, neither pass nor failure', () => {
    const report = buildMigrationReport([
      phase({
        phase: 'storage',
        command: 'setup',
        caveats: ['aiuteur-videos: versioning not set — endpoint lacks it'],
      }),
    ]);
    assert.equal(report.ok, true);
    const md = renderMarkdown(report);
    assert.match(md, /\| storage \| setup \| pass \(1 not proven here\) \|/);
    assert.match(md, /## Not proven here\n\n- storage setup: aiuteur-videos: versioning not set/);
    assert.match(
      renderHtml(report),
      /<section id="caveats"><h2>Not proven here<\/h2><ul><li>storage setup: aiuteur-videos/,
    );
  });

  it('refuses to build a report from an empty directory', () => {
    const dir = tempDir('report-');
    assert.throws(
      () => writeMigrationReport(dir),
      (e: { code?: string }) => e.code === 'REPORT_EMPTY',
    );
  });
});
