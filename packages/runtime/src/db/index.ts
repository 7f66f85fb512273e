export {
  createPool,
  closePool,
  describePool,
  type ClosePoolOptions,
  type ClosePoolResult,
} from './create-pool.ts';
export {
  poolOptionsFromEnv,
  resolvePoolConfig,
  type DbPoolOptions,
  type DbPoolSummary,
  type PasswordSource,
  type SslMode,
} from './pool-options.ts';
export {
  withUser,
  withTransaction,
  type TransactionOptions,
  type UserClaims,
  type WithUserOptions,
  type WithUserSubject,
} from './with-user.ts';
export {
  secretPassword,
  isSecretPassword,
  type SecretPassword,
  type SecretPasswordOptions,
} from './secret-password.ts';
export { DbErrorCode, explainConnectError, RDS_CA_BUNDLE_URL, type DbErrorCodeValue } from './errors.ts';
export {
  sqlResult,
  type Queryable,
  type SqlResult,
  type SqlResultError,
  type SqlResultShape,
} from './sql-result.ts';
/** libpq's connection rules: the pool follows them, and so does every connection the supa2aws CLI opens. */
export {
  SSL_MODES,
  RDS_CA_BUNDLE_FILE,
  connectionPartsFromEnv,
  defaultRootCertFile,
  invalidSetting,
  isLoopbackHost,
  isRdsHost,
  libpqAttempts,
  parseConnectionUrl,
  parseSslMode,
  readCaFile,
  type ConnectionParts,
  type LibpqSslMode,
  type RootCert,
} from './libpq.ts';
