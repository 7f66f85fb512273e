/**
 * The migration report's one model: both the Markdown and the HTML are rendered from it, in the same
 * order — the verdict, what failed, what this run could not prove, what was left out on purpose, then
 * the steps, the pictures and every check.
 */
import { describeMetrics } from './metric-words.ts';
import type { PhaseReport } from './phase-report.ts';

export interface ReportStep {
  /** `storage copy` */
  name: string;
  ok: boolean;
  /** `pass`, `pass (2 not proven here)`, `FAIL` */
  result: string;
  durationMs: number;
  /** What the step moved or counted, in words. */
  moved: string;
}

export interface MigrationReport {
  title: string;
  generatedAt: string;
  ok: boolean;
  /** Failed checks (and failed steps that name no check): shown first. */
  failures: Array<{ step: string; what: string; detail?: string }>;
  /** What this run could not prove: neither a pass nor a failure. */
  caveats: Array<{ step: string; text: string }>;
  /** Left out on purpose: schema objects dropped, users that cannot migrate. */
  notMoved: Array<{ step: string; what: string; count: number; why: string; names?: string[] }>;
  steps: ReportStep[];
  /** Tables and buckets whose source and target counts differ, per step. */
  differences: Array<{
    step: string;
    unit: string;
    items: Array<{ name: string; source: number; target: number }>;
  }>;
  phases: PhaseReport[];
}

const stepName = (p: PhaseReport) => `${p.phase} ${p.command}`;

function result(p: PhaseReport): string {
  if (!p.ok) return 'FAIL';
  const n = p.caveats?.length ?? 0;
  return n > 0 ? `pass (${n} not proven here)` : 'pass';
}

export function buildMigrationReport(phases: PhaseReport[], now = new Date()): MigrationReport {
  return {
    title: 'supa2aws migration report',
    generatedAt: now.toISOString(),
    ok: phases.length > 0 && phases.every((p) => p.ok),
    failures: phases.flatMap((p) => {
      const failed = p.checks.filter((c) => !c.ok);
      if (failed.length > 0) {
        return failed.map((c) => ({
          step: stepName(p),
          what: c.name,
          ...(c.detail ? { detail: c.detail } : {}),
        }));
      }
      return p.ok ? [] : [{ step: stepName(p), what: 'the step failed' }];
    }),
    caveats: phases.flatMap((p) => (p.caveats ?? []).map((text) => ({ step: stepName(p), text }))),
    notMoved: phases.flatMap((p) => (p.notMoved ?? []).map((n) => ({ step: stepName(p), ...n }))),
    steps: phases.map((p) => ({
      name: stepName(p),
      ok: p.ok,
      result: result(p),
      durationMs: p.durationMs,
      moved: describeMetrics(p),
    })),
    differences: phases.flatMap((p) => {
      const items = (p.compared?.items ?? []).filter((i) => i.source !== i.target);
      return items.length > 0 ? [{ step: stepName(p), unit: p.compared!.unit, items }] : [];
    }),
    phases,
  };
}
