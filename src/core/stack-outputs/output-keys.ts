/**
 * The stack outputs supa2aws reads: `cdk deploy --all --outputs-file outputs.json` writes
 * `{ "<StackName>": { "<OutputKey>": "<value>" } }`, and `supa2aws config from-stack outputs.json` fills the
 * config from it (config-from-outputs.ts). The keys are CloudFormation output logical IDs, so they are
 * stable whatever the stack prefix. Shared by the CDK app (infra/) and the CLI; it holds no CDK import.
 */

export const OUTPUT_KEYS = {
  /** Every stack: the region it is deployed in (`target.region`, `target.s3.region`, `target.cognito.region`). */
  region: 'Region',
  /** Network: the VPC. */
  vpcId: 'VpcId',
  /** Storage: bucket names (`storage.buckets.<source>.target`). */
  videosBucket: 'VideosBucketName',
  imagesBucket: 'ImagesBucketName',
  assetImagesBucket: 'AssetImagesBucketName',
  /** Storage: public base URLs of the public buckets (`storage.buckets.<source>.publicBaseUrl`). */
  imagesPublicBaseUrl: 'ImagesPublicBaseUrl',
  assetImagesPublicBaseUrl: 'AssetImagesPublicBaseUrl',
  /** Storage: `bucket-policy` or `cloudfront`. */
  publicImagesMode: 'PublicImagesMode',
  /** Database: connection parts (`target.db.url`, with the password left to an env variable). */
  dbEndpoint: 'DbEndpoint',
  dbPort: 'DbPort',
  dbName: 'DbName',
  dbUsername: 'DbUsername',
  /** Database: the Secrets Manager secret holding the master credentials. */
  dbSecretArn: 'DbSecretArn',
  /** Database: the app role's secret (API and worker; `supa2aws db app-role` creates the role from it). */
  dbAppSecretArn: 'DbAppSecretArn',
  /** Database: the migrate-user role's secret (`auth.migrateRolePassword`, the Lambda's login). */
  dbMigrateUserSecretArn: 'DbMigrateUserSecretArn',
  /** Auth: `target.cognito.userPoolId` / `clientId`. */
  userPoolId: 'UserPoolId',
  userPoolClientId: 'UserPoolClientId',
  /** Auth: the token issuer (`https://cognito-idp.<region>.amazonaws.com/<poolId>`). */
  cognitoIssuer: 'CognitoIssuer',
  /** Auth: the hosted UI base URL, when a domain prefix was given. */
  userPoolDomainUrl: 'UserPoolDomainUrl',
  /** Auth: the migrate-user Lambda, when attached. */
  migrateUserFunctionName: 'MigrateUserFunctionName',
  /** Backend: the API's public URL (`VITE_API_BASE_URL`). */
  albUrl: 'AlbUrl',
  ecrRepositoryUri: 'EcrRepositoryUri',
  clusterName: 'ClusterName',
  apiServiceName: 'ApiServiceName',
  workerServiceName: 'WorkerServiceName',
  /** Backend: the JSON secret whose keys become the tasks' environment. */
  appSecretArn: 'AppSecretArn',
  /** Migration: where `supa2aws aws run` starts the CLI image as a one-off Fargate task. */
  migrationClusterName: 'MigrationClusterName',
  migrationTaskDefinitionArn: 'MigrationTaskDefinitionArn',
  migrationContainerName: 'MigrationContainerName',
  /** Migration: the task's network, comma-separated IDs, and ENABLED or DISABLED. */
  migrationSubnetIds: 'MigrationSubnetIds',
  migrationSecurityGroupIds: 'MigrationSecurityGroupIds',
  migrationAssignPublicIp: 'MigrationAssignPublicIp',
  /** Migration: the task's log group and awslogs stream prefix (`<prefix>/<container>/<task id>`). */
  migrationLogGroupName: 'MigrationLogGroupName',
  migrationLogStreamPrefix: 'MigrationLogStreamPrefix',
  /** Migration: the bucket holding each run's config, result and phase reports (`runs/<run id>/`). */
  migrationRunsBucketName: 'MigrationRunsBucketName',
  /** Migration: the JSON secret whose keys the task puts in its environment (the source's passwords and keys). */
  migrationSecretArn: 'MigrationSecretArn',
  /** Frontend: the SPA's URL, bucket and distribution (for `aws s3 sync` and invalidations). */
  cloudFrontUrl: 'CloudFrontUrl',
  /** Frontend: the API's base URL on the app's own origin (`VITE_API_BASE_URL`). */
  apiUrl: 'ApiUrl',
  /** Frontend: the DNS records to add for a custom domain when no hosted zone was given. */
  dnsRecords: 'DnsRecords',
  /** Monitoring: the SNS topic alarms go to. */
  alarmTopicArn: 'AlarmTopicArn',
  spaBucketName: 'SpaBucketName',
  distributionId: 'DistributionId',
  /** Budget: its name in AWS Budgets. */
  budgetName: 'BudgetName',
} as const;

