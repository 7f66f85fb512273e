import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import type { NetworkStack } from './network-stack.ts';
import { suppress } from './nag.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import type { DatabaseSettings } from './settings.ts';

export interface DatabaseStackProps extends StackProps {
  settings: DatabaseSettings;
  network: NetworkStack;
}

/**
 * Characters left out of the generated password so it can sit in a postgres:// URL unescaped
 * (letters, digits and `-_.~` remain: ~30 characters of them is well over 128 bits).
 */
export const PASSWORD_EXCLUDED_CHARACTERS = ' !"#$%&\'()*+,/:;<=>?@[\\]^`{|}';

/**
 * Phase 2: RDS PostgreSQL 16, single-AZ, 20 GB gp3, encrypted, in the isolated subnets, admitting only the
 * tasks and the migrate-user Lambda (rules in the network stack), TLS forced by `rds.force_ssl = 1`,
 * logical replication on while migrating (`rds.logical_replication = 1`, for the way back),
 * the master credentials generated into Secrets Manager, backups kept.
 */
export class DatabaseStack extends Stack {
  readonly instance: rds.DatabaseInstance;
  readonly secret: rds.DatabaseSecret;
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: DatabaseStackProps) {
    super(scope, id, props);
    const { settings, network } = props;
    this.databaseName = settings.databaseName;

    const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: settings.logicalReplication
        ? 'PostgreSQL 16 for the app: TLS required, logical replication on while migrating'
        : 'PostgreSQL 16 for the app: TLS required',
      parameters: {
        'rds.force_ssl': '1',
        ...(settings.logicalReplication ? { 'rds.logical_replication': '1' } : {}),
      },
    });

    this.secret = new rds.DatabaseSecret(this, 'MasterSecret', {
      username: settings.masterUsername,
      dbname: settings.databaseName,
      excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
    });

    this.instance = new rds.DatabaseInstance(this, 'Postgres', {
      engine,
      instanceType: new ec2.InstanceType(settings.instanceType),
      vpc: network.vpc,
      vpcSubnets: network.isolatedSubnets,
      securityGroups: [network.databaseSecurityGroup],
      publiclyAccessible: false,
      multiAz: false,
      allocatedStorage: settings.allocatedStorageGiB,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      credentials: rds.Credentials.fromSecret(this.secret),
      databaseName: settings.databaseName,
      parameterGroup,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      backupRetention: Duration.days(settings.backupRetentionDays),
      deleteAutomatedBackups: false,
      deletionProtection: settings.deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      autoMinorVersionUpgrade: true,
      iamAuthentication: true,
      instanceIdentifier: settings.instanceIdentifier,
      cloudwatchLogsExports: ['postgresql'],
      enablePerformanceInsights: false,
    });

    // Created here (not by RDS, which would keep it forever) so it has a retention period.
    const postgresLogs = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/instance/${settings.instanceIdentifier}/postgresql`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.instance.node.addDependency(postgresLogs);

    suppress(this.instance, [
      {
        id: 'AwsSolutions-RDS3',
        reason:
          'Single-AZ by design (plan cost table: ~$13/month); Multi-AZ doubles the instance cost. Backups are kept.',
      },
      {
        id: 'AwsSolutions-RDS11',
        reason:
          'The app and pg tools expect 5432; the instance is unreachable except from two security groups.',
      },
    ]);
    suppress(this.secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The tasks read the password at start; rotating it would break running tasks until redeployed. Rotate by hand in a maintenance window.',
      },
    ]);

    new CfnOutput(this, OUTPUT_KEYS.dbEndpoint, { value: this.instance.dbInstanceEndpointAddress });
    new CfnOutput(this, OUTPUT_KEYS.dbPort, { value: this.instance.dbInstanceEndpointPort });
    new CfnOutput(this, OUTPUT_KEYS.dbName, { value: settings.databaseName });
    new CfnOutput(this, OUTPUT_KEYS.dbUsername, { value: settings.masterUsername });
    new CfnOutput(this, OUTPUT_KEYS.dbSecretArn, { value: this.secret.secretArn });
    new CfnOutput(this, OUTPUT_KEYS.region, { value: this.region });
  }
}
