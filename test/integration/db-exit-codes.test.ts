/**
 * `db plan` and `db copy` exit 1 only for a verification difference (issue 19): a plan with blockers and a
 * copy that finds source tables missing on the target are environment problems (exit 3) with their codes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { sandboxConfigFile, sandboxEnv } from '../../src/sandbox/sandbox-config.ts';
import { runCli } from '../helpers/cli-run.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';

type RawConfig = { source: { db: { url: string } }; target: { db: { url: string } } };

let sb: TestSandbox;
const dir = mkdtempSync(path.join(os.tmpdir(), 'supa2aws-db-exit-'));

before(async () => {
  sb = await getTestSandbox();
});
after(() => rmSync(dir, { recursive: true, force: true }));

function configFor(name: string, source: TestDatabase, target: TestDatabase): string {
  const raw = structuredClone(sandboxConfigFile(sb.state)) as RawConfig;
  raw.source.db.url = source.url;
  raw.target.db.url = target.url;
  const file = path.join(dir, `${name}.config.json`);
  writeFileSync(file, JSON.stringify(raw));
  return file;
}

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describe('db plan and db copy: exit 1 is kept for verification differences', () => {
  it('GIVEN a source function that reads storage.objects WHEN db plan runs THEN it lists the blocker and exits 3, not 1', async () => {
    const source = await sb.freshSourceDb();
    const target = await sb.freshTargetDb();
    await sql(
      source.adminUrl,
      `CREATE FUNCTION public.my_files(bucket text) RETURNS SETOF text LANGUAGE sql STABLE AS $$
       SELECT name FROM storage.objects WHERE bucket_id = bucket $$`,
    );
    const run = await runCli(['db', 'plan', '--json', '--config', configFor('plan', source, target)], {
      env: sandboxEnv(sb.state),
    });
    assert.equal(run.status, 3, run.stderr.slice(-1500));
    const plan = JSON.parse(run.stdout) as { blockers: { code: string }[] };
    assert.ok(
      plan.blockers.some((b) => b.code === 'DB_USES_SUPABASE_ONLY_OBJECTS'),
      JSON.stringify(plan.blockers),
    );
  });

  it('GIVEN a target without the schema WHEN db copy runs THEN it names the missing tables, points at db schema and exits 3, not 1', async () => {
    const source = await sb.freshSourceDb();
    const target = await sb.freshTargetDb();
    const file = configFor('copy', source, target);
    const run = await runCli(['db', 'copy', '--json', '--config', file, '--report-dir', dir], {
      env: sandboxEnv(sb.state),
    });
    assert.equal(run.status, 3, run.stderr.slice(-1500));
    const result = JSON.parse(run.stdout) as { missingOnTarget: string[] };
    assert.ok(result.missingOnTarget.includes('public.projects'), result.missingOnTarget.join(', '));
    assert.match(run.stderr, /run `supa2aws db schema` first/);
  });
});
