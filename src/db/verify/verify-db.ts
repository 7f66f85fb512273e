/**
 * `db verify`: first what exists — the set of tables of every app schema on both sides (a source table that
 * was not compared is a difference or an explicit, reported exclusion, never a pass) — then per table, row
 * count and content digest on both sides (same session settings, same column list), chunked by primary key
 * so a difference is narrowed to a key range; then the schema comparison (objects, owners, privileges,
 * policies). The source is read from one snapshot. Nothing is changed on either side.
 */
import { DbError } from '../../core/errors.ts';
import { eachConcurrently } from '../../core/concurrency.ts';
import { isUnreachable, unreachableReason } from '../../core/outage.ts';
import { logger, silentReporter, step, type Reporter } from '../../core/reporter.ts';
import { discoverAppSchemas, selectSchemas } from '../catalog/schemas.ts';
import { commonColumns, listTables, tableKey, type TableInfo } from '../catalog/tables.ts';
import { openSnapshot, type SourceSnapshot } from '../copy/snapshot.ts';
import { defaultConnect, serverMajor, type ConnectFn, type PgClient } from '../../core/pg.ts';
import { applyDigestSettings, DIGEST_SETTINGS } from '../digest-settings.ts';
import { SUPA2AWS_SCHEMA } from '../supabase-facts.ts';
import type { DroppedObject } from '../transform/types.ts';
import {
  chunkBoundaries,
  chunkDigests,
  chunkKey,
  digestExpressions,
  tableDigest,
  totalRows,
  type Boundary,
  type Digest,
} from './digest.ts';
import { APP_ROLE_POLICY } from '../app-role/inspect-app-role.ts';
import {
  compareSchemas,
  privilegesNotOnBoth,
  readSchemaObjects,
  type SchemaDifference,
  type SchemaObject,
} from './schema-compare.ts';
import { probeDatabase, StallWatch, type DeadSide } from '../stall-watch.ts';

export interface VerifyDbOptions {
  sourceUrl: string;
  targetUrl: string;
  /** App schemas to compare. @default every app schema of the source (and of the target) with tables */
  schemas?: string[];
  /** Rows per key range. @default 50000 */
  chunkRows?: number;
  /** Tables digested at once. @default 2 */
  concurrency?: number;
  /** Only these tables (`schema.name`). @default every table */
  tables?: string[];
  /** Compare the schemas too. @default true */
  schema?: boolean;
  /**
   * Schemas supa2aws makes on the target alone, outside the app (the legacy password store, auth.legacySchema):
   * not compared, and listed in the coverage as left out. @default []
   */
  targetOnlySchemas?: string[];
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
  now?: () => Date;
}

export interface KeyRangeMismatch {
  /** Lowest key of the range (inclusive), or null below the source's first key. */
  from: string | null;
  /** Key where the next range starts (exclusive), or null for the last range. */
  to: string | null;
  sourceRows: number;
  targetRows: number;
}

export interface TableVerify {
  table: string;
  status: 'match' | 'differ' | 'missing on target' | 'missing on source';
  sourceRows: number;
  targetRows: number;
  /** `key` (chunked by the first primary key column) or `whole` (no usable key: one digest). */
  method: 'key' | 'whole' | 'none';
  key?: string;
  chunks: number;
  mismatches: KeyRangeMismatch[];
  sourceDigest?: string;
  targetDigest?: string;
}

/** What verify compared, and what it left out on purpose (said, never silent). */
export interface VerifyCoverage {
  /** The schemas compared. */
  schemas: string[];
  /** `discovered`: every app schema with tables on either side; `config`: narrowed by db.schemas. */
  from: 'discovered' | 'config';
  /** Source tables not compared, each with the reason (db.schemas or --tables narrowed the run). */
  excluded: Array<{ table: string; rowEstimate: number; reason: string }>;
  /** Target-only schemas of supa2aws's own found on the target and left out (the legacy password store). */
  targetOnly: string[];
}

export interface VerifyReport {
  version: 1;
  ok: boolean;
  checkedAt: string;
  snapshot: string;
  settings: Record<string, string>;
  /**
   * What the run was asked to compare (db.* of the config and the flags, as the caller's adapter mapped
   * them): `db verify`, `supa2aws verify` and the cutover's verify from one config ask the same.
   */
  asked: {
    /** db.schemas, or null: every app schema found. */
    schemas: string[] | null;
    targetOnlySchemas: string[];
    chunkRows: number;
    concurrency: number;
    /** --tables, or null: every table. */
    tables: string[] | null;
    schema: boolean;
  };
  coverage: VerifyCoverage;
  tables: TableVerify[];
  schema: {
    compared: boolean;
    ok: boolean;
    differences: SchemaDifference[];
    pendingCopy: number;
    /** What the schema comparison left out on purpose, each with why. */
    notCompared: string[];
    /**
     * The app's login roles `db app-role` recorded on the target, and how many of their grants and
     * `supa2aws_app_role` policies were left out of the comparison (the source has no such role;
     * `supa2aws db app-role --dry-run` checks them).
     */
    appRoles: { roles: string[]; excluded: number };
  };
  totals: { tables: number; matched: number; differ: number; sourceRows: number; targetRows: number };
  elapsedMs: number;
}

