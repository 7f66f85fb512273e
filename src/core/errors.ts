/**
 * One error family for everything a user can hit. Callers branch on `code`, never on message text.
 * Every code maps to a documented exit code (see README "Exit codes"). The base class and the areas the
 * runtime throws (config, db, auth) live in @supa2aws/runtime, so an error from the runtime is a
 * Supa2awsError here too; the CLI's own areas are below.
 */
import { Supa2awsError, isSupa2awsError } from '@supa2aws/runtime/errors';

export {
  AuthError,
  ConfigError,
  DbError,
  ExitCode,
  isSupa2awsError,
  Supa2awsError,
  type ErrorClass,
  type ErrorOptions,
  type ExitCodeValue,
} from '@supa2aws/runtime/errors';

export class SandboxError extends Supa2awsError {}
export class StorageError extends Supa2awsError {}
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

/** Wraps anything thrown into a Supa2awsError, keeping known ones as they are. */
export function toSupa2awsError(error: unknown): Supa2awsError {
  if (isSupa2awsError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(message, error);
}
