import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { LAMBDA_MANAGED_POLICIES, suppress } from './nag.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import type { NetworkSettings } from './settings.ts';

export interface NetworkStackProps extends StackProps {
  settings: NetworkSettings;
  /** The API's container port, the only port the tasks admit (from the ALB). @default 3001 */
  containerPort?: number;
  /** The port CloudFront reaches the load balancer on (its only open port). @default 80 */
  albPort?: number;
  /**
   * A Secrets Manager interface endpoint for the migrate-user Lambda (it runs in the isolated subnets,
   * which have no route out). Always present with privateTasks. @default true
   */
  lambdaSecretsEndpoint?: boolean;
}

/**
 * The VPC and every security group, so every network rule lives in one template:
 * CloudFront (its origin-facing prefix list only) → ALB (80) → tasks (3001) → database (5432) ← migrate-user
 * Lambda. Nothing on the internet but CloudFront reaches the load balancer; the listener then also checks
 * CloudFront's secret origin header (backend stack), since the prefix list admits every distribution.
 *
 * Where the tasks run, and what it costs each month (us-east-1, 2 AZs):
 * - default, `privateTasks: false`: tasks in the public subnets with a public IPv4 address each
 *   ($0.005/h ≈ $3.65/month per task, so ~$7.30 for the API and the worker) and a security group that admits
 *   only the ALB. No NAT gateway. The one Secrets Manager endpoint for the migrate-user Lambda sits in a
 *   single subnet: ~$7.30/month (drop it with `auth.migrateUserTrigger: false` after the migration window).
 * - `privateTasks: true`: tasks in private subnets, no public IP, reaching AWS through interface endpoints
 *   for ECR api, ECR dkr, CloudWatch Logs and Secrets Manager in each AZ: 4 × 2 AZs × ~$7.30 ≈ $58.40/month
 *   plus $0.01/GB, and a free S3 gateway endpoint (ECR image layers come from S3).
 *   Without a NAT gateway the tasks reach only AWS services that have an endpoint here: not the app's
 *   third-party APIs (LLMs, Google) and not Cognito's public JWKS URL, which the API's token check fetches.
 * - `privateTasks: true, natGateways: 1`: what the app needs for those calls from private subnets: a NAT
 *   gateway is ~$33/month per AZ plus $0.045/GB processed (and its public IPv4), on top of the endpoints,
 *   which then only save NAT data charges.
 */
