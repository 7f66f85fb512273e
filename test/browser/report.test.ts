import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { writeMigrationReport, writePhaseReport, type PhaseReport } from '../../src/report/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const base = {
  version: 1 as const,
  startedAt: '2026-11-25T10:00:00.000Z',
  finishedAt: '2026-11-25T10:00:03.000Z',
  durationMs: 3000,
  ok: true,
  checks: [{ name: 'every object has equal size and SHA-256', ok: true }],
};

describe('the HTML migration report', () => {
  it('renders in Chromium with its charts, steps and verification', async () => {
    const dir = tempDir('report-html-');
    const phases: PhaseReport[] = [
      { ...base, phase: 'storage', command: 'copy', metrics: { objects: 120, bytes: 7_340_032 } },
      { ...base, phase: 'db', command: 'copy', metrics: { tables: 16, rows: 4200 } },
      { ...base, phase: 'auth', command: 'verify', metrics: { users: 40 } },
    ];
    for (const p of phases) writePhaseReport(dir, p);
    const { htmlFile } = writeMigrationReport(dir);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(htmlFile).href);
      assert.equal(await page.textContent('#overall'), 'Overall: PASS');
      assert.equal(await page.locator('#steps tbody tr').count(), 3);
      const charts = await page
        .locator('#charts svg')
        .evaluateAll((nodes) =>
          nodes.map((n) => ({ label: n.getAttribute('aria-label'), width: n.getBoundingClientRect().width })),
        );
      assert.deepEqual(
        charts.map((c) => c.label),
        ['Objects moved', 'Bytes moved', 'Rows moved', 'Users', 'Time per step'],
      );
      assert.ok(
        charts.every((c) => c.width > 100),
        'charts are laid out',
      );
      const bars = await page.locator('#charts svg rect.bar').count();
      assert.equal(bars, 7);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
