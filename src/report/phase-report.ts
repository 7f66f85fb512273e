/**
 * The JSON report each phase command writes (`supa2aws-report/<phase>-<command>.json`), read back by
 * `supa2aws report` to build the Markdown summary and the HTML page. Values are redacted on write.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { redactValue } from '../core/redact.ts';

export interface ReportCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface NotMoved {
  /** What was left out, in a few words: `12 objects`, `anonymous users`. */
  what: string;
  count: number;
  why: string;
  /** Some of the names (schema objects, never user emails). */
  names?: string[];
}

export interface PhaseReport {
  version: 1;
  /** storage | db | auth | backend | frontend | demo ... */
  phase: string;
  /** The command within the phase: copy, verify, schema ... */
  command: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  ok: boolean;
  /** Counts worth charting: objects, bytes, rows, tables, users ... */
  metrics: Record<string, number>;
  /** What was verified, one line each. */
  checks: ReportCheck[];
  /**
   * What this run could not prove, said plainly rather than counted as a pass or a failure — e.g. settings
   * the local S3 stand-in does not implement, which only a real AWS account can show.
   */
  caveats?: string[];
  /** What this step left out on purpose, and why: schema objects dropped, users that cannot migrate. */
  notMoved?: NotMoved[];
  /** Source against target per table or bucket; the report charts the ones that differ. */
  compared?: { unit: string; items: Array<{ name: string; source: number; target: number }> };
  /** Anything else the phase wants to keep (already redacted). */
  details?: unknown;
}

/** Default directory for reports, relative to the working directory. */
export const DEFAULT_REPORT_DIR = 'supa2aws-report';

export function reportFileName(report: Pick<PhaseReport, 'phase' | 'command'>): string {
  return `${report.phase}-${report.command}.json`.replace(/[^a-z0-9.-]+/gi, '-');
}

/** Writes the report as JSON (mode 0600: reports may name users and objects); returns its path. */
export function writePhaseReport(dir: string, report: PhaseReport): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, reportFileName(report));
  writeFileSync(file, `${JSON.stringify(redactValue(report), null, 2)}\n`, { mode: 0o600 });
  return file;
}

function isPhaseReport(value: unknown): value is PhaseReport {
  const v = value as Partial<PhaseReport> | null;
  return (
    !!v && v.version === 1 && typeof v.phase === 'string' && typeof v.command === 'string' && !!v.metrics
  );
}

/** Every phase report in `dir`, in phase order then time; files that are not phase reports are skipped. */
export function readPhaseReports(dir: string): PhaseReport[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const order = ['storage', 'db', 'auth', 'backend', 'frontend', 'demo'];
  const rank = (phase: string) => (order.includes(phase) ? order.indexOf(phase) : order.length);
  return names
    .flatMap((name) => {
      try {
        const parsed = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as unknown;
        return isPhaseReport(parsed) ? [parsed] : [];
      } catch {
        return [];
      }
    })
    .sort((a, b) => rank(a.phase) - rank(b.phase) || a.startedAt.localeCompare(b.startedAt));
}

export type PhaseTiming = Pick<PhaseReport, 'startedAt' | 'finishedAt' | 'durationMs'>;

/** The timing of a step that started at `start` (a Date or epoch ms) and ends now. */
export function timingSince(start: Date | number): PhaseTiming {
  const started = new Date(start);
  const finished = new Date();
  return {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
  };
}

/** Runs `fn` and returns what it gave with the step's timing. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; timing: PhaseTiming }> {
  const started = new Date();
  const value = await fn();
  return { value, timing: timingSince(started) };
}

/** Times `fn` and builds a PhaseReport from what it returns. */
export async function timedReport(
  phase: string,
  command: string,
  fn: () => Promise<
    Omit<PhaseReport, 'version' | 'phase' | 'command' | 'startedAt' | 'finishedAt' | 'durationMs'>
  >,
): Promise<PhaseReport> {
  const { value: body, timing } = await timed(fn);
  return { version: 1, phase, command, ...timing, ...body };
}
