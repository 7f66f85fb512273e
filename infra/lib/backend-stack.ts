import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, IgnoreMode, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { REPO_ROOT, type AuthStack } from './auth-stack.ts';
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
  /**
   * The name of the secret holding the origin header CloudFront sends and the listener checks
   * (`<stackPrefix>/origin-verify`): the frontend stack reads it by name, so neither stack exports it.
   */
  originSecretName: string;
  /**
   * With a custom domain in a Route 53 zone, CloudFront reaches the load balancer over HTTPS at this name
   * (an alias record to the ALB and a certificate validated in the zone, both in this stack's region).
   * @default none: HTTP on port 80 (an ALB has no certificate for its own *.elb.amazonaws.com name)
   */
  originTls?: OriginTls;
}

/** The load balancer's own name for CloudFront to reach it over HTTPS. */
export interface OriginTls {
  /** e.g. `origin.app.example.com` */
  domainName: string;
  hostedZoneId: string;
  /** The zone's name, e.g. `example.com`. */
  zoneName: string;
}

/** The origin name used for CloudFront → ALB over HTTPS: `origin.<domain>` in the domain's hosted zone. */
export function originTlsOf(frontend: {
  domainName?: string;
  hostedZoneId?: string;
  hostedZoneName?: string;
}): OriginTls | undefined {
  if (!frontend.domainName || !frontend.hostedZoneId || !frontend.hostedZoneName) return undefined;
  return {
    domainName: `origin.${frontend.domainName}`,
    hostedZoneId: frontend.hostedZoneId,
    zoneName: frontend.hostedZoneName,
  };
}

/** The header CloudFront adds to every request it forwards to the load balancer. */
export const ORIGIN_VERIFY_HEADER = 'X-Origin-Verify';

const RETENTION: Record<number, logs.RetentionDays> = Object.fromEntries(
  Object.values(logs.RetentionDays)
    .filter((v): v is logs.RetentionDays => typeof v === 'number')
    .map((v) => [v, v]),
);

/**
 * The Docker ignore patterns of a build: `<Dockerfile>.dockerignore` (what BuildKit reads) or the context's
 * `.dockerignore`, plus the Dockerfile itself, so the asset's hash and staged copy hold only what the
 * build copies (not node_modules, .env or sandbox data).
 */
