import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  buildMigrationReport,
  readPhaseReports,
  renderHtml,
  renderMarkdown,
  timed,
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

  it('GIVEN steps that passed and one that failed THEN Markdown and HTML say what moved in words, failures first', () => {
    const report = buildMigrationReport([
      phase({
        phase: 'storage',
        command: 'copy',
        metrics: { objectsCopied: 120, bytesCopied: 3 * 1024 * 1024, failed: 0, retries: 2 },
      }),
      phase({
        phase: 'db',
        command: 'verify',
        ok: false,
        metrics: { tables: 16, matched: 15, differ: 1, rows: 1000 },
        checks: [{ name: 'projects <digest>', ok: false, detail: 'rows 1..50 differ' }],
        compared: {
          unit: 'rows',
          items: [
            { name: 'public.projects', source: 1050, target: 1000 },
            { name: 'public.scenes', source: 400, target: 400 },
          ],
        },
      }),
    ]);
    assert.equal(report.ok, false);
    const md = renderMarkdown(report);
    assert.match(
      md,
      /Overall: \*\*FAIL\*\*\.\n\n## Needs attention\n\n- ✖ db verify: projects <digest> — rows 1\.\.50 differ/,
    );
    assert.match(
      md,
      /\| storage copy \| pass \| 2\.0 s \| 120 objects copied, 3\.0 MiB copied, 2 retries \|/,
    );
    assert.match(
      md,
      /\| db verify \| FAIL \| 2\.0 s \| 16 tables compared, 15 match, 1 differ, 1,000 rows on the target \|/,
    );
    assert.match(md, /\| db verify \| public\.projects \| 1050 rows \| 1000 rows \|/);
    assert.doesNotMatch(md, /public\.scenes \| 400/, 'equal tables are not listed as differing');
    assert.doesNotMatch(md, /objectsCopied|bytesCopied/);
    const html = renderHtml(report);
    assert.ok(html.indexOf('id="failures"') < html.indexOf('id="steps"'));
    assert.match(html, /<svg [^>]*aria-label="Time per step"/);
    assert.match(html, /<svg [^>]*aria-label="db verify: source and target differ \(rows\)"/);
    assert.doesNotMatch(html, /aria-label="(Objects|Rows|Bytes) moved"/, 'no chart that repeats the table');
    assert.match(html, /projects &lt;digest&gt;/);
    assert.doesNotMatch(html, /<script/);
  });

  it('GIVEN one step THEN no time chart (a one-bar chart says nothing)', () => {
    const html = renderHtml(
      buildMigrationReport([phase({ phase: 'db', command: 'copy', metrics: { rows: 3 } })]),
    );
    assert.doesNotMatch(html, /<svg/);
  });

  it('GIVEN db schema drops and users that cannot migrate THEN both formats list them before the steps', () => {
    const report = buildMigrationReport([
      phase({
        phase: 'db',
        command: 'schema',
        metrics: { kept: 120, dropped: 3 },
        notMoved: [
          {
            what: 'schema objects (policy)',
            count: 3,
            why: 'dropped by db schema: storage policy',
            names: ['storage.objects'],
          },
        ],
      }),
      phase({
        phase: 'auth',
        command: 'export',
        metrics: { total: 12 },
        notMoved: [
          {
            what: 'anonymous users',
            count: 2,
            why: 'anonymous: not migrated (Cognito has no anonymous users)',
          },
        ],
      }),
    ]);
    const md = renderMarkdown(report);
    assert.ok(md.indexOf('## Not moved, on purpose') < md.indexOf('## Steps'));
    assert.match(
      md,
      /\| db schema \| schema objects \(policy\) \(storage\.objects, …\) \| 3 \| dropped by db schema: storage policy \|/,
    );
    assert.match(md, /\| auth export \| anonymous users \| 2 \| anonymous: not migrated/);
    const html = renderHtml(report);
    assert.ok(html.indexOf('id="not-moved"') < html.indexOf('id="steps"'));
    assert.match(html, /anonymous users/);
  });

  it('names every metric key of every phase in words', () => {
    const keys = {
      storage: [
        'objectsAtSource',
        'bytesAtSource',
        'objectsIdentical',
        'objectsToCopy',
        'bytesToCopy',
        'orphans',
        'ghosts',
        'objectsCopied',
        'bytesCopied',
        'failed',
        'retries',
        'rows',
        'objectsMatching',
        'missing',
        'differ',
        'buckets',
        'notSupported',
        'manual',
        'differs',
        'columns',
        'rowsScanned',
        'valuesChanged',
        'remaining',
      ],
      db: [
        'kept',
        'rewritten',
        'dropped',
        'blocked',
        'statements',
        'tables',
        'copied',
        'skipped',
        'rows',
        'bytes',
        'sequences',
        'matched',
        'differ',
        'published',
        'cleaned',
        'freezeMs',
        'roles',
      ],
      auth: [
        'users',
        'phoneOnly',
        'bcryptCostOutOfRange',
        'kind.phone-only',
        'outcome.lazy',
        'total',
        'inserted',
        'updated',
        'unchanged',
        'removed',
        'candidates',
        'created',
        'existing',
        'finished',
        'throttles',
        'cognitoSubRecorded',
        'cognitoSubRebound',
        'cognitoSubConflicts',
        'csvRows',
        'poolUsers',
        'migrated',
        'pending',
        'not-migratable',
        'unaccounted',
        'mismatch',
        'changed',
      ],
      backend: ['projects', 'imageBytes', 'videoBytes'],
    };
    for (const [p, names] of Object.entries(keys)) {
      const metrics = Object.fromEntries(names.map((k) => [k, 1]));
      const moved = buildMigrationReport([phase({ phase: p, command: 'x', metrics })]).steps[0]!.moved;
      assert.doesNotMatch(moved, /[a-z][A-Z]|[a-z]\.[a-z]/, `${p}: ${moved}`);
      assert.equal(moved.split(', ').length, names.length);
    }
  });

  it('refuses to build a report from an empty directory', () => {
    const dir = tempDir('report-');
    assert.throws(
      () => writeMigrationReport(dir),
      (e: { code?: string }) => e.code === 'REPORT_EMPTY',
    );
  });

  it('GIVEN a step that takes a while WHEN timed THEN its value comes back with when it started, ended and how long it took', async () => {
    const before = Date.now();
    const { value, timing } = await timed(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return 'done';
    });
    assert.equal(value, 'done');
    assert.ok(Date.parse(timing.startedAt) >= before);
    assert.equal(Date.parse(timing.finishedAt) - Date.parse(timing.startedAt), timing.durationMs);
    assert.ok(timing.durationMs >= 15, String(timing.durationMs));
  });
});
