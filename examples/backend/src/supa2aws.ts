/**
 * The one place the backend imports supa2aws's runtime.
 *
 * In your app these lines import the package: `from 'supa2aws/runtime/db'`, `'supa2aws/runtime/auth'`,
 * `'supa2aws/runtime/secrets'`, `'supa2aws/runtime/storage'` (its package.json "exports" map
 * `supa2aws/runtime/*` to the built `dist/runtime/*`). In this repository the example imports the runtime's
 * TypeScript sources by relative path instead, so that:
 * - dev and tests run with `tsx` and no build step, from any working directory;
 * - `tsc -p tsconfig.build.json` (rootDir ../..) compiles exactly the runtime files used into
 *   `dist/src/runtime/**` next to `dist/examples/backend/src/**`, which is what the Docker image ships.
 * The runtime imports nothing from the migration code (src/db, src/auth, src/storage...), so neither does
 * the image.
 */
export {
  closePool,
  createPool,
  describePool,
  poolOptionsFromEnv,
  withTransaction,
  withUser,
  type DbPoolOptions,
} from '../../../src/runtime/db/index.ts';
export { loadSecrets, type LoadedSecrets } from '../../../src/runtime/secrets/index.ts';
export {
  adminGetUserAttributes,
  createAuthVerifier,
  createAuthVerifierFromEnv,
  createCognitoUserIdResolver,
  requireAuth,
  type AuthUser,
  type AuthVerifier,
} from '../../../src/runtime/auth/index.ts';
export { createS3Client, type S3ClientOptions } from '../../../src/runtime/storage/s3-client.ts';