export function dockerExcludes(contextDir: string, dockerFile: string): string[] {
  for (const candidate of [`${dockerFile}.dockerignore`, '.dockerignore']) {
    try {
      const lines = readFileSync(path.join(contextDir, candidate), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
      return [...lines, `!${dockerFile}`, `!${candidate}`];
    } catch {
      continue;
    }
  }
  return [];
}

/**
 * Phase 4: the backend on ECS Fargate (plan 05). The image is a CDK asset: `cdk deploy` builds it for
 * linux/arm64 (Graviton) from the backend's Dockerfile and pushes it to the bootstrap's asset repository
 * under a content-hash tag, before CloudFormation creates the services. That is why the first deploy of an
 * empty account succeeds (no service waits for an image nobody pushed yet) and why a tag always means the
 * same image. The API service (0.5 vCPU / 1 GB, CPU autoscaling within bounds) sits behind an ALB that only
 * CloudFront reaches (origin-facing prefix list in its security group, network stack) and that forwards
 * only requests carrying CloudFront's secret origin header: anything else gets 403. The VideoJobExecutor is
 * its own service from the same image. Both log in to the database as the app role (database stack), never
 * the master user.
 */
export class BackendStack extends Stack {
  readonly image: ecrAssets.DockerImageAsset;
  readonly cluster: ecs.Cluster;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly apiService: ecs.FargateService;
  readonly workerService: ecs.FargateService;
  readonly appSecret: secretsmanager.Secret;
  readonly originSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: BackendStackProps) {
    super(scope, id, props);
    const { settings, network, storage, database, auth } = props;
    const retention = RETENTION[settings.logRetentionDays];
    if (retention === undefined) {
      throw new Error(
        `backend.logRetentionDays is ${settings.logRetentionDays}; expected one of CloudWatch's retention periods`,
      );
    }
    const arm = settings.cpuArchitecture === 'arm64';

    const contextDir = path.resolve(REPO_ROOT, settings.dockerDirectory);
    this.image = new ecrAssets.DockerImageAsset(this, 'Image', {
      directory: contextDir,
      file: settings.dockerFile,
      platform: arm ? ecrAssets.Platform.LINUX_ARM64 : ecrAssets.Platform.LINUX_AMD64,
      exclude: dockerExcludes(contextDir, settings.dockerFile),
      ignoreMode: IgnoreMode.DOCKER,
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

    // Known by name to the frontend stack (a dynamic reference resolved by CloudFormation), never in a template.
    this.originSecret = new secretsmanager.Secret(this, 'OriginSecret', {
      secretName: props.originSecretName,
      description: `The ${ORIGIN_VERIFY_HEADER} header value CloudFront sends and the load balancer requires`,
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
    });

    // Imported immutably: every network rule stays in the network stack.
    const tasksSg = ec2.SecurityGroup.fromSecurityGroupId(
      this,
      'TasksSg',
      network.tasksSecurityGroup.securityGroupId,
      { mutable: false },
    );
    const albSg = ec2.SecurityGroup.fromSecurityGroupId(
      this,
      'AlbSg',
      network.albSecurityGroup.securityGroupId,
      { mutable: false },
    );

    const image = ecs.ContainerImage.fromDockerImageAsset(this.image);
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
      // The app loads every key of this JSON secret at boot (@supa2aws/runtime/secrets loadSecrets).
      SECRETS_ID: this.appSecret.secretArn,
      // The SPA calls the API on its own origin (CloudFront routes apiPath here): CORS only for extra origins.
      ...(settings.corsOrigins.length ? { CORS_ORIGINS: settings.corsOrigins.join(',') } : {}),
      // @supa2aws/runtime/db poolOptionsFromEnv reads PG*; the login is the app role's (PGUSER below) and its
      // password is read from this secret on new connections, so running tasks survive a rotation.
      DATABASE_SECRET_ID: database.appSecret.secretArn,
      PGHOST: database.instance.dbInstanceEndpointAddress,
      PGPORT: database.instance.dbInstanceEndpointPort,
      PGDATABASE: database.databaseName,
      PGSSLMODE: 'verify-full',
      ...(settings.dbCaFile ? { DATABASE_CA_FILE: settings.dbCaFile } : {}),
    };
    const secrets: Record<string, ecs.Secret> = {
      PGUSER: ecs.Secret.fromSecretsManager(database.appSecret, 'username'),
      ...Object.fromEntries(
        settings.appSecretKeys.map((k) => [k, ecs.Secret.fromSecretsManager(this.appSecret, k)]),
      ),
    };

    const taskDefinition = (name: 'Api' | 'Worker', command?: string[]) => {
      const def = new ecs.FargateTaskDefinition(this, `${name}Task`, {
        cpu: settings.cpu,
        memoryLimitMiB: settings.memoryMiB,
        runtimePlatform: {
          cpuArchitecture: arm ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
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
      database.appSecret.grantRead(def.taskRole);
      // The API places a Cognito access token's user (custom:supabase_id) and checks the user is still
      // enabled with AdminGetUser (@supa2aws/runtime/auth); the worker verifies no tokens.
      if (name === 'Api') auth.userPool.grant(def.taskRole, 'cognito-idp:AdminGetUser');
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
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'ApiTargets', {
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

    // Without a domain of our own CloudFront reaches the ALB over HTTP: an ALB has no certificate for its
    // *.elb.amazonaws.com name. With one in a hosted zone, over HTTPS at `origin.<domain>`.
    const tls = props.originTls;
    const listener = this.loadBalancer.addListener(tls ? 'Https' : 'Http', {
      ...(tls
        ? {
            port: 443,
            protocol: elbv2.ApplicationProtocol.HTTPS,
            sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
            certificates: [this.originCertificate(tls)],
          }
        : { port: 80, protocol: elbv2.ApplicationProtocol.HTTP }),
      open: false,
      defaultAction: elbv2.ListenerAction.fixedResponse(403, {
        contentType: 'text/plain',
        messageBody: 'Forbidden',
      }),
    });
    listener.addTargetGroups('FromCloudFront', {
      priority: 1,
      conditions: [
        elbv2.ListenerCondition.httpHeader(ORIGIN_VERIFY_HEADER, [
          this.originSecret.secretValue.unsafeUnwrap(),
        ]),
      ],
      targetGroups: [this.targetGroup],
    });

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
    suppress(this.originSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'CloudFront and the listener read the value at deploy time; rotate by put-secret-value and redeploying both stacks.',
      },
    ]);

    new CfnOutput(this, OUTPUT_KEYS.albUrl, {
      value: tls ? `https://${tls.domainName}` : `http://${this.loadBalancer.loadBalancerDnsName}`,
      description:
        "CloudFront's API origin; it answers 403 to anything but CloudFront (call the API at ApiUrl)",
    });
    new CfnOutput(this, OUTPUT_KEYS.ecrRepositoryUri, {
      value: this.image.repository.repositoryUri,
      description: "The bootstrap's asset repository the deploy pushed the backend image to",
    });
    new CfnOutput(this, OUTPUT_KEYS.clusterName, { value: this.cluster.clusterName });
    new CfnOutput(this, OUTPUT_KEYS.apiServiceName, { value: this.apiService.serviceName });
    new CfnOutput(this, OUTPUT_KEYS.workerServiceName, { value: this.workerService.serviceName });
    new CfnOutput(this, OUTPUT_KEYS.appSecretArn, { value: this.appSecret.secretArn });
    new CfnOutput(this, OUTPUT_KEYS.region, { value: this.region });
  }

  /** A certificate for the origin name, validated in the zone, and the name's alias records to the ALB. */
  private originCertificate(tls: OriginTls): acm.ICertificate {
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'OriginZone', {
      hostedZoneId: tls.hostedZoneId,
      zoneName: tls.zoneName,
    });
    const target = route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.loadBalancer));
    new route53.ARecord(this, 'OriginA', { zone, recordName: tls.domainName, target });
    return new acm.Certificate(this, 'OriginCertificate', {
      domainName: tls.domainName,
      validation: acm.CertificateValidation.fromDns(zone),
    });
  }
}
