import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { AuthStack } from './auth-stack.ts';
import type { DatabaseStack } from './database-stack.ts';
import { suppress } from './nag.ts';
import type { NetworkStack } from './network-stack.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import type { BackendSettings } from './settings.ts';
import type { StorageStack } from './storage-stack.ts';

export interface BackendStackProps extends StackProps {
  settings: BackendSettings;
  network: NetworkStack;
  storage: StorageStack;
  database: DatabaseStack;
  auth: AuthStack;
  /** The SPA's URL (the frontend stack's CloudFront URL), allowed by the API's CORS. @default none */
  frontendUrl?: string;
}

const RETENTION: Record<number, logs.RetentionDays> = Object.fromEntries(
  Object.values(logs.RetentionDays)
    .filter((v): v is logs.RetentionDays => typeof v === 'number')
    .map((v) => [v, v]),
);

/**
 * Phase 4: the backend on ECS Fargate (plan 05). One image in ECR; the API service (0.5 vCPU / 1 GB, desired
 * 1, CPU autoscaling within bounds) behind an ALB (443 with an ACM certificate when a domain is given, 80
 * otherwise) forwarding to 3001 with `/health` checks; the VideoJobExecutor as its own service from the
 * same image with another command; database credentials and app secrets injected from Secrets Manager;
 * log groups with a retention period.
 */
export class BackendStack extends Stack {
  readonly repository: ecr.Repository;
  readonly cluster: ecs.Cluster;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly apiService: ecs.FargateService;
  readonly workerService: ecs.FargateService;
  readonly appSecret: secretsmanager.Secret;
  /** The API's public URL. */
  readonly apiUrl: string;

  constructor(scope: Construct, id: string, props: BackendStackProps) {
    super(scope, id, props);
    const { settings, network, storage, database, auth } = props;
    const corsOrigins = [...(props.frontendUrl ? [props.frontendUrl] : []), ...settings.corsOrigins];
    const retention = RETENTION[settings.logRetentionDays];
    if (retention === undefined) {
      throw new Error(
        `backend.logRetentionDays is ${settings.logRetentionDays}; expected one of CloudWatch's retention periods`,
      );
    }

    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: settings.repositoryName,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.MUTABLE,
      lifecycleRules: [{ description: 'Keep the last 20 images', maxImageCount: 20 }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: network.vpc,
      containerInsightsV2: settings.containerInsights
        ? ecs.ContainerInsights.ENABLED
        : ecs.ContainerInsights.DISABLED,
    });

    // Values set after deploy: aws secretsmanager put-secret-value --secret-id <AppSecretArn> --secret-string '{...}'.
    this.appSecret = new secretsmanager.Secret(this, 'AppSecret', {
      description: 'Backend configuration: one JSON key per environment variable',
      generateSecretString: {
        secretStringTemplate: JSON.stringify(Object.fromEntries(settings.appSecretKeys.map((k) => [k, '']))),
        generateStringKey: 'SUPA2AWS_PLACEHOLDER',
      },
    });

    // Imported immutably: every network rule stays in the network stack.
    const tasksSg = ec2.SecurityGroup.fromSecurityGroupId(
      this,
      'TasksSg',
      network.tasksSecurityGroup.securityGroupId,
      {
        mutable: false,
      },
    );
    const albSg = ec2.SecurityGroup.fromSecurityGroupId(
      this,
      'AlbSg',
      network.albSecurityGroup.securityGroupId,
      {
        mutable: false,
      },
    );

    const image = ecs.ContainerImage.fromEcrRepository(this.repository, settings.imageTag);
    const environment: Record<string, string> = {
      NODE_ENV: 'production',
      PORT: String(settings.containerPort),
      AWS_REGION: this.region,
      S3_VIDEOS_BUCKET: storage.videosBucket.bucketName,
      S3_IMAGES_BUCKET: storage.imagesBucket.bucketName,
      S3_ASSET_IMAGES_BUCKET: storage.assetImagesBucket.bucketName,
      S3_IMAGES_PUBLIC_BASE_URL: storage.publicBaseUrls.images,
      S3_ASSET_IMAGES_PUBLIC_BASE_URL: storage.publicBaseUrls.assetImages,
      COGNITO_USER_POOL_ID: auth.userPool.userPoolId,
      COGNITO_CLIENT_ID: auth.client.userPoolClientId,
      COGNITO_REGION: this.region,
      // The app loads every key of this JSON secret at boot (supa2aws/runtime/secrets loadSecrets).
      SECRETS_ID: this.appSecret.secretArn,
      ...(corsOrigins.length ? { CORS_ORIGINS: corsOrigins.join(',') } : {}),
      // node-postgres reads PG* variables; the credentials come from the secret below.
      PGHOST: database.instance.dbInstanceEndpointAddress,
      PGPORT: database.instance.dbInstanceEndpointPort,
      PGDATABASE: database.databaseName,
      PGSSLMODE: 'verify-full',
      ...(settings.dbCaFile
        ? { DATABASE_CA_FILE: settings.dbCaFile, NODE_EXTRA_CA_CERTS: settings.dbCaFile }
        : {}),
    };
    const secrets: Record<string, ecs.Secret> = {
      PGUSER: ecs.Secret.fromSecretsManager(database.secret, 'username'),
      PGPASSWORD: ecs.Secret.fromSecretsManager(database.secret, 'password'),
      ...Object.fromEntries(
        settings.appSecretKeys.map((k) => [k, ecs.Secret.fromSecretsManager(this.appSecret, k)]),
      ),
    };

