/** Phase reports for `db replicate start` and `db cutover` / `db rollback`, for `supa2aws report` and the demo. */
import type { PhaseReport } from '../../report/index.ts';
import type { CutoverResult } from './cutover.ts';
import type { StartReplicationResult } from './start.ts';

type Timing = Pick<PhaseReport, 'startedAt' | 'finishedAt' | 'durationMs'>;

export function replicateStartPhaseReport(result: StartReplicationResult, timing: Timing): PhaseReport {
  return {
    version: 1,
    phase: 'db',
    command: 'replicate start',
    ...timing,
    ok: true,
    metrics: {
      published: result.published.length,
      rows: result.copy?.rows ?? 0,
      bytes: result.copy?.bytes ?? 0,
      cleaned: result.cleaned.length,
    },
    checks: [
      {
        name: 'initial copy read from the slot snapshot',
        ok: true,
        detail: result.copy ? `${result.copy.snapshot} at ${result.consistentPoint}` : result.action,
      },
    ],
    caveats: result.copiedAtCutover.map((t) => `${t.table}: ${t.reason}`),
    details: result,
  };
}

export function cutoverPhaseReport(command: string, result: CutoverResult, timing: Timing): PhaseReport {
  return {
    version: 1,
    phase: 'db',
    command,
    ...timing,
    ok: result.action !== 'planned' && (result.verify?.ok ?? result.action === 'already cut over'),
    metrics: {
      freezeMs: result.freeze.durationMs ?? 0,
      sequences: result.sequences.length,
      roles: result.freeze.roles.length,
    },
    checks: [
      ...result.steps.map((s) => ({ name: s.name, ok: true, detail: `${s.detail} (${s.durationMs} ms)` })),
      ...(result.verify
        ? [
            {
              name: 'digests and schema equal after the freeze',
              ok: result.verify.ok,
              detail: `${result.verify.tables} table(s)`,
            },
          ]
        : []),
    ],
    details: result,
  };
}
