/**
 * Phase reports (src/report) for the database commands, so `supa2aws report` and the demo show what
 * `db schema`, `db copy` and `db verify` did and checked.
 */
import type { NotMoved, PhaseReport } from '../report/index.ts';
import type { DroppedObject } from './transform/types.ts';
import type { CopyDataResult } from './copy/copy-data.ts';
import type { ApplySchemaResult } from './schema/apply-schema.ts';
import type { SchemaBuild } from './schema/build-schema.ts';
import type { VerifyReport } from './verify/verify-db.ts';

type Timing = Pick<PhaseReport, 'startedAt' | 'finishedAt' | 'durationMs'>;

/** The objects `db schema` dropped, one entry per rule, with some of their names. */
function droppedByRule(dropped: DroppedObject[]): NotMoved[] {
  const byRule = new Map<string, DroppedObject[]>();
  for (const d of dropped) byRule.set(d.rule, [...(byRule.get(d.rule) ?? []), d]);
  return [...byRule].map(([rule, objects]) => ({
    what: `schema objects (${[...new Set(objects.map((o) => o.kind.replace(/_/g, ' ')))].join(', ')})`,
    count: objects.length,
    why: `dropped by db schema: ${rule.replace(/_/g, ' ')}`,
    names: objects.slice(0, 8).map((o) => `${o.schema ? `${o.schema}.` : ''}${o.name}`),
  }));
}

export function schemaPhaseReport(
  build: SchemaBuild,
  applied: ApplySchemaResult | undefined,
  timing: Timing,
): PhaseReport {
  const c = build.script.summary.counts;
  return {
    version: 1,
    phase: 'db',
    command: 'schema',
    ...timing,
    ok: build.blockers.length === 0 || applied !== undefined,
    metrics: {
      kept: c.kept,
      rewritten: c.rewritten,
      dropped: c.dropped,
      blocked: c.blocked,
      statements: build.script.statements.length,
    },
    checks: [
      {
        name: 'no blockers',
        ok: build.blockers.length === 0,
        detail: build.blockers.map((b) => b.message).join('; ') || undefined,
      },
      ...(applied
        ? [
            {
              name: 'applied in one transaction',
              ok: true,
              detail: `${applied.status}, checksum ${applied.checksum.slice(0, 12)}`,
            },
          ]
        : []),
    ],
    notMoved: droppedByRule(build.script.summary.dropped),
    details: {
      source: build.sourceLabel,
      rules: build.rules,
      warnings: build.warnings,
      fixes: build.fixes,
      checksum: build.script.checksum,
    },
  };
}

export function copyPhaseReport(result: CopyDataResult, timing: Timing): PhaseReport {
  return {
    version: 1,
    phase: 'db',
    command: 'copy',
    ...timing,
    ok: result.missingOnTarget.length === 0,
    metrics: {
      tables: result.tables.length,
      copied: result.tables.filter((t) => t.action !== 'skip').length,
      skipped: result.tables.filter((t) => t.action === 'skip').length,
      rows: result.rows,
      bytes: result.bytes,
      sequences: result.sequences.length,
    },
    checks: [
      { name: 'one source snapshot', ok: true, detail: result.snapshot },
      {
        name: 'keys, indexes and FKs re-created after the load',
        ok: true,
        detail: `${result.deferred.restored} re-created`,
      },
      {
        name: 'every source table has a target table',
        ok: result.missingOnTarget.length === 0,
        detail: result.missingOnTarget.join(', ') || undefined,
      },
    ],
    details: { tables: result.tables, sequences: result.sequences },
  };
}

export function verifyPhaseReport(report: VerifyReport, timing: Timing): PhaseReport {
  return {
    version: 1,
    phase: 'db',
    command: 'verify',
    ...timing,
    ok: report.ok,
    compared: {
      unit: 'rows',
      items: report.tables.map((t) => ({ name: t.table, source: t.sourceRows, target: t.targetRows })),
    },
    metrics: {
      tables: report.totals.tables,
      matched: report.totals.matched,
      differ: report.totals.differ,
      rows: report.totals.targetRows,
    },
    checks: [
      ...report.tables.map((t) => ({
        name: `${t.table}: row count and digest`,
        ok: t.status === 'match',
        detail: `${t.sourceRows} → ${t.targetRows} rows${t.mismatches.length > 0 ? `, ${t.mismatches.length} key range(s) differ` : ''}`,
      })),
      {
        name: 'schema (objects, owners, grants, RLS, policies, triggers, functions)',
        ok: report.schema.ok,
        detail: report.schema.compared
          ? `${report.schema.differences.length} difference(s)`
          : 'not compared (--no-schema)',
      },
    ],
    ...(report.coverage.excluded.length > 0 || !report.schema.compared
      ? {
          caveats: [
            ...report.coverage.excluded.map((e) => `${e.table} not compared: ${e.reason}`),
            ...(report.schema.compared ? [] : ['schema not compared (--no-schema)']),
          ],
        }
      : {}),
    details: report,
  };
}