    const taskDefinition = (name: 'Api' | 'Worker', command?: string[]) => {
      const def = new ecs.FargateTaskDefinition(this, `${name}Task`, {
        cpu: settings.cpu,
        memoryLimitMiB: settings.memoryMiB,
        runtimePlatform: {
          cpuArchitecture: ecs.CpuArchitecture.X86_64,
          operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        },
      });
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      def.addContainer(name.toLowerCase(), {
        image,
        essential: true,
        ...(command ? { command } : {}),
        environment,
        secrets,
        logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: name.toLowerCase() }),
        portMappings: name === 'Api' ? [{ containerPort: settings.containerPort }] : [],
        // On SIGTERM the API drains and the worker finishes or releases its job (WORKER_STOP_TIMEOUT_MS, 25 s).
        stopTimeout: Duration.seconds(30),
        readonlyRootFilesystem: false,
      });
      for (const bucket of [storage.videosBucket, storage.imagesBucket, storage.assetImagesBucket]) {
        bucket.grantReadWrite(def.taskRole);
      }
      this.appSecret.grantRead(def.taskRole);
      return def;
    };

    const serviceProps = {
      cluster: this.cluster,
      securityGroups: [tasksSg],
      vpcSubnets: network.taskSubnets,
      assignPublicIp: network.assignPublicIp,
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
    };
    this.apiService = new ecs.FargateService(this, 'ApiService', {
      ...serviceProps,
      taskDefinition: taskDefinition('Api'),
      desiredCount: settings.apiDesiredCount,
      healthCheckGracePeriod: Duration.seconds(60),
    });
    const scaling = this.apiService.autoScaleTaskCount({
      minCapacity: settings.apiMinCount,
      maxCapacity: settings.apiMaxCount,
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: settings.apiTargetCpuPercent,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });

    this.workerService = new ecs.FargateService(this, 'WorkerService', {
      ...serviceProps,
      taskDefinition: taskDefinition('Worker', settings.workerCommand),
      desiredCount: settings.workerDesiredCount,
    });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: network.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: albSg,
      dropInvalidHeaderFields: true,
    });
    const targetGroup = new elbv2.ApplicationTargetGroup(this, 'ApiTargets', {
      vpc: network.vpc,
      port: settings.containerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [this.apiService],
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: settings.healthCheckPath,
        healthyHttpCodes: '200',
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });

    if (settings.domainName) {
      const certificate = settings.certificateArn
        ? acm.Certificate.fromCertificateArn(this, 'Certificate', settings.certificateArn)
        : new acm.Certificate(this, 'Certificate', {
            domainName: settings.domainName,
            // Add the CNAME ACM shows (console or `aws acm describe-certificate`); the deploy waits for it.
            validation: acm.CertificateValidation.fromDns(),
          });
      this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [certificate],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
        defaultTargetGroups: [targetGroup],
      });
      this.loadBalancer.addListener('HttpRedirect', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
      this.apiUrl = `https://${settings.domainName}`;
    } else {
      this.loadBalancer.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultTargetGroups: [targetGroup],
      });
      this.apiUrl = `http://${this.loadBalancer.loadBalancerDnsName}`;
    }

    suppress(this.loadBalancer, [
      {
        id: 'AwsSolutions-ELB2',
        reason:
          'ALB access logs need a region-specific log bucket policy (this app is environment-agnostic) and add storage cost; enable per deployment.',
      },
    ]);
    for (const service of [this.apiService, this.workerService]) {
      suppress(service.taskDefinition, [
        {
          id: 'AwsSolutions-ECS2',
          reason:
            'Only non-secret configuration (bucket names, pool IDs, DB host) is plain environment; secrets come from Secrets Manager.',
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "Object-level S3 actions on the app's own three buckets (bucket/*), and the ECR token action, which has no resource scope.",
        },
      ]);
    }
    suppress(this.cluster, [
      {
        id: 'AwsSolutions-ECS4',
        reason: 'Container Insights costs extra metrics per task; on with -c containerInsights=true.',
      },
    ]);
    suppress(this.appSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason: 'Third-party API keys cannot be rotated by a Lambda; they are rotated at their provider.',
      },
    ]);

    new CfnOutput(this, OUTPUT_KEYS.albUrl, {
      value: this.apiUrl,
      description: 'The API base URL (VITE_API_BASE_URL)',
    });
    new CfnOutput(this, OUTPUT_KEYS.ecrRepositoryUri, { value: this.repository.repositoryUri });
    new CfnOutput(this, OUTPUT_KEYS.clusterName, { value: this.cluster.clusterName });
    new CfnOutput(this, OUTPUT_KEYS.apiServiceName, { value: this.apiService.serviceName });
    new CfnOutput(this, OUTPUT_KEYS.workerServiceName, { value: this.workerService.serviceName });
    new CfnOutput(this, OUTPUT_KEYS.appSecretArn, { value: this.appSecret.secretArn });
    new CfnOutput(this, OUTPUT_KEYS.region, { value: this.region });
  }
}