async function verifyTable(
  source: PgClient,
  target: PgClient,
  s: TableInfo,
  t: TableInfo,
  chunkRows: number,
): Promise<TableVerify> {
  const columns = digestExpressions(commonColumns(s, t), s.columns);
  const key = chunkKey(s);
  const base = { table: tableKey(t) };
  if (!key) {
    const [a, b] = await Promise.all([tableDigest(source, s, columns), tableDigest(target, t, columns)]);
    const same = a.value === b.value;
    return {
      ...base,
      status: same ? 'match' : 'differ',
      sourceRows: a.rows,
      targetRows: b.rows,
      method: 'whole',
      chunks: 1,
      mismatches: same ? [] : [{ from: null, to: null, sourceRows: a.rows, targetRows: b.rows }],
      sourceDigest: a.value,
      targetDigest: b.value,
    };
  }
  const boundaries: Boundary[] = await chunkBoundaries(source, s, key, chunkRows);
  const [a, b] = await Promise.all([
    chunkDigests(source, s, columns, key, boundaries),
    chunkDigests(target, t, columns, key, boundaries),
  ]);
  const mismatches: KeyRangeMismatch[] = [];
  const buckets = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
  const empty: Digest = { rows: 0, value: '0:0:0' };
  for (const bucket of buckets) {
    const da = a.get(bucket) ?? empty;
    const db = b.get(bucket) ?? empty;
    if (da.value === db.value) continue;
    mismatches.push({
      from: bucket === 0 ? null : (boundaries[bucket - 1]?.label ?? null),
      to: boundaries[bucket]?.label ?? null,
      sourceRows: da.rows,
      targetRows: db.rows,
    });
  }
  const combine = (m: Map<number, Digest>) =>
    [...m.entries()]
      .sort(([x], [y]) => x - y)
      .map(([k, d]) => `${k}=${d.value}`)
      .join(',');
  return {
    ...base,
    status: mismatches.length === 0 ? 'match' : 'differ',
    sourceRows: totalRows(a),
    targetRows: totalRows(b),
    method: 'key',
    key: key.column.name,
    chunks: Math.max(1, boundaries.length),
    mismatches,
    sourceDigest: combine(a),
    targetDigest: combine(b),
  };
}

