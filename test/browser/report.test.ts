/**
 * The HTML migration report in Chromium, shaped like the demo's: every chart label inside its chart's box,
 * and what failed and what was not proven visible in the first viewport, without scrolling.
 */
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { writeMigrationReport, writePhaseReport, type PhaseReport } from '../../src/report/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { tempDir } from '../helpers/temp-dir.ts';

function phase(
  p: Partial<PhaseReport> & Pick<PhaseReport, 'phase' | 'command'>,
  seconds: number,
): PhaseReport {
  return {
    version: 1,
    startedAt: '2026-11-25T10:00:00.000Z',
    finishedAt: '2026-11-25T10:00:03.000Z',
    durationMs: seconds * 1000,
    ok: true,
    metrics: {},
    checks: [{ name: 'every object has equal size and SHA-256', ok: true }],
    ...p,
  };
}

const setupCaveats = ['aiuteur-images', 'aiuteur-videos', 'aiuteur-avatars'].flatMap((b) => [
  `${b}: versioning not set — this endpoint does not implement it; the storage stack sets it on AWS`,
  `${b}: public access block not set — this endpoint does not implement it; the storage stack sets it on AWS`,
]);

const phases: PhaseReport[] = [
  phase(
    { phase: 'storage', command: 'plan', metrics: { objectsAtSource: 120, bytesAtSource: 7_340_032 } },
    0.4,
  ),
  phase(
    { phase: 'storage', command: 'setup', metrics: { buckets: 3, notSupported: 6 }, caveats: setupCaveats },
    0.2,
  ),
  phase({ phase: 'storage', command: 'copy', metrics: { objectsCopied: 120, bytesCopied: 7_340_032 } }, 3.1),
  phase(
    {
      phase: 'db',
      command: 'schema',
      metrics: { kept: 210, rewritten: 14, dropped: 23 },
      notMoved: [
        {
          what: 'schema objects (policy)',
          count: 9,
          why: 'dropped by db schema: storage policy',
          names: ['objects_insert_own', 'objects_select_public'],
        },
        { what: 'schema objects (publication)', count: 1, why: 'dropped by db schema: realtime publication' },
      ],
    },
    1.2,
  ),
  phase(
    { phase: 'db', command: 'copy', metrics: { tables: 16, copied: 16, rows: 4200, bytes: 2_000_000 } },
    11.8,
  ),
  phase(
    {
      phase: 'db',
      command: 'verify',
      ok: false,
      metrics: { tables: 16, matched: 15, differ: 1, rows: 4150 },
      checks: [
        {
          name: 'public.scene_generation_jobs_with_a_long_table_name: row count and digest',
          ok: false,
          detail: '1050 → 1000 rows',
        },
      ],
      compared: {
        unit: 'rows',
        items: [
          { name: 'public.scene_generation_jobs_with_a_long_table_name', source: 1050, target: 1000 },
          { name: 'public.projects', source: 40, target: 40 },
        ],
      },
    },
    2.5,
  ),
  phase(
    {
      phase: 'auth',
      command: 'export',
      metrics: { total: 12, inserted: 12 },
      notMoved: [
        {
          what: 'anonymous users',
          count: 2,
          why: 'anonymous: not migrated (Cognito has no anonymous users)',
        },
        {
          what: 'banned users',
          count: 1,
          why: 'banned: not migrated while banned; re-run export after the ban ends',
        },
      ],
    },
    0.6,
  ),
  phase({ phase: 'auth', command: 'verify', metrics: { users: 12, migrated: 5, pending: 4 } }, 1.9),
  phase({ phase: 'backend', command: 'exercise', metrics: { projects: 3, imageBytes: 52_000 } }, 4.4),
];

describe('the HTML migration report', () => {
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 800, height: 900 },
  ]) {
    it(`GIVEN a run with a failure and caveats WHEN opened at ${viewport.width}x${viewport.height} THEN failures and caveats show without scrolling and no chart label is cut`, async () => {
      const dir = tempDir('report-html-');
      for (const p of phases) writePhaseReport(dir, p);
      const { htmlFile } = writeMigrationReport(dir);
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage({ viewport });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(pathToFileURL(htmlFile).href);
        assert.equal(await page.textContent('#overall'), 'Overall: FAIL');
        assert.equal(await page.locator('#steps tbody tr').count(), phases.length);

        for (const selector of ['#failures h2', '#failures li', '#caveats h2', '#caveats li']) {
          const box = await page.locator(selector).first().boundingBox();
          assert.ok(box, `${selector} is shown`);
          assert.ok(
            box.y + box.height <= viewport.height,
            `${selector} ends at ${box.y + box.height}px, below the fold`,
          );
        }

        const charts = await page.locator('#charts svg').evaluateAll((nodes) =>
          nodes.map((svg) => {
            const frame = svg.getBoundingClientRect();
            const cut = Array.from(svg.querySelectorAll('text'))
              .map((t) => ({ text: t.textContent, box: t.getBoundingClientRect() }))
              .filter(
                ({ box }) =>
                  box.left < frame.left - 0.5 ||
                  box.right > frame.right + 0.5 ||
                  box.top < frame.top - 0.5 ||
                  box.bottom > frame.bottom + 0.5,
              )
              .map(({ text }) => text);
            return { label: svg.getAttribute('aria-label'), width: frame.width, cut };
          }),
        );
        assert.deepEqual(
          charts.map((c) => c.label),
          ['Time per step', 'db verify: source and target differ (rows)'],
        );
        for (const c of charts) {
          assert.deepEqual(c.cut, [], `${c.label}: labels outside the chart`);
          assert.ok(c.width <= viewport.width, `${c.label} fits the page`);
        }
        assert.equal(
          await page.locator('#charts svg rect.bar.target').count(),
          1,
          'only the table that differs',
        );
        assert.deepEqual(errors, []);
      } finally {
        await browser.close();
      }
    });
  }
});
