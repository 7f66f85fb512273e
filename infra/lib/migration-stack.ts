import {
  Annotations,
  CfnOutput,
  Duration,
  Fn,
  IgnoreMode,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { REPO_ROOT, type AuthStack } from './auth-stack.ts';
import { dockerExcludes } from './backend-stack.ts';
import type { DatabaseStack } from './database-stack.ts';
import { suppress } from './nag.ts';
import type { NetworkStack } from './network-stack.ts';
import type { MigrationSettings } from './settings.ts';
import type { StorageStack } from './storage-stack.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import {
  APP_DB_PASSWORD_ENV,
  MIGRATE_USER_PASSWORD_ENV,
  TARGET_DB_PASSWORD_ENV,
} from '../../src/core/stack-outputs/config-from-outputs.ts';
import {
  SOURCE_DB_PASSWORD_ENV,
  SOURCE_S3_ACCESS_KEY_ENV,
  SOURCE_S3_SECRET_ENV,
} from '../../src/core/config/secret-refs.ts';
import {
  RUN_CONTAINER_NAME,
  RUN_LOG_STREAM_PREFIX,
  RUN_SECRETS_ID_ENV,
  RUNS_PREFIX,
} from '../../src/aws-run/run-contract.ts';

export interface MigrationStackProps extends StackProps {
  settings: MigrationSettings;
  network: NetworkStack;
  storage: StorageStack;
  database: DatabaseStack;
  auth: AuthStack;
}

/**
 * The Cognito calls of `auth plan`, `auth import` and `auth verify` (src/auth): describe the pool and its
 * client, read the CSV header, list users, create users, set passwords, link providers, read a user.
 */
export const MIGRATION_COGNITO_ACTIONS = [
  'cognito-idp:DescribeUserPool',
  'cognito-idp:DescribeUserPoolClient',
  'cognito-idp:GetCSVHeader',
  'cognito-idp:ListUsers',
  'cognito-idp:AdminGetUser',
  'cognito-idp:AdminCreateUser',
  'cognito-idp:AdminSetUserPassword',
  'cognito-idp:AdminLinkProviderForUser',
];

const RETENTION: Record<number, logs.RetentionDays> = Object.fromEntries(
  Object.values(logs.RetentionDays)
    .filter((v): v is logs.RetentionDays => typeof v === 'number')
    .map((v) => [v, v]),
);

/**
 * The migration inside AWS (guides 02–04): the supa2aws CLI image (docker/cli/Dockerfile, built by
 * `cdk deploy` like the backend's) as a task definition that `supa2aws aws run -- <command…>` starts as a
 * one-off Fargate task. It runs where the API tasks run — their subnets and security group, which the
 * database (and so the migrate-user Lambda's legacy store in it) admits on 5432 — so `db schema`, `db copy`,
 * `db verify`, `auth export` and `auth import` reach RDS, and a large `storage copy` runs next to S3.
 *
 * Its task role may do what the phases do and nothing else: read and write the app's three buckets, read its
 * own run's files in the runs bucket, read the migration secret, and make the Cognito calls of the auth phase.
 * The RDS passwords (master, app role, migrate-user role) reach the container as ECS secrets, read by the
 * execution role; the migration secret (the source's password and keys: one JSON key per environment
 * variable, set with `aws secretsmanager put-secret-value`) is read by the task itself at start. No value is
 * ever in a task definition, a command line or a log. Nothing runs until `aws run` starts a task: the stack
 * costs the runs bucket's storage and the image in ECR.
 */
