/**
 * The database phase on real public Supabase projects (test/fixtures/supabase-projects): for each, the
 * migrations route (schema from the migration files, applied to the RDS stand-in), the live route
 * (migrations pushed to a fresh Supabase-shaped source, a few rows in every app table, then schema → copy →
 * verify), and a SELECT as `authenticated` on the target. The expected outcome of each route is written in
 * expected.json; a route a defect of issue 15 still keeps from it is a `todo` below, named by its defect.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { Supa2awsError } from '../../src/core/errors.ts';
import {
  applySchema,
  buildSchema,
  copyData,
  setupPrivileged,
  verifyDb,
  type SchemaBuild,
  type VerifyReport,
} from '../../src/db/index.ts';
import { isManagedSchema } from '../../src/db/supabase-facts.ts';
import { insertGeneratedRows } from '../helpers/generated-rows.ts';
import { availableExtensions, freshPlatformDb, pushMigrations } from '../helpers/platform-db.ts';
import { getTestSandbox, type TestDatabase, type TestSandbox } from '../helpers/sandbox.ts';

type Expected = { outcome: 'applied' } | { outcome: 'stopped'; reason: string; mentions: string[] };

interface Project {
  slug: string;
  repository: string;
  commit: string;
  sourceNeeds: string[];
  migrations: Expected;
  live: Expected;
  rls: { table: string } | null;
  files: Record<string, string>;
  seed: string | null;
}

type Route = 'migrations' | 'live';

const CORPUS = path.join(import.meta.dirname, '../fixtures/supabase-projects');
// The third-party SQL is not committed (see the corpus README): it is read from SUPA2AWS_CORPUS_DIR, else from
// the steering repository's shared/supabase-projects beside the checkout, else from the gitignored local copy.
const SHARED = path.resolve(import.meta.dirname, '../../../shared/supabase-projects');
const FILES_DIR = process.env.SUPA2AWS_CORPUS_DIR ?? (existsSync(SHARED) ? SHARED : CORPUS);
const { projects } = JSON.parse(readFileSync(path.join(CORPUS, 'expected.json'), 'utf8')) as {
  projects: Project[];
};

/**
 * Where today's code does not reach the expected outcome: the route, and the defect that stops it. Empty:
 * every project reaches its expected outcome on every route the sandbox can run.
 */
const TODO: Record<string, Partial<Record<Route | `rls ${Route}`, string>>> = {};

type Actual =
  | { outcome: 'applied'; target: TestDatabase; report?: VerifyReport }
  | { outcome: 'stopped'; error?: unknown; blockers?: SchemaBuild['blockers'] };

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Why the project's files are not here, or undefined when they are (and are the ones read). */
function filesMissing(project: Project): string | undefined {
  const dir = path.join(FILES_DIR, project.slug, 'migrations');
  if (!existsSync(dir)) return `the migration files of ${project.repository} are not laid out at ${dir}`;
  return undefined;
}

function describeActual(actual: Actual): string {
  if (actual.outcome === 'applied') return 'applied';
  const e = actual.error as (Error & { code?: string; hint?: string; details?: unknown }) | undefined;
  return JSON.stringify({
    blockers: actual.blockers?.map((b) => ({ code: b.code, message: b.message, objects: b.objects })),
    error: e && { name: e.name, code: e.code, message: e.message, hint: e.hint },
  });
}

function assertOutcome(expected: Expected, actual: Actual): void {
  if (expected.outcome === 'applied') {
    assert.equal(actual.outcome, 'applied', `expected applied, got: ${describeActual(actual)}`);
    return;
  }
  assert.equal(actual.outcome, 'stopped', `expected stopped (${expected.reason}), got applied`);
  if (actual.outcome !== 'stopped') return;
  const coded =
    (actual.blockers?.length ?? 0) > 0 ||
    (actual.error instanceof Supa2awsError && actual.error.exitCode !== 70);
  assert.ok(coded, `stopped without a named blocker: ${describeActual(actual)}`);
  const text = describeActual(actual);
  for (const word of expected.mentions) {
    assert.ok(text.includes(word), `the blocker does not name ${word}: ${text}`);
  }
}

async function applyBuild(
  build: SchemaBuild,
  target: TestDatabase,
): Promise<Extract<Actual, { outcome: 'stopped' }> | undefined> {
  if (build.blockers.length > 0) return { outcome: 'stopped', blockers: build.blockers };
  await setupPrivileged({
    adminUrl: target.adminUrl,
    ownerRole: 'postgres',
    extensions: build.script.summary.extensions,
  });
  await applySchema(build.script, { targetUrl: target.url });
  return undefined;
}

async function migrationsRoute(sb: TestSandbox, project: Project): Promise<Actual> {
  const target = await sb.freshTargetDb();
  try {
    const build = await buildSchema({
      source: { kind: 'migrations', dir: path.join(FILES_DIR, project.slug, 'migrations') },
      ownerRole: 'postgres',
    });
    return (await applyBuild(build, target)) ?? { outcome: 'applied', target };
  } catch (error) {
    return { outcome: 'stopped', error };
  }
}

