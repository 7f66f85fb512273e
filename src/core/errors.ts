/**
 * One error family for everything a user can hit. Callers branch on `code`, never on message text.
 * Every code maps to a documented exit code (see README "Exit codes").
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
export class SandboxError extends Supa2awsError {}
export class StorageError extends Supa2awsError {}
export class DbError extends Supa2awsError {}
export class AuthError extends Supa2awsError {}
export class VerifyError extends Supa2awsError {}

/** A bug: something that should not happen whatever the user does. */
export class InternalError extends Supa2awsError {
  constructor(message: string, cause?: unknown) {
    super('INTERNAL_ERROR', message, {
      exit: 'internal',
      cause,
      hint: 'This is a bug in supa2aws. Re-run with --verbose and file an issue with the output.',
    });
  }
}

/** Raised when the user interrupts a long step; re-running converges. */
export class InterruptedError extends Supa2awsError {
  constructor(what: string) {
    super('INTERRUPTED', `${what} was interrupted before it finished`, {
      exit: 'interrupted',
      hint: 'Run the same command again: it picks up where it stopped and copies nothing twice.',
    });
  }
}

export function isSupa2awsError(error: unknown): error is Supa2awsError {
  return error instanceof Supa2awsError;
}

/** Wraps anything thrown into a Supa2awsError, keeping known ones as they are. */
export function toSupa2awsError(error: unknown): Supa2awsError {
  if (isSupa2awsError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(message, error);
}
