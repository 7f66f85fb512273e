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
} from './supa2aws-error.ts';