async function recorded(client: PgClient): Promise<{
  dropped: DroppedObject[];
  rls: 'keep' | 'drop';
  pendingCopy: number;
  ownerRole: string;
  appRoles: string[];
}> {
  const { rows } = await client.query<{ s: string | null; d: string | null; a: string | null }>(
    `SELECT to_regclass('${SUPA2AWS_SCHEMA}.schema_migrations')::text AS s, to_regclass('${SUPA2AWS_SCHEMA}.deferred_ddl')::text AS d,
            to_regclass('${SUPA2AWS_SCHEMA}.app_roles')::text AS a`,
  );
  let dropped: DroppedObject[] = [];
  let rls: 'keep' | 'drop' = 'keep';
  // Without a record (a schema supa2aws did not apply), the role verify connects as owns the app.
  let ownerRole = (await client.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u;
  if (rows[0]?.s) {
    const r = await client.query<{
      summary: { dropped?: DroppedObject[]; rls?: 'keep' | 'drop'; ownerRole?: string };
    }>(`SELECT summary FROM ${SUPA2AWS_SCHEMA}.schema_migrations ORDER BY applied_at DESC LIMIT 1`);
    dropped = r.rows[0]?.summary.dropped ?? [];
    rls = r.rows[0]?.summary.rls ?? 'keep';
    ownerRole = r.rows[0]?.summary.ownerRole ?? ownerRole;
  }
  let pendingCopy = 0;
  if (rows[0]?.d) {
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${SUPA2AWS_SCHEMA}.deferred_ddl`);
    pendingCopy = Number(r.rows[0]?.n ?? 0);
  }
  const appRoles = rows[0]?.a
    ? (
        await client.query<{ name: string }>(`SELECT name FROM ${SUPA2AWS_SCHEMA}.app_roles ORDER BY 1`)
      ).rows.map((r) => r.name)
    : [];
  return { dropped, rls, pendingCopy, ownerRole, appRoles };
}

/** Target objects that exist only for the app's login role: its grants and its RLS policies. */
function withoutAppRoleObjects(
  objects: SchemaObject[],
  appRoles: string[],
): { kept: SchemaObject[]; excluded: number } {
  const roles = new Set(appRoles);
  const isAppRole = (o: SchemaObject) =>
    (o.kind === 'grant' && roles.has(o.name)) || (o.kind === 'policy' && o.name === APP_ROLE_POLICY);
  const kept = objects.filter((o) => !isAppRole(o));
  return { kept, excluded: objects.length - kept.length };
}

export async function verifyDb(options: VerifyDbOptions): Promise<VerifyReport> {
  const started = Date.now();
  const reporter = options.reporter ?? silentReporter;
  const direct = options.connect ?? defaultConnect;
  const watch = new StallWatch({
    probe: (side, timeoutMs) =>
      probeDatabase(direct, side === 'source' ? options.sourceUrl : options.targetUrl, side, timeoutMs),
    onWait: (m) => logger(reporter).warn(m),
  });
  const connect = watch.connectFn(direct);
  const chunkRows = options.chunkRows ?? 50_000;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  let snapshot: SourceSnapshot | undefined;
  const clients: PgClient[] = [];
  const target = await connect(options.targetUrl, 'target');
  clients.push(target);
  watch.start();
  let digested = 0;
  try {
    await applyDigestSettings(target);
    snapshot = await openSnapshot(connect, options.sourceUrl);
    const snap = snapshot;
    const selection = await selectSchemas(snap.client, options.schemas);
    // Unless narrowed, the target's own app schemas count too: a table only the target has is a difference.
    const targetOnlySchemas = new Set(options.targetOnlySchemas ?? []);
    const targetSchemas = selection.from === 'config' ? [] : await discoverAppSchemas(target);
    const schemas =
      selection.from === 'config'
        ? selection.schemas
        : [
            ...new Set([...selection.schemas, ...targetSchemas.filter((s) => !targetOnlySchemas.has(s))]),
          ].sort();
    const [sourceTables, targetTables, excludedTables] = await Promise.all([
      listTables(snap.client, schemas, { withAuthUsers: true }),
      listTables(target, schemas, { withAuthUsers: true }),
      listTables(snap.client, selection.excluded),
    ]);
    const wanted = (k: string) => !options.tables || options.tables.includes(k);
    const coverage: VerifyCoverage = {
      schemas,
      from: selection.from,
      targetOnly: targetSchemas.filter((s) => targetOnlySchemas.has(s) && !selection.schemas.includes(s)),
      excluded: [
        ...excludedTables.map((t) => ({
          table: tableKey(t),
          rowEstimate: t.rowEstimate,
          reason: `schema ${t.schema} is not in db.schemas`,
        })),
        ...sourceTables
          .filter((t) => !wanted(tableKey(t)))
          .map((t) => ({ table: tableKey(t), rowEstimate: t.rowEstimate, reason: 'not in --tables' })),
      ],
    };
    for (const e of coverage.excluded)
      logger(reporter).warn(`not compared: ${e.table} (~${e.rowEstimate} rows): ${e.reason}`);
    const sourceBy = new Map(sourceTables.map((t) => [tableKey(t), t]));
    const targetBy = new Map(targetTables.map((t) => [tableKey(t), t]));
    const results: TableVerify[] = [];
    for (const k of [...sourceBy.keys()].filter((x) => wanted(x) && !targetBy.has(x)))
      results.push({
        table: k,
        status: 'missing on target',
        sourceRows: sourceBy.get(k)!.rowEstimate,
        targetRows: 0,
        method: 'none',
        chunks: 0,
        mismatches: [],
      });
    // The compat auth.users exists on the target even when the source has no Supabase Auth.
    for (const k of [...targetBy.keys()].filter((x) => wanted(x) && !sourceBy.has(x) && x !== 'auth.users'))
      results.push({
        table: k,
        status: 'missing on source',
        sourceRows: 0,
        targetRows: targetBy.get(k)!.rowEstimate,
        method: 'none',
        chunks: 0,
        mismatches: [],
      });
    const pairs = [...sourceBy.entries()]
      .filter(([k]) => wanted(k) && targetBy.has(k))
      .map(([k, s]) => ({ s, t: targetBy.get(k)! }))
      .sort((x, y) => y.s.totalBytes - x.s.totalBytes);
    const workers: Array<{ source: PgClient; target: PgClient }> = [];
    await step(reporter, `digest ${pairs.length} table(s) on both sides`, () =>
      eachConcurrently(pairs, { concurrency }, async (pair, { lane: w }) => {
        if (options.signal?.aborted) throw options.signal.reason;
        if (!workers[w]) {
          const t = await connect(options.targetUrl, 'target');
          clients.push(t);
          await applyDigestSettings(t);
          workers[w] = { source: await snap.worker(), target: t };
          clients.push(workers[w].source);
        }
        results.push(await verifyTable(workers[w].source, workers[w].target, pair.s, pair.t, chunkRows));
        reporter.emit({
          type: 'progress',
          task: 'db verify',
          done: ++digested,
          total: pairs.length,
          unit: 'tables',
        });
      }),
    );
    results.sort((a, b) => a.table.localeCompare(b.table));
    const rec = await recorded(target);
    const schema: VerifyReport['schema'] = {
      compared: false,
      ok: true,
      differences: [],
      pendingCopy: rec.pendingCopy,
      notCompared: [],
      appRoles: { roles: rec.appRoles, excluded: 0 },
    };
    if (options.schema !== false) {
      await step(reporter, 'compare schemas', async () => {
        const [a, b, sourceMajor, targetMajor] = await Promise.all([
          readSchemaObjects(snap.client, schemas),
          readSchemaObjects(target, schemas, { ownerRole: rec.ownerRole }),
          serverMajor(snap.client),
          serverMajor(target),
        ]);
        const notOnBoth = privilegesNotOnBoth(sourceMajor, targetMajor);
        schema.notCompared = notOnBoth.map(
          (p) =>
            `the ${p} privilege: the source runs PostgreSQL ${sourceMajor}, the target ${targetMajor}, and only one of them has it`,
        );
        for (const n of schema.notCompared) logger(reporter).warn(`not compared: ${n}`);
        const { kept, excluded } = withoutAppRoleObjects(b, rec.appRoles);
        schema.appRoles = { roles: rec.appRoles, excluded };
        schema.differences = compareSchemas(a, kept, { dropped: rec.dropped, rls: rec.rls, notOnBoth });
        schema.compared = true;
      });
    }
    schema.ok = schema.differences.length === 0 && schema.pendingCopy === 0;
    const matched = results.filter((r) => r.status === 'match').length;
    const report: VerifyReport = {
      version: 1,
      ok: matched === results.length && schema.ok,
      checkedAt: (options.now?.() ?? new Date()).toISOString(),
      snapshot: snap.id,
      settings: { ...DIGEST_SETTINGS },
      asked: {
        schemas: options.schemas ?? null,
        targetOnlySchemas: [...targetOnlySchemas],
        chunkRows,
        concurrency,
        tables: options.tables ?? null,
        schema: options.schema !== false,
      },
      coverage,
      tables: results,
      schema,
      totals: {
        tables: results.length,
        matched,
        differ: results.length - matched,
        sourceRows: results.reduce((n, r) => n + r.sourceRows, 0),
        targetRows: results.reduce((n, r) => n + r.targetRows, 0),
      },
      elapsedMs: Date.now() - started,
    };
    const schemaWord = !schema.compared
      ? 'schema NOT compared'
      : schema.differences.length === 0
        ? 'schema equal'
        : `schema: ${schema.differences.length} difference(s)`;
    const excludedWord =
      coverage.excluded.length > 0 ? `; ${coverage.excluded.length} source table(s) not compared` : '';
    logger(reporter)[report.ok ? 'info' : 'warn'](
      `verify: ${matched}/${results.length} tables equal in ${schemas.join(', ')}; ${schemaWord}${excludedWord}`,
    );
    return report;
  } catch (error) {
    throw lostDuringVerify(error, watch.dead, digested);
  } finally {
    watch.stop();
    await snapshot?.close();
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

/**
 * A side the stall watch found down mid-query, or a connection lost, is an environment error (exit 3)
 * saying how far verify got; it changed nothing, so running it again is safe. Anything else is as thrown.
 */
function lostDuringVerify(error: unknown, dead: DeadSide | undefined, digested: number): unknown {
  if (!dead && !isUnreachable(error)) return error;
  const side = dead?.side;
  return new DbError(
    side === 'target'
      ? 'DB_TARGET_UNREACHABLE'
      : side === 'source'
        ? 'DB_SOURCE_UNREACHABLE'
        : 'DB_CONNECTION_LOST',
    `${side ? `the ${side} database stopped answering` : 'a database connection was lost'} during db verify (${dead?.reason ?? unreachableReason(error)}): ${digested} table(s) digested on both sides before it stopped, nothing changed on either side`,
    {
      exit: 'environment',
      cause: error,
      details: { digested },
      hint: `Check that the ${side ?? 'source and target'} database is up and reachable (\`supa2aws doctor\`), then run the same command again (\`supa2aws db verify\`).`,
    },
  );
}