async function appTablesWithRows(report: VerifyReport, source: TestDatabase): Promise<string[]> {
  const client = new pg.Client({ connectionString: source.adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string }>(
      `SELECT n.nspname || '.' || c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`,
    );
    const withRows: string[] = [];
    for (const { t } of rows) {
      const [schema, name] = t.split('.') as [string, string];
      if (isManagedSchema(schema) && t !== 'auth.users') continue;
      const { rows: n } = await client.query<{ n: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}) AS n`,
      );
      if (n[0]?.n) withRows.push(t);
    }
    const compared = new Set(report.tables.filter((x) => x.status === 'match').map((x) => x.table));
    return withRows.filter((t) => !compared.has(t));
  } finally {
    await client.end();
  }
}

async function liveRoute(
  t: TestContext,
  sb: TestSandbox,
  project: Project,
): Promise<{ actual: Actual; userId?: string }> {
  const source = await freshPlatformDb(sb);
  await pushMigrations(source.url, path.join(FILES_DIR, project.slug, 'migrations'));
  const rows = await insertGeneratedRows(source.adminUrl);
  t.diagnostic(`rows inserted: ${JSON.stringify(rows.inserted)}`);
  for (const [table, why] of Object.entries(rows.skipped)) t.diagnostic(`no rows in ${table}: ${why}`);
  for (const note of rows.notes) t.diagnostic(note);
  const target = await sb.freshTargetDb();
  try {
    const build = await buildSchema({
      source: { kind: 'pg_dump', sourceUrl: source.url },
      ownerRole: 'postgres',
    });
    const stopped = await applyBuild(build, target);
    if (stopped) return { actual: stopped };
    await copyData({ sourceUrl: source.url, targetUrl: target.url });
    const report = await verifyDb({ sourceUrl: source.url, targetUrl: target.url });
    const uncompared = await appTablesWithRows(report, source);
    assert.deepEqual(uncompared, [], 'source tables with rows that verify did not find equal on the target');
    assert.equal(
      report.ok,
      true,
      JSON.stringify({ tables: report.tables.filter((x) => x.status !== 'match'), schema: report.schema }),
    );
    return { actual: { outcome: 'applied', target, report }, userId: rows.userIds[0] };
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    return { actual: { outcome: 'stopped', error } };
  }
}

/** `SELECT` on `table` as `authenticated` with a user's claims, as PostgREST does: must not be refused. */
async function selectAsAuthenticated(target: TestDatabase, table: string, sub: string): Promise<number> {
  const role = `corpus_app_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const admin = new pg.Client({ connectionString: target.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' IN ROLE authenticated`);
    const url = new URL(target.url);
    url.username = role;
    url.password = password;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE authenticated');
      await client.query(`SELECT set_config('request.jwt.claims', $1, true)`, [
        JSON.stringify({ sub, role: 'authenticated' }),
      ]);
      const [schema, name] = table.split('.') as [string, string];
      const { rowCount } = await client.query(
        `SELECT * FROM ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)} LIMIT 5`,
      );
      await client.query('ROLLBACK');
      return rowCount ?? 0;
    } finally {
      await client.end();
    }
  } finally {
    await admin.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => undefined);
    await admin.end();
  }
}

async function rlsCheck(t: TestContext, project: Project, route: Route, actual: Actual, sub: string) {
  if (!project.rls || actual.outcome !== 'applied') return;
  const table = project.rls.table;
  await t.test(
    `RLS: SELECT on ${table} as authenticated`,
    { todo: TODO[project.slug]?.[`rls ${route}`] },
    async (tt) => {
      const seen = await selectAsAuthenticated(actual.target, table, sub);
      tt.diagnostic(`${seen} row(s) visible to user ${sub}`);
    },
  );
}

describe('db corpus: real Supabase projects on both routes', { timeout: 600_000 }, () => {
  let sb: TestSandbox;
  let available: Set<string>;

  before(async () => {
    sb = await getTestSandbox();
    available = await availableExtensions(sb.config().source.db.url);
  });

  for (const project of projects) {
    const missing = filesMissing(project);
    describe(`${project.slug} (${project.repository})`, { skip: missing }, () => {
      it('has the files that were read, unchanged', () => {
        const dir = path.join(FILES_DIR, project.slug);
        const names = readdirSync(path.join(dir, 'migrations')).sort();
        assert.deepEqual(names, Object.keys(project.files).sort());
        for (const [name, sum] of Object.entries(project.files)) {
          assert.equal(sha256(path.join(dir, 'migrations', name)), sum, name);
        }
        if (project.seed) assert.equal(sha256(path.join(dir, 'seed.sql')), project.seed, 'seed.sql');
      });

      it(
        `migrations route: ${project.migrations.outcome}`,
        { todo: TODO[project.slug]?.migrations },
        async (t) => {
          const actual = await migrationsRoute(sb, project);
          t.diagnostic(`actual: ${describeActual(actual)}`);
          assertOutcome(project.migrations, actual);
          await rlsCheck(t, project, 'migrations', actual, '00000000-0000-4000-8000-000000000001');
        },
      );

      it(`live route: ${project.live.outcome}`, { todo: TODO[project.slug]?.live }, async (t) => {
        const lacking = project.sourceNeeds.filter((e) => !available.has(e));
        if (lacking.length > 0) {
          t.skip(`not proven here: the sandbox's Supabase side has no ${lacking.join(', ')}`);
          return;
        }
        const { actual, userId } = await liveRoute(t, sb, project);
        t.diagnostic(`actual: ${describeActual(actual)}`);
        assertOutcome(project.live, actual);
        await rlsCheck(t, project, 'live', actual, userId ?? '00000000-0000-4000-8000-000000000001');
      });
    });
  }
});
