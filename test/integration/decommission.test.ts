import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { takeBackup } from '../../src/backup/index.ts';
import { replicationNames } from '../../src/db/index.ts';
import { decommissionCheck } from '../../src/decommission/index.ts';
import { writePhaseReport, type PhaseReport } from '../../src/report/index.ts';
import { getTestSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const codebases = path.resolve(import.meta.dirname, '../fixtures/codebases');

function verified(phase: string, ok: boolean): PhaseReport {
  const now = new Date().toISOString();
  return {
    version: 1,
    phase,
    command: 'verify',
    startedAt: now,
    finishedAt: now,
    durationMs: 1,
    ok,
    metrics: {},
    checks: [],
  };
}

describe('decommission check', () => {
  it('fails while anything still uses Supabase, and passes once everything is clean', async () => {
    const sb = await getTestSandbox();
    const source = await sb.freshSourceDb();
    const reportDir = tempDir('decom-reports-');
    const backupDir = path.join(tempDir('decom-backup-'), 'final');
    const taskDef = path.join(reportDir, 'task-definition.json');
    writeFileSync(
      taskDef,
      JSON.stringify({
        taskDefinition: {
          containerDefinitions: [
            { name: 'api', environment: [{ name: 'SUPABASE_URL', value: 'x' }], secrets: [] },
          ],
        },
      }),
    );
    for (const phase of ['storage', 'db']) writePhaseReport(reportDir, verified(phase, true));
    writePhaseReport(reportDir, verified('auth', false));
    // An app connection still open on the Supabase database.
    const app = new pg.Client({ connectionString: source.url, application_name: 'aiuteur-api' });
    await app.connect();
    // A replication slot `db replicate` left behind (it keeps WAL on Supabase's disk).
    const slot = replicationNames(source.name).slot;
    await app.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    try {
      const before = await decommissionCheck({
        codeDir: path.join(codebases, 'aiuteur'),
        sourceDbUrl: source.url,
        reportDir,
        backupDir,
        taskDefinitions: [taskDef],
      });
      assert.equal(before.ok, false);
      const failing = before.items.filter((i) => !i.ok).map((i) => i.id);
      assert.deepEqual(failing, ['code', 'config', 'connections', 'replication', 'auth-verify', 'backup']);
      assert.match(
        before.items.find((i) => i.id === 'replication')!.detail,
        new RegExp(`slot ${slot} on the source`),
      );
      assert.match(before.items.find((i) => i.id === 'connections')!.detail, /aiuteur-api/);
      assert.match(before.items.find((i) => i.id === 'config')!.detail, /api: SUPABASE_URL/);
      await app.query('SELECT pg_drop_replication_slot($1)', [slot]);
    } finally {
      await app.end();
    }

    writePhaseReport(reportDir, verified('auth', true));
    await takeBackup({
      sourceDbUrl: source.url,
      storage: sb.sourceS3,
      outDir: backupDir,
      pgDump: process.env.PG_DUMP ?? 'pg_dump',
    });
    writeFileSync(
      taskDef,
      JSON.stringify({ taskDefinition: { containerDefinitions: [{ name: 'api', environment: [] }] } }),
    );
    const after = await decommissionCheck({
      codeDir: path.join(codebases, 'migrated'),
      sourceDbUrl: source.url,
      reportDir,
      backupDir,
      taskDefinitions: [taskDef],
    });
    assert.deepEqual(
      after.items.filter((i) => !i.ok).map((i) => `${i.id}: ${i.detail}`),
      [],
    );
    assert.equal(after.ok, true);
  });
});
