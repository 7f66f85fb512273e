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
/** The migrate-user Lambda's role (src/auth/config.ts `auth.migrateRole` default). */
export const MIGRATE_USER_ROLE = 'supa2aws_migrate_user';

export const PASSWORD_EXCLUDED_CHARACTERS = ' !"#$%&\'()*+,/:;<=>?@[\\]^`{|}';

/**
 * Phase 2: RDS PostgreSQL 16 (single-AZ unless multiAz, 20 GB gp3 growing up to maxAllocatedStorageGiB),
 * encrypted, in the isolated subnets, admitting only the tasks and the migrate-user Lambda (rules in the
 * network stack), TLS forced by `rds.force_ssl = 1`, logical replication on while migrating (`rds.logical_replication = 1`,
 * for the way back), backups kept. Three generated secrets: the master
 * user's (operators only), the app role's (API and worker) and the migrate-user role's (the Lambda).
 */
export class DatabaseStack extends Stack {
  readonly instance: rds.DatabaseInstance;
  /** The master user's secret: operators only (migrations, `db app-role`); no task or Lambda reads it. */
  readonly secret: rds.DatabaseSecret;
  /** The app role's login (API and worker): created in the database by `supa2aws db app-role`. */
  readonly appSecret: rds.DatabaseSecret;
  /** The migrate-user Lambda's login (`supa2aws_migrate_user`, created by `supa2aws auth export`). */
  readonly migrateUserSecret: rds.DatabaseSecret;
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
    // Generated here, used by the roles the migration creates: the database never sees them until then.
    this.appSecret = new rds.DatabaseSecret(this, 'AppUserSecret', {
      username: settings.appUsername,
      dbname: settings.databaseName,
      excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
    });
    this.migrateUserSecret = new rds.DatabaseSecret(this, 'MigrateUserSecret', {
      username: MIGRATE_USER_ROLE,
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
      multiAz: settings.multiAz,
      allocatedStorage: settings.allocatedStorageGiB,
      ...(settings.maxAllocatedStorageGiB > 0
        ? { maxAllocatedStorage: settings.maxAllocatedStorageGiB }
        : {}),
      preferredBackupWindow: settings.backupWindow,
      preferredMaintenanceWindow: settings.maintenanceWindow,
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

    // host, port and engine join username/password in both secrets (the migrate-user Lambda needs them).
    this.appSecret.attach(this.instance);
    this.migrateUserSecret.attach(this.instance);

    // Created here (not by RDS, which would keep it forever) so it has a retention period.
    const postgresLogs = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/instance/${settings.instanceIdentifier}/postgresql`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.instance.node.addDependency(postgresLogs);

    suppress(this.instance, [
      ...(settings.multiAz
        ? []
        : [
            {
              id: 'AwsSolutions-RDS3',
              reason:
                'Single-AZ by default (plan cost table: ~$13/month); -c dbMultiAz=true doubles the instance cost. Backups are kept.',
            },
          ]),
      {
        id: 'AwsSolutions-RDS11',
        reason:
          'The app and pg tools expect 5432; the instance is unreachable except from two security groups.',
      },
    ]);
    for (const secret of [this.secret, this.appSecret, this.migrateUserSecret]) {
      suppress(secret, [
        {
          id: 'AwsSolutions-SMG4',
          reason:
            'The app and migrate-user roles exist only after `supa2aws db app-role` / `auth export` run against the deployed instance: a schedule added here would rotate at once a role the database does not have. The API and worker re-read the app secret on each new connection (DATABASE_SECRET_ID) and survive a rotation; guide 03 turns it on once the role exists.',
        },
      ]);
    }

    new CfnOutput(this, OUTPUT_KEYS.dbEndpoint, { value: this.instance.dbInstanceEndpointAddress });
    new CfnOutput(this, OUTPUT_KEYS.dbPort, { value: this.instance.dbInstanceEndpointPort });
    new CfnOutput(this, OUTPUT_KEYS.dbName, { value: settings.databaseName });
    new CfnOutput(this, OUTPUT_KEYS.dbUsername, { value: settings.masterUsername });
    new CfnOutput(this, OUTPUT_KEYS.dbSecretArn, { value: this.secret.secretArn });
    new CfnOutput(this, OUTPUT_KEYS.dbAppSecretArn, { value: this.appSecret.secretArn });
    new CfnOutput(this, OUTPUT_KEYS.dbMigrateUserSecretArn, { value: this.migrateUserSecret.secretArn });
    new CfnOutput(this, OUTPUT_KEYS.region, { value: this.region });
  }
}
