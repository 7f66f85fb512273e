/** Phase reports (src/report) for the auth commands: counts and checks only, never a hash or a password. */
import type { NotMoved, PhaseReport } from '../report/phase-report.ts';
import { KIND_OUTCOMES, type UserKind } from './classify.ts';
import type { ExportResult } from './export.ts';
import type { ImportResult } from './import.ts';
import type { AuthPlan } from './plan.ts';
import type { RelinkResult } from './relink.ts';
import type { AuthRollbackResult } from './rollback.ts';
import type { AuthRollbackPlan } from './rollback-verdict.ts';
import type { VerifyResult } from './verify.ts';

type Body = Omit<PhaseReport, 'version' | 'phase' | 'command' | 'startedAt' | 'finishedAt' | 'durationMs'>;

/** The kinds of users that cannot migrate, with how many and why (no user is named). */
function cannotMigrate(byKind: Partial<Record<UserKind, number>>): NotMoved[] {
  return (Object.entries(byKind) as Array<[UserKind, number]>)
    .filter(([kind, n]) => n > 0 && KIND_OUTCOMES[kind].outcome === 'skip')
    .map(([kind, count]) => ({ what: `${kind} users`, count, why: KIND_OUTCOMES[kind].what }));
}

export function planReport(plan: AuthPlan): Body {
  const metrics: Record<string, number> = {
    users: plan.users.total,
    phoneOnly: plan.users.phoneOnly,
    bcryptCostOutOfRange: plan.users.bcryptCostOutOfRange,
  };
  for (const k of plan.kinds) metrics[`kind.${k.kind}`] = k.count;
  for (const [outcome, n] of Object.entries(plan.byOutcome)) metrics[`outcome.${outcome}`] = n;
  return {
    ok: plan.pool.checks.every((c) => c.status !== 'fail'),
    metrics,
    notMoved: cannotMigrate(Object.fromEntries(plan.kinds.map((k) => [k.kind, k.count]))),
    checks: plan.pool.checks.map((c) => ({
      name: `pool: ${c.name}`,
      ok: c.status !== 'fail',
      detail: `${c.status}: ${c.detail}`,
    })),
    details: {
      kinds: plan.kinds.map(({ kind, count, outcome, what }) => ({ kind, count, outcome, what })),
      caseDuplicates: plan.caseDuplicates.length,
    },
  };
}

export function exportReport(result: ExportResult): Body {
  return {
    ok: result.privileges.every((p) => p.ok),
    metrics: { ...result.users },
    notMoved: cannotMigrate(result.byKind),
    checks: [
      ...result.privileges.map((p) => ({
        name: `${p.role} ${p.expected ? 'can' : 'cannot'} read ${result.table}`,
        ok: p.ok,
      })),
      { name: `role ${result.role.name} has a password`, ok: result.role.passwordSet },
    ],
    details: { byKind: result.byKind, byOutcome: result.byOutcome, warnings: result.warnings },
  };
}

export function importReport(result: ImportResult): Body {
  return {
    ok: result.failed.length === 0,
    metrics: {
      candidates: result.candidates,
      created: result.created,
      existing: result.existing,
      finished: result.finished,
      failed: result.failed.length,
      throttles: result.rate.throttles,
      cognitoSubRecorded: result.cognitoSub.recorded,
      cognitoSubRebound: result.cognitoSub.rebound.length,
      cognitoSubConflicts: result.cognitoSub.conflicts.length,
      ...(result.csv ? { csvRows: result.csv.rows } : {}),
      ...(result.sincePlan
        ? {
            planned: result.sincePlan.planned,
            notInPlan: result.sincePlan.notInPlan.count,
            goneSincePlan: result.sincePlan.gone.count,
          }
        : {}),
    },
    checks: [{ name: 'every remaining user created', ok: result.failed.length === 0 }],
    details: {
      failed: result.failed.slice(0, 100),
      finished: result.finishedIds.slice(0, 100),
      rebound: result.cognitoSub.rebound.slice(0, 100),
      subConflicts: result.cognitoSub.conflicts.slice(0, 100),
      rate: result.rate,
      ...(result.sincePlan ? { sincePlan: result.sincePlan } : {}),
      ...(result.csv ? { csv: { ...result.csv, note: 'EXPERIMENTAL: unproven on a real account' } } : {}),
    },
  };
}

export function verifyReport(result: VerifyResult): Body {
  return {
    ok: result.ok,
    metrics: { users: result.total, ...result.counts, poolUsers: result.pool.users },
    checks: [
      {
        name: 'every Supabase user accounted for',
        ok: result.counts.unaccounted === 0,
        detail: `${result.counts.unaccounted} unaccounted${result.unaccounted.length > 0 ? `: ${result.unaccounted.map((u) => u.id).join(', ')}` : ''}`,
      },
      {
        name: 'every migrated user can sign in and resolves to their Supabase UUID',
        ok: result.counts.mismatch === 0,
        detail: `${result.counts.mismatch} mismatched${result.mismatched.length > 0 ? `: ${result.mismatched.map((u) => `${u.id} (${u.detail.split(' (')[0]})`).join(', ')}` : ''}`,
      },
      ...(result.probe
        ? [
            {
              name: `sign-in probe as ${result.probe.user}`,
              ok: result.probe.ok,
              detail: result.probe.error ?? result.probe.challenge ?? 'tokens resolve to the Supabase UUID',
            },
          ]
        : []),
    ],
    details: {
      byDetail: result.byDetail,
      unaccounted: result.unaccounted.slice(0, 100),
      mismatched: result.mismatched.slice(0, 100),
    },
  };
}

export function relinkReport(result: RelinkResult): Body {
  return {
    ok: true,
    metrics: { changed: result.changed ? 1 : 0 },
    checks: [{ name: `user ${result.userId} bound to pool user ${result.username}`, ok: true }],
    details: { ...result },
  };
}

/** `auth rollback` (and `--remove`): who Supabase lacks or knows otherwise, by app ID and sub, never email. */
export function rollbackReport(plan: AuthRollbackPlan, result?: AuthRollbackResult): Body {
  const who = (u: { userId: string | null; sub: string | null }) =>
    `${u.userId ?? 'no app user'} (sub ${u.sub ?? 'none'})`;
  return {
    ok: result ? result.failed.length === 0 && result.skipped.length === 0 : true,
    metrics: {
      poolUsers: plan.poolUsers,
      notInSupabase: plan.remove.length,
      changedInCognito: plan.changed.length,
      ...(result
        ? {
            removed: result.removed,
            alreadyGone: result.alreadyGone,
            skipped: result.skipped.length,
            failed: result.failed.length,
          }
        : {}),
    },
    checks: result
      ? [
          {
            name: 'every pool user Supabase does not have removed',
            ok: result.failed.length === 0 && result.skipped.length === 0,
            detail: `${result.removed} removed, ${result.alreadyGone} already gone, ${result.skipped.length} skipped, ${result.failed.length} failed`,
          },
        ]
      : [],
    caveats: plan.undetectable,
    details: {
      notInSupabase: plan.remove.slice(0, 100).map((u) => ({ user: who(u), reason: u.reason })),
      changedInCognito: plan.changed.slice(0, 100).map((u) => ({ user: who(u), changes: u.changes })),
      ...(result
        ? {
            skipped: result.skipped.map((s) => s.sub ?? 'no sub'),
            failed: result.failed.map((f) => ({ sub: f.sub, code: f.code })),
          }
        : {}),
    },
  };
}