export type OutputKey = (typeof OUTPUT_KEYS)[keyof typeof OUTPUT_KEYS];

/**
 * The outputs each stack (by phase) always writes. UserPoolDomainUrl and MigrateUserFunctionName come from
 * the auth stack only when a domain prefix is set / the trigger is on.
 */
export const OUTPUTS_BY_STACK = {
  network: [OUTPUT_KEYS.vpcId, OUTPUT_KEYS.region],
  storage: [
    OUTPUT_KEYS.videosBucket,
    OUTPUT_KEYS.imagesBucket,
    OUTPUT_KEYS.assetImagesBucket,
    OUTPUT_KEYS.imagesPublicBaseUrl,
    OUTPUT_KEYS.assetImagesPublicBaseUrl,
    OUTPUT_KEYS.publicImagesMode,
    OUTPUT_KEYS.region,
  ],
  database: [
    OUTPUT_KEYS.dbEndpoint,
    OUTPUT_KEYS.dbPort,
    OUTPUT_KEYS.dbName,
    OUTPUT_KEYS.dbUsername,
    OUTPUT_KEYS.dbSecretArn,
    OUTPUT_KEYS.dbAppSecretArn,
    OUTPUT_KEYS.dbMigrateUserSecretArn,
    OUTPUT_KEYS.region,
  ],
  auth: [OUTPUT_KEYS.userPoolId, OUTPUT_KEYS.userPoolClientId, OUTPUT_KEYS.cognitoIssuer, OUTPUT_KEYS.region],
  backend: [
    OUTPUT_KEYS.albUrl,
    OUTPUT_KEYS.ecrRepositoryUri,
    OUTPUT_KEYS.clusterName,
    OUTPUT_KEYS.apiServiceName,
    OUTPUT_KEYS.workerServiceName,
    OUTPUT_KEYS.appSecretArn,
    OUTPUT_KEYS.region,
  ],
  migration: [
    OUTPUT_KEYS.migrationClusterName,
    OUTPUT_KEYS.migrationTaskDefinitionArn,
    OUTPUT_KEYS.migrationContainerName,
    OUTPUT_KEYS.migrationSubnetIds,
    OUTPUT_KEYS.migrationSecurityGroupIds,
    OUTPUT_KEYS.migrationAssignPublicIp,
    OUTPUT_KEYS.migrationLogGroupName,
    OUTPUT_KEYS.migrationLogStreamPrefix,
    OUTPUT_KEYS.migrationRunsBucketName,
    OUTPUT_KEYS.migrationSecretArn,
    OUTPUT_KEYS.region,
  ],
  frontend: [
    OUTPUT_KEYS.cloudFrontUrl,
    OUTPUT_KEYS.apiUrl,
    OUTPUT_KEYS.spaBucketName,
    OUTPUT_KEYS.distributionId,
    OUTPUT_KEYS.region,
  ],
  monitoring: [OUTPUT_KEYS.alarmTopicArn],
  budget: [OUTPUT_KEYS.budgetName],
} as const satisfies Record<string, readonly OutputKey[]>;
