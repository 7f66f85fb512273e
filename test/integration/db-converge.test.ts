/**
 * Faults: `supa2aws db copy` killed (SIGKILL) half-way, then run again; a table changed on the target after
 * the copy, caught by `supa2aws db verify` (exit 1) with its key range, then repaired by another copy.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import pg from 'pg';
import { COPY_BOOKKEEPING_SQL } from '../../src/db/copy/deferred-ddl.ts';
import { applySchema, buildSchema, copyData, verifyDb } from '../../src/db/index.ts';
import { sandboxConfigFile, sandboxEnv } from '../../src/sandbox/index.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const cli = path.join(root, 'bin', 'supa2aws.js');

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A config file for the CLI pointing at these two databases; passwords stay in the environment. */
function writeConfig(
  sb: TestSandbox,
  source: TestDatabase,
  target: TestDatabase,
): { file: string; env: NodeJS.ProcessEnv; dir: string } {
  const dir = tempDir('supa2aws-db-cli-');
  const raw = sandboxConfigFile(sb.state) as {
    source: { db: { url: string } };
    target: { db: { url: string } };
  };
  const swap = (url: string, name: string) => url.replace(/\/[^/]+$/, `/${name}`);
  raw.source.db.url = swap(raw.source.db.url, source.name);
  raw.target.db.url = swap(raw.target.db.url, target.name);
  const file = path.join(dir, 'supa2aws.config.json');
  writeFileSync(file, JSON.stringify(raw));
  return { file, dir, env: { ...process.env, ...sandboxEnv(sb.state), SUPA2AWS_SANDBOX_DIR: '' } };
}

