/**
 * `supa2aws verify`: every phase's verification in one run — storage (each storage.objects row has its
 * object at S3, same size and checksum), db (row counts and digests per table, the schema) and auth (every
 * Supabase user accounted for in Cognito). Each phase writes the same report its own `verify` writes, and a
 * phase that cannot run (say the target is unreachable) is a failure with its error, not the end of the run:
 * the answer covers every phase.
 */
import { verifyAuthFromConfig, verifyReport as authVerifyBody } from '../auth/index.ts';
import type { Config } from '../config/index.ts';
import { ExitCode, InterruptedError, toSupa2awsError } from '../core/errors.ts';
import type { Reporter } from '../core/reporter.ts';
import { verifyDbFromConfig, verifyPhaseReport as dbVerifyReport } from '../db/index.ts';
import { timedReport, timingSince, type PhaseReport } from '../report/phase-report.ts';
import { verifyPhaseReport as storageVerifyReport, verifyStorageFromConfig } from '../storage/index.ts';

export const VERIFY_PHASES = ['storage', 'db', 'auth'] as const;
export type VerifyPhase = (typeof VERIFY_PHASES)[number];

export interface PhaseVerdict {
  phase: VerifyPhase;
  /** passed, failed, or skipped because the config does not set the phase up. */
  status: 'pass' | 'fail' | 'skipped';
  /** Why it was skipped. */
  reason?: string;
  error?: { code: string; message: string; hint?: string; exitCode: number };
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
  /** Called as each phase is done (to write its report at once). */
  onPhase?: (verdict: PhaseVerdict) => void;
}

/** Why `phase` cannot be verified with this config, or undefined when it can. */
export function phaseNotSetUp(config: Config, phase: VerifyPhase): string | undefined {
  if (phase === 'storage' && Object.keys(config.storage.buckets).length === 0)
    return 'storage.buckets maps no bucket';
  if (phase === 'auth' && !config.target.cognito) return 'target.cognito is not set';
  return undefined;
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
      return storageVerifyReport(report, timingSince(started));
    }
    case 'db': {
      const report = await verifyDbFromConfig(config, {}, deps);
      return dbVerifyReport(report, timingSince(started));
    }
    case 'auth':
      return timedReport('auth', 'verify', async () =>
        authVerifyBody(await verifyAuthFromConfig(config, {}, deps)),
      );
  }
}

export async function verifyMigration(
  config: Config,
  options: VerifyMigrationOptions = {},
): Promise<MigrationVerifyResult> {
  const phases: PhaseVerdict[] = [];
  const asked = options.phases ? [...new Set(options.phases)] : undefined;
  for (const phase of asked ?? VERIFY_PHASES) {
    const verdict = await verifyPhase(config, phase, options, asked !== undefined);
    phases.push(verdict);
    options.onPhase?.(verdict);
  }
  return { ok: phases.every((p) => p.status !== 'fail'), phases };
}

async function verifyPhase(
  config: Config,
  phase: VerifyPhase,
  options: VerifyMigrationOptions,
  asked: boolean,
): Promise<PhaseVerdict> {
  const notSetUp = phaseNotSetUp(config, phase);
  if (notSetUp && !asked) return { phase, status: 'skipped', reason: notSetUp };
  if (notSetUp) {
    const message = `${phase} cannot be verified: ${notSetUp}`;
    return {
      phase,
      status: 'fail',
      error: {
        code: 'VERIFY_PHASE_NOT_SET_UP',
        message,
        hint: `Set the phase up in the config, or leave ${phase} out of --phases.`,
        exitCode: ExitCode.usage,
      },
    };
  }
  try {
    const report = await runPhase(config, phase, options);
    return { phase, status: report.ok ? 'pass' : 'fail', report };
  } catch (error) {
    if (error instanceof InterruptedError || options.signal?.aborted) throw error;
    const failure = toSupa2awsError(error);
    return {
      phase,
      status: 'fail',
      error: {
        code: failure.code,
        message: failure.message,
        ...(failure.hint ? { hint: failure.hint } : {}),
        exitCode: failure.exitCode,
      },
    };
  }
}

/**
 * The exit code for a result: 0 when every phase passed, 1 when verification found a difference, else the
 * gravest of the errors that kept a phase from running (2 usage, 3 environment, 4 permission, 70 a bug), so a
 * script can tell "different" from "could not check".
 */
export function verifyExitCode(result: MigrationVerifyResult): number {
  if (result.ok) return ExitCode.ok;
  return Math.max(
    ...result.phases.map((p) => p.error?.exitCode ?? (p.status === 'fail' ? ExitCode.verifyFailed : 0)),
  );
}