export class MigrationStack extends Stack {
  readonly image: ecrAssets.DockerImageAsset;
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly logGroup: logs.LogGroup;
  readonly runsBucket: s3.Bucket;
  readonly migrationSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: MigrationStackProps) {
    super(scope, id, props);
    const { settings, network, storage, database, auth } = props;
    const retention = RETENTION[settings.logRetentionDays];
    if (retention === undefined) {
      throw new Error(
        `migration.logRetentionDays is ${settings.logRetentionDays}; expected one of CloudWatch's retention periods`,
      );
    }
    const arm = settings.cpuArchitecture === 'arm64';

    this.image = new ecrAssets.DockerImageAsset(this, 'Image', {
      directory: REPO_ROOT,
      file: settings.dockerFile,
      platform: arm ? ecrAssets.Platform.LINUX_ARM64 : ecrAssets.Platform.LINUX_AMD64,
      exclude: dockerExcludes(REPO_ROOT, settings.dockerFile),
      ignoreMode: IgnoreMode.DOCKER,
    });

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: network.vpc,
      containerInsightsV2: ecs.ContainerInsights.DISABLED,
    });

    this.runsBucket = new s3.Bucket(this, 'Runs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          expiration: Duration.days(settings.runRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });

    // Values set after deploy: aws secretsmanager put-secret-value --secret-id <MigrationSecretArn> --secret-string '{...}'.
    const sourceKeys = [SOURCE_DB_PASSWORD_ENV, SOURCE_S3_ACCESS_KEY_ENV, SOURCE_S3_SECRET_ENV];
    this.migrationSecret = new secretsmanager.Secret(this, 'MigrationSecret', {
      description:
        'supa2aws aws run: one JSON key per environment variable the config references (the Supabase password and S3 keys)',
      generateSecretString: {
        secretStringTemplate: JSON.stringify(Object.fromEntries(sourceKeys.map((k) => [k, '']))),
        generateStringKey: 'SUPA2AWS_PLACEHOLDER',
      },
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: settings.cpu,
      memoryLimitMiB: settings.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: arm ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention, removalPolicy: RemovalPolicy.DESTROY });
    this.taskDefinition.addContainer(RUN_CONTAINER_NAME, {
      image: ecs.ContainerImage.fromDockerImageAsset(this.image),
      essential: true,
      environment: {
        AWS_REGION: this.region,
        [RUN_SECRETS_ID_ENV]: this.migrationSecret.secretArn,
      },
      // By ARN and JSON key: ECS reads them with the execution role when the task starts.
      secrets: {
        [TARGET_DB_PASSWORD_ENV]: ecs.Secret.fromSecretsManager(database.secret, 'password'),
        [APP_DB_PASSWORD_ENV]: ecs.Secret.fromSecretsManager(database.appSecret, 'password'),
        [MIGRATE_USER_PASSWORD_ENV]: ecs.Secret.fromSecretsManager(database.migrateUserSecret, 'password'),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: RUN_LOG_STREAM_PREFIX }),
      // Ctrl-C on `aws run` stops the task: SIGTERM, then up to 2 minutes (Fargate's most) to stop cleanly
      // and upload the phase reports before SIGKILL.
      stopTimeout: Duration.seconds(120),
      readonlyRootFilesystem: false,
    });

    const role = this.taskDefinition.taskRole;
    for (const bucket of [storage.videosBucket, storage.imagesBucket, storage.assetImagesBucket]) {
      bucket.grantReadWrite(role);
    }
    this.runsBucket.grantReadWrite(role, `${RUNS_PREFIX}*`);
    this.migrationSecret.grantRead(role);
    auth.userPool.grant(role, ...MIGRATION_COGNITO_ACTIONS);

    const taskSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(
      this,
      'TasksSg',
      network.tasksSecurityGroup.securityGroupId,
      { mutable: false },
    );
    const subnets = network.vpc.selectSubnets(network.taskSubnets).subnetIds;
    if (network.assignPublicIp === false && network.vpc.privateSubnets.length === 0) {
      Annotations.of(this).addWarningV2(
        'supa2aws:migration-no-internet',
        'The migration tasks run in private subnets without a NAT gateway: they reach AWS through the endpoints but not Supabase, so only commands that need no source (db verify against a saved digest, storage verify) work. Set network.natGateways to 1 for the migration.',
      );
    }

    suppress(this.taskDefinition, [
      {
        id: 'AwsSolutions-ECS2',
        reason:
          'Only the region and the migration secret ARN are plain environment; every secret value comes from Secrets Manager.',
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          "Object-level S3 actions on the app's three buckets and the runs bucket's runs/ prefix (bucket/*), and the ECR token action, which has no resource scope.",
      },
    ]);
    suppress(this.cluster, [
      {
        id: 'AwsSolutions-ECS4',
        reason: 'One-off migration tasks: Container Insights would bill metrics for minutes of work.',
      },
    ]);
    suppress(this.runsBucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'Holds only what supa2aws aws run writes (a config without secrets, results, phase reports), expired after runRetentionDays; CloudTrail records its API calls.',
      },
    ]);
    suppress(this.migrationSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          "The Supabase database password and S3 keys are Supabase's: they are rotated in Supabase's dashboard, not by a Lambda here.",
      },
    ]);

    new CfnOutput(this, OUTPUT_KEYS.migrationClusterName, { value: this.cluster.clusterName });
    new CfnOutput(this, OUTPUT_KEYS.migrationTaskDefinitionArn, {
      value: this.taskDefinition.taskDefinitionArn,
    });
    new CfnOutput(this, OUTPUT_KEYS.migrationContainerName, { value: RUN_CONTAINER_NAME });
    new CfnOutput(this, OUTPUT_KEYS.migrationSubnetIds, { value: Fn.join(',', subnets) });
    new CfnOutput(this, OUTPUT_KEYS.migrationSecurityGroupIds, { value: taskSecurityGroup.securityGroupId });
    new CfnOutput(this, OUTPUT_KEYS.migrationAssignPublicIp, {
      value: network.assignPublicIp ? 'ENABLED' : 'DISABLED',
      description:
        'ENABLED when the tasks run in public subnets (no NAT gateway): the address reaches ECR and Supabase',
    });
    new CfnOutput(this, OUTPUT_KEYS.migrationLogGroupName, { value: this.logGroup.logGroupName });
    new CfnOutput(this, OUTPUT_KEYS.migrationLogStreamPrefix, { value: RUN_LOG_STREAM_PREFIX });
    new CfnOutput(this, OUTPUT_KEYS.migrationRunsBucketName, { value: this.runsBucket.bucketName });
    new CfnOutput(this, OUTPUT_KEYS.migrationSecretArn, { value: this.migrationSecret.secretArn });
    new CfnOutput(this, OUTPUT_KEYS.region, { value: this.region });
  }
}
