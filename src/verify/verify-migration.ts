/**
 * `supa2aws verify`: every phase's verification in one run — storage (each storage.objects row has its
 * object at S3, same size and checksum), db (row counts and digests per table, the schema) and auth (every
 * Supabase user accounted for in Cognito). Each phase writes the same report its own `verify` writes, and a
 * phase that cannot run (say the target is unreachable) is a failure with its error, not the end of the run:
 * the answer covers every phase.
 */
import { verifyAuth, verifyReport as authVerifyBody } from '../auth/index.ts';
import type { Config } from '../core/config/index.ts';
import { InterruptedError, toSupa2awsError } from '../core/errors.ts';
import type { Reporter } from '../core/reporter.ts';
import { verifyDb, verifyPhaseReport as dbVerifyReport } from '../db/index.ts';
import type { PhaseReport } from '../report/phase-report.ts';
import { verifyPhaseReport as storageVerifyReport, verifyStorageFromConfig } from '../storage/index.ts';

export const VERIFY_PHASES = ['storage', 'db', 'auth'] as const;
export type VerifyPhase = (typeof VERIFY_PHASES)[number];

export interface PhaseVerdict {
  phase: VerifyPhase;
  /** passed, failed, or skipped because the config does not set the phase up. */
  status: 'pass' | 'fail' | 'skipped';
  /** Why it was skipped, or the error that stopped it. */
  reason?: string;
  error?: { code: string; message: string; hint?: string };
  /** The phase's own verify report (as `supa2aws <phase> verify` writes it). */
  report?: PhaseReport;
}

export interface MigrationVerifyResult {
  ok: boolean;
  phases: PhaseVerdict[];
}

export interface VerifyMigrationOptions {
  /** @default every phase the config sets up */
  phases?: readonly VerifyPhase[];
  /** Storage: read both sides in full and compare SHA-256. */
  deep?: boolean;
  reporter?: Reporter;
  signal?: AbortSignal;
}

/** Why `phase` cannot be verified with this config, or undefined when it can. */
export function phaseNotSetUp(config: Config, phase: VerifyPhase): string | undefined {
  if (phase === 'storage' && Object.keys(config.storage.buckets).length === 0)
    return 'storage.buckets maps no bucket';
  if (phase === 'auth' && !config.target.cognito) return 'target.cognito is not set';
  return undefined;
}

function timing(started: Date): Pick<PhaseReport, 'startedAt' | 'finishedAt' | 'durationMs'> {
  const finished = new Date();
  return {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
  };
}

async function runPhase(
  config: Config,
  phase: VerifyPhase,
  options: VerifyMigrationOptions,
): Promise<PhaseReport> {
  const started = new Date();
  const deps = {
    ...(options.reporter ? { reporter: options.reporter } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  switch (phase) {
    case 'storage': {
      const report = await verifyStorageFromConfig(config, { deep: options.deep === true }, deps);
      return storageVerifyReport(report, timing(started));
    }
    case 'db': {
      const report = await verifyDb({
        sourceUrl: config.source.db.url,
        targetUrl: config.target.db.url,
        schemas: config.db.schemas,
        chunkRows: config.db.verifyChunkRows,
        concurrency: config.db.concurrency,
        ...deps,
      });
      return dbVerifyReport(report, timing(started));
    }
    case 'auth': {
      const body = authVerifyBody(await verifyAuth({ config, ...deps }));
      return { version: 1, phase: 'auth', command: 'verify', ...timing(started), ...body };
    }
  }
}

export async function verifyMigration(
  config: Config,
  options: VerifyMigrationOptions = {},
): Promise<MigrationVerifyResult> {
  const phases: PhaseVerdict[] = [];
  for (const phase of options.phases ?? VERIFY_PHASES) {
    const notSetUp = phaseNotSetUp(config, phase);
    if (notSetUp) {
      phases.push({ phase, status: options.phases ? 'fail' : 'skipped', reason: notSetUp });
      continue;
    }
    try {
      const report = await runPhase(config, phase, options);
      phases.push({ phase, status: report.ok ? 'pass' : 'fail', report });
    } catch (error) {
      if (error instanceof InterruptedError || options.signal?.aborted) throw error;
      const failure = toSupa2awsError(error);
      phases.push({
        phase,
        status: 'fail',
        reason: failure.message,
        error: {
          code: failure.code,
          message: failure.message,
          ...(failure.hint ? { hint: failure.hint } : {}),
        },
      });
    }
  }
  return { ok: phases.every((p) => p.status !== 'fail'), phases };
}
