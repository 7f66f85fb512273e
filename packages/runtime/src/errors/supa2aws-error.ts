/**
 * One error family for everything a user can hit, shared by the runtime and the supa2aws CLI (which adds its
 * own areas). Callers branch on `code`, never on message text. Every code maps to a documented exit code
 * (see the CLI's README "Exit codes"); an app may use `exitCode` the same way or ignore it.
 */

/** Exit codes of the CLI, by class of failure. */
export const ExitCode = {
  ok: 0,
  /** Verification found a difference (missing, differ, unaccounted). */
  verifyFailed: 1,
  /** Bad flags or config: fix the input and run again. */
  usage: 2,
  /** Something the migration needs is missing or unreachable (tool, server, bucket, pool). */
  environment: 3,
  /** Credentials or permissions refused by a service. */
  permission: 4,
  /** The run was interrupted (Ctrl-C / SIGTERM); re-run to finish. */
  interrupted: 130,
  /** A bug in supa2aws. */
  internal: 70,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorClass = keyof typeof ExitCode;

export interface ErrorOptions {
  /** What to do next, ideally the exact command to run. */
  hint?: string;
  /** Machine-readable context; redacted before it is printed. */
  details?: Record<string, unknown>;
  /** Which exit code class this error belongs to. @default 'environment' */
  exit?: ErrorClass;
  /** Whether retrying the same operation may succeed (throttling, 5xx, resets). @default false */
  retryable?: boolean;
  cause?: unknown;
}

export class Supa2awsError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;
  readonly exitCode: ExitCodeValue;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
    this.exitCode = ExitCode[options.exit ?? 'environment'];
    this.retryable = options.retryable ?? false;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

export class ConfigError extends Supa2awsError {}
export class DbError extends Supa2awsError {}
export class AuthError extends Supa2awsError {}

export function isSupa2awsError(error: unknown): error is Supa2awsError {
  return error instanceof Supa2awsError;
}
