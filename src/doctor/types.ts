export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found, in the user's words. */
  detail: string;
  /** What to do when it is not a pass. */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program; never throws for a missing program (code null, stderr says why). */
export type Exec = (file: string, args: string[], options?: { timeoutMs?: number }) => Promise<ExecResult>;
