export * from './classify.ts';
export * from './config.ts';
export * from './export.ts';
export * from './hash-kind.ts';
export {
  adminGetUserAttributes,
  createCognitoUserIdResolver,
  type CognitoIdentity,
  type CognitoUserIdResolver,
  type CognitoUserIdResolverOptions,
  type ResolverDb,
} from '@supa2aws/runtime/auth';
export * from './identifiers.ts';
export * from './import.ts';
export * from './import-csv.ts';
export * from './plan.ts';
export * from './plan-file.ts';
export * from './pool-checks.ts';
export * from './rate-limiter.ts';
export * from './relink.ts';
export * from './report.ts';
export * from './rollback.ts';
export * from './rollback-verdict.ts';
export * from './user-id.ts';
export * from './verify.ts';
export { targetPool, type TargetPool } from './cognito.ts';
export * from './from-config.ts';