export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly albSecurityGroup: ec2.SecurityGroup;
  /** The `com.amazonaws.global.cloudfront.origin-facing` prefix list's ID (a token when looked up at deploy). */
  readonly cloudFrontPrefixListId: string;
  readonly tasksSecurityGroup: ec2.SecurityGroup;
  readonly databaseSecurityGroup: ec2.SecurityGroup;
  readonly migrateUserSecurityGroup: ec2.SecurityGroup;
  readonly endpointsSecurityGroup?: ec2.SecurityGroup;
  /** Where the API and worker tasks run. */
  readonly taskSubnets: ec2.SubnetSelection;
  /** Whether the tasks get a public IP (public subnets, no NAT). */
  readonly assignPublicIp: boolean;
  /** The database's and the migrate-user Lambda's subnets: no route to or from the internet. */
  readonly isolatedSubnets: ec2.SubnetSelection = { subnetGroupName: 'isolated' };

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const port = props.containerPort ?? 3001;
    const privateTasks = settings.privateTasks;
    const tasksSubnetType =
      settings.natGateways > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;

    const subnetConfiguration: ec2.SubnetConfiguration[] = [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
      { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
    ];
    if (privateTasks) subnetConfiguration.push({ name: 'tasks', subnetType: tasksSubnetType, cidrMask: 22 });

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(settings.cidr),
      maxAzs: settings.maxAzs,
      natGateways: settings.natGateways,
      subnetConfiguration,
      restrictDefaultSecurityGroup: false,
    });
    if (settings.flowLogs) {
      // Rejected traffic only: enough to see what the security groups refuse, a fraction of the cost of ALL.
      this.vpc.addFlowLog('RejectedTraffic', {
        trafficType: ec2.FlowLogTrafficType.REJECT,
        destination: ec2.FlowLogDestination.toCloudWatchLogs(
          new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_MONTH }),
        ),
      });
    }

    this.taskSubnets = privateTasks ? { subnetGroupName: 'tasks' } : { subnetType: ec2.SubnetType.PUBLIC };
    this.assignPublicIp = !privateTasks;

    this.albSecurityGroup = new ec2.SecurityGroup(this, 'AlbSecurityGroup', {
      vpc: this.vpc,
      description: 'Load balancer: from CloudFront origin-facing addresses only, out to the API tasks only',
      allowAllOutbound: false,
    });
    this.cloudFrontPrefixListId = settings.cloudFrontPrefixListId ?? this.lookUpCloudFrontPrefixList();
    // One rule: the prefix list weighs 55 of a security group's default 60 rules.
    this.albSecurityGroup.addIngressRule(
      ec2.Peer.prefixList(this.cloudFrontPrefixListId),
      ec2.Port.tcp(props.albPort ?? 80),
      'CloudFront origin-facing addresses only',
    );

    this.tasksSecurityGroup = new ec2.SecurityGroup(this, 'TasksSecurityGroup', {
      vpc: this.vpc,
      description: 'API and worker tasks: inbound only from the load balancer',
      // Out: ECR, Secrets Manager, S3, Cognito JWKS, the database and the app's third-party APIs.
      allowAllOutbound: true,
    });
    this.tasksSecurityGroup.addIngressRule(
      this.albSecurityGroup,
      ec2.Port.tcp(port),
      'API port from the load balancer',
    );
    this.albSecurityGroup.addEgressRule(this.tasksSecurityGroup, ec2.Port.tcp(port), 'To the API tasks');

    this.databaseSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: this.vpc,
      description: 'PostgreSQL: 5432 from the ECS tasks and the migrate-user Lambda only',
      allowAllOutbound: false,
    });
    this.databaseSecurityGroup.addIngressRule(
      this.tasksSecurityGroup,
      ec2.Port.tcp(5432),
      'PostgreSQL from the ECS tasks',
    );

    this.migrateUserSecurityGroup = new ec2.SecurityGroup(this, 'MigrateUserSecurityGroup', {
      vpc: this.vpc,
      description: 'migrate-user Lambda: out to the database and the Secrets Manager endpoint only',
      allowAllOutbound: false,
    });
    this.databaseSecurityGroup.addIngressRule(
      this.migrateUserSecurityGroup,
      ec2.Port.tcp(5432),
      'PostgreSQL from the migrate-user Lambda',
    );
    this.migrateUserSecurityGroup.addEgressRule(
      this.databaseSecurityGroup,
      ec2.Port.tcp(5432),
      'To PostgreSQL',
    );

    const lambdaEndpoint = props.lambdaSecretsEndpoint ?? true;
    if (privateTasks || lambdaEndpoint) {
      this.endpointsSecurityGroup = new ec2.SecurityGroup(this, 'EndpointsSecurityGroup', {
        vpc: this.vpc,
        description: 'VPC interface endpoints: HTTPS from the tasks and the migrate-user Lambda',
        allowAllOutbound: false,
      });
      this.endpointsSecurityGroup.addIngressRule(
        this.tasksSecurityGroup,
        ec2.Port.tcp(443),
        'HTTPS from the ECS tasks',
      );
      this.endpointsSecurityGroup.addIngressRule(
        this.migrateUserSecurityGroup,
        ec2.Port.tcp(443),
        'HTTPS from the migrate-user Lambda',
      );
      this.migrateUserSecurityGroup.addEgressRule(
        this.endpointsSecurityGroup,
        ec2.Port.tcp(443),
        'To the VPC endpoints',
      );
      const endpointOptions = {
        securityGroups: [this.endpointsSecurityGroup],
        open: false,
        privateDnsEnabled: true,
      };
      if (privateTasks) {
        // ~$7.30/month per endpoint per AZ: 4 endpoints here.
        this.vpc.addInterfaceEndpoint('EcrApiEndpoint', {
          service: ec2.InterfaceVpcEndpointAwsService.ECR,
          subnets: this.taskSubnets,
          ...endpointOptions,
        });
        this.vpc.addInterfaceEndpoint('EcrDockerEndpoint', {
          service: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
          subnets: this.taskSubnets,
          ...endpointOptions,
        });
        this.vpc.addInterfaceEndpoint('LogsEndpoint', {
          service: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
          subnets: this.taskSubnets,
          ...endpointOptions,
        });
        this.vpc.addInterfaceEndpoint('SecretsManagerEndpoint', {
          service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
          subnets: this.taskSubnets,
          ...endpointOptions,
        });
        // Free: S3 traffic (image layers, the app's buckets) stays off the NAT gateway / internet.
        this.vpc.addGatewayEndpoint('S3Endpoint', {
          service: ec2.GatewayVpcEndpointAwsService.S3,
          subnets: [this.taskSubnets],
        });
      } else {
        // One AZ is enough for the Lambda (the database is single-AZ too): ~$7.30/month.
        this.vpc.addInterfaceEndpoint('SecretsManagerEndpoint', {
          service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
          subnets: { subnets: [this.vpc.isolatedSubnets[0]!] },
          ...endpointOptions,
        });
      }
    }

    new CfnOutput(this, OUTPUT_KEYS.vpcId, { value: this.vpc.vpcId, description: 'VPC of the app' });
    new CfnOutput(this, OUTPUT_KEYS.region, { value: this.region, description: 'Region of the stack' });
  }

  /**
   * The managed prefix list's ID differs per region, and a context lookup (`PrefixList.fromLookup`) would
   * pin the stacks to one account and region and make synth call AWS; this asks EC2 at deploy time instead.
   */
  private lookUpCloudFrontPrefixList(): string {
    const lookup = new cr.AwsCustomResource(this, 'CloudFrontPrefixList', {
      onUpdate: {
        service: 'EC2',
        action: 'describeManagedPrefixLists',
        parameters: { Filters: [{ Name: 'prefix-list-name', Values: [CLOUDFRONT_PREFIX_LIST_NAME] }] },
        physicalResourceId: cr.PhysicalResourceId.of(CLOUDFRONT_PREFIX_LIST_NAME),
        outputPaths: ['PrefixLists.0.PrefixListId'],
      },
      // ec2:DescribeManagedPrefixLists has no resource-level permissions.
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
    });
    suppress(this, [
      {
        id: 'AwsSolutions-IAM4',
        reason: "The custom-resource Lambda's AWS-managed basic execution policy (logs only).",
        appliesTo: [LAMBDA_MANAGED_POLICIES[0]!],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'ec2:DescribeManagedPrefixLists cannot be scoped to a resource.',
        appliesTo: ['Resource::*'],
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          "The runtime of CDK's AwsCustomResource Lambda is chosen by CDK, which tracks the latest Node.js.",
      },
    ]);
    return lookup.getResponseField('PrefixLists.0.PrefixListId');
  }
}

/** The AWS-managed prefix list of CloudFront's addresses that reach origins. */
export const CLOUDFRONT_PREFIX_LIST_NAME = 'com.amazonaws.global.cloudfront.origin-facing';