describe('db: convergence and fault detection', () => {
  let sb: TestSandbox;
  let source: TestDatabase;
  let target: TestDatabase;

  before(async () => {
    sb = await getTestSandbox();
    source = await sb.freshSourceDb();
    target = await sb.freshTargetDb();
    // A table big enough that the copy is still running when it is killed.
    await query(
      source.url,
      `create table public.bulk (id bigint primary key, owner uuid references auth.users (id), payload text not null);
       insert into public.bulk
         select g, (select id from auth.users order by id limit 1), md5(g::text) || repeat('x', 120)
           from generate_series(1, 400000) g;
       create index bulk_owner_idx on public.bulk (owner);
       analyze public.bulk;`,
    );
    const build = await buildSchema({ source: { kind: 'pg_dump', sourceUrl: source.url } });
    await applySchema(build.script, { targetUrl: target.url });
  });

  it('a copy killed half-way (SIGKILL) converges when run again', async () => {
    const { file, env, dir } = writeConfig(sb, source, target);
    // Hold the bulk table's load open at its very end (its completion row), so the kill always lands
    // while it is loaded but not committed, whatever the machine's speed: an uncommitted row with the same
    // key makes the copier's INSERT ... ON CONFLICT wait.
    for (const sql of COPY_BOOKKEEPING_SQL) await query(target.url, sql);
    const holder = new pg.Client({ connectionString: target.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`insert into supa2aws.copy_state values ('public', 'bulk', 0, 0, 'held by the test')`);
    const child = spawn(
      process.execPath,
      [cli, 'db', 'copy', '--json', '--config', file, '--concurrency', '2', '--report-dir', dir],
      {
        cwd: dir,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let finishedTables = 0;
    let killed = false;
    let buffer = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.stderr.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let event: { type?: string; task?: string; unit?: string; done?: number; total?: number };
        try {
          event = JSON.parse(line);
        } catch {
          continue;
        }
        if (event.type === 'progress' && event.task?.startsWith('copy ') && event.unit === 'rows')
          finishedTables++;
        if (!killed && finishedTables >= 3) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    await exited;
    await holder.query('ROLLBACK');
    await holder.end();
    assert.ok(killed, 'the copy finished before it could be killed');
    // The killed run's target session ends once it stops waiting and finds its client gone.
    for (let i = 0; i < 100; i++) {
      const [left] = await query<{ n: string }>(
        target.adminUrl,
        `select count(*) as n from pg_stat_activity where datname = current_database() and application_name like 'supa2aws-%'`,
      );
      if (Number(left?.n) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Killed mid-load: the bulk table's load was rolled back, keys and FKs are still set aside.
    const [pending] = await query<{ n: string }>(
      target.url,
      'select count(*) as n from supa2aws.deferred_ddl',
    );
    assert.ok(Number(pending?.n) > 0);
    const [bulk] = await query<{ n: string }>(target.url, 'select count(*) as n from public.bulk');
    assert.equal(Number(bulk?.n), 0);

    const rerun = await copyData({ sourceUrl: source.url, targetUrl: target.url });
    assert.ok(
      rerun.tables.some((t) => t.table === 'public.bulk' && t.action === 'copy' && t.rows === 400000),
    );
    assert.ok(
      rerun.tables.some((t) => t.action === 'skip'),
      'tables finished before the kill are skipped',
    );
    const [left] = await query<{ n: string }>(target.url, 'select count(*) as n from supa2aws.deferred_ddl');
    assert.equal(Number(left?.n), 0);
    const report = await verifyDb({ sourceUrl: source.url, targetUrl: target.url });
    assert.equal(
      report.ok,
      true,
      JSON.stringify(
        { tables: report.tables.filter((t) => t.status !== 'match'), schema: report.schema },
        null,
        2,
      ),
    );
  });

  it('a table changed after the copy is caught by verify (exit 1) with its key range, and the next copy repairs it', async () => {
    const ids = await query<{ id: string }>(target.url, 'select id::text from public.scenes order by id');
    const changed = ids[40]!.id;
    const deleted = ids[95]!.id;
    await query(target.url, `update public.scenes set title = 'changed on the target' where id = $1`, [
      changed,
    ]);
    await query(target.url, 'delete from public.scenes where id = $1', [deleted]);

    const { file, env, dir } = writeConfig(sb, source, target);
    const run = spawnSync(
      process.execPath,
      [
        cli,
        'db',
        'verify',
        '--json',
        '--config',
        file,
        '--chunk-rows',
        '10',
        '--tables',
        'public.scenes',
        '--report-dir',
        dir,
      ],
      {
        cwd: dir,
        env,
        encoding: 'utf8',
      },
    );
    assert.equal(run.status, 1, run.stderr);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      tables: Array<{
        table: string;
        mismatches: Array<{ from: string | null; to: string | null; sourceRows: number; targetRows: number }>;
      }>;
    };
    assert.equal(report.ok, false);
    const scenes = report.tables.find((t) => t.table === 'public.scenes')!;
    assert.equal(scenes.mismatches.length, 2);
    const covers = (id: string) =>
      scenes.mismatches.find((m) => (m.from === null || m.from <= id) && (m.to === null || id < m.to));
    assert.equal(covers(changed)?.targetRows, covers(changed)?.sourceRows);
    assert.equal(covers(deleted)!.targetRows, covers(deleted)!.sourceRows - 1);
    assert.match(readFileSync(path.join(dir, 'db-verify.md'), 'utf8'), /## Differences by key range/);

    // The delete also nulled image_generation_jobs.scene_id on the target (ON DELETE SET NULL): the next
    // copy finds both tables different and copies them again, and only them.
    const repair = await copyData({ sourceUrl: source.url, targetUrl: target.url });
    const recopied = repair.tables.filter((t) => t.action === 'recopy').map((t) => t.table);
    assert.deepEqual(recopied.sort(), ['public.image_generation_jobs', 'public.scenes']);
    const after = await verifyDb({ sourceUrl: source.url, targetUrl: target.url });
    assert.equal(after.ok, true, JSON.stringify(after.tables.filter((t) => t.status !== 'match')));
  });
});
