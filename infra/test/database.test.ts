import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { PASSWORD_EXCLUDED_CHARACTERS } from '../lib/database-stack.ts';
import { logicalId, synth } from './helpers.ts';

describe('database stack', () => {
  describe('GIVEN the default settings', () => {
    const s = synth();
    const t = s.template('database');

    test('WHEN synthesised THEN it is PostgreSQL 16 on db.t4g.micro, single-AZ, 20 GB gp3, encrypted, private', () => {
      t.resourceCountIs('AWS::RDS::DBInstance', 1);
      t.hasResourceProperties('AWS::RDS::DBInstance', {
        Engine: 'postgres',
        EngineVersion: '16',
        DBInstanceClass: 'db.t4g.micro',
        MultiAZ: false,
        AllocatedStorage: '20',
        StorageType: 'gp3',
        StorageEncrypted: true,
        PubliclyAccessible: false,
        DBName: 'aiuteur',
        DBInstanceIdentifier: 'aiuteur',
      });
    });

    test('WHEN synthesised THEN the parameter group forces TLS, turns logical replication on, and the CA is RSA2048 G1', () => {
      t.hasResourceProperties('AWS::RDS::DBParameterGroup', {
        Family: 'postgres16',
        Parameters: { 'rds.force_ssl': '1', 'rds.logical_replication': '1' },
      });
      t.hasResourceProperties('AWS::RDS::DBInstance', {
        DBParameterGroupName: { Ref: Match.stringLikeRegexp('^Parameters') },
        CACertificateIdentifier: 'rds-ca-rsa2048-g1',
      });
    });

    test('WHEN synthesised THEN backups are kept 7 days and deletion is protected', () => {
      t.hasResource('AWS::RDS::DBInstance', {
        Properties: Match.objectLike({
          BackupRetentionPeriod: 7,
          DeletionProtection: true,
          DeleteAutomatedBackups: false,
          PreferredBackupWindow: '03:00-04:00',
          PreferredMaintenanceWindow: 'sun:04:30-sun:05:30',
          MaxAllocatedStorage: 100,
        }),
        DeletionPolicy: 'Snapshot',
      });
    });

    test('WHEN synthesised THEN the app role and the migrate-user role each get a generated, attached secret of their own', () => {
      for (const username of ['aiuteur_app', 'supa2aws_migrate_user']) {
        t.hasResourceProperties('AWS::SecretsManager::Secret', {
          GenerateSecretString: {
            SecretStringTemplate: JSON.stringify({ username, dbname: 'aiuteur' }),
            GenerateStringKey: 'password',
            ExcludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
          },
        });
      }
      // host/port join username/password (the Lambda reads them from the secret).
      t.resourceCountIs('AWS::SecretsManager::SecretTargetAttachment', 3);
      t.hasOutput('DbAppSecretArn', { Value: { Ref: Match.stringLikeRegexp('^AppUserSecret') } });
      t.hasOutput('DbMigrateUserSecretArn', { Value: { Ref: Match.stringLikeRegexp('^MigrateUserSecret') } });
    });

    test('WHEN synthesised THEN it sits in the isolated subnets behind the database security group', () => {
      const group = Object.values(t.findResources('AWS::RDS::DBSubnetGroup'))[0]!;
      const subnets = group.Properties.SubnetIds as { 'Fn::ImportValue': string }[];
      assert.equal(subnets.length, 2);
      for (const subnet of subnets) assert.match(subnet['Fn::ImportValue'], /VpcisolatedSubnet\d/);
      t.hasResourceProperties('AWS::RDS::DBInstance', {
        VPCSecurityGroups: [
          {
            'Fn::ImportValue': Match.stringLikeRegexp(
              `GetAtt${logicalId(s.stacks.network.databaseSecurityGroup)}GroupId`,
            ),
          },
        ],
      });
    });

    test('WHEN synthesised THEN the master credentials are generated into Secrets Manager, URL-safe, never in the template', () => {
      t.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: {
          SecretStringTemplate: JSON.stringify({ username: 'postgres', dbname: 'aiuteur' }),
          GenerateStringKey: 'password',
          ExcludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
        },
      });
      t.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
        TargetType: 'AWS::RDS::DBInstance',
      });
      const instance = Object.values(t.findResources('AWS::RDS::DBInstance'))[0]!.Properties;
      assert.match(JSON.stringify(instance.MasterUserPassword), /resolve:secretsmanager/);
      for (const c of '@/:?#%') assert.ok(PASSWORD_EXCLUDED_CHARACTERS.includes(c), `${c} is excluded`);
    });

    test('WHEN synthesised THEN PostgreSQL logs go to a log group with a retention period', () => {
      t.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: '/aws/rds/instance/aiuteur/postgresql',
        RetentionInDays: 30,
      });
      t.hasResourceProperties('AWS::RDS::DBInstance', { EnableCloudwatchLogsExports: ['postgresql'] });
    });

    test('WHEN synthesised THEN the outputs name the endpoint and the secret', () => {
      t.hasOutput('DbEndpoint', {
        Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Postgres'), 'Endpoint.Address'] },
      });
      t.hasOutput('DbSecretArn', { Value: { Ref: Match.stringLikeRegexp('^MasterSecret') } });
    });
  });

  describe('GIVEN Multi-AZ, a storage ceiling and windows', () => {
    test('WHEN synthesised THEN the instance has them', () => {
      synth({
        database: {
          multiAz: true,
          maxAllocatedStorageGiB: 500,
          backupWindow: '01:00-02:00',
          maintenanceWindow: 'sat:03:00-sat:04:00',
        },
      })
        .template('database')
        .hasResourceProperties('AWS::RDS::DBInstance', {
          MultiAZ: true,
          MaxAllocatedStorage: 500,
          PreferredBackupWindow: '01:00-02:00',
          PreferredMaintenanceWindow: 'sat:03:00-sat:04:00',
        });
    });
  });

  describe('GIVEN instanceType t3.micro (the plan’s class)', () => {
    test('WHEN synthesised THEN the instance is db.t3.micro', () => {
      synth({ database: { instanceType: 't3.micro' } })
        .template('database')
        .hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.t3.micro' });
    });
  });

  describe('GIVEN logical replication turned off after the migration', () => {
    const t = synth({ database: { logicalReplication: false } }).template('database');

    test('WHEN synthesised THEN the parameter group only forces TLS', () => {
      t.hasResourceProperties('AWS::RDS::DBParameterGroup', { Parameters: { 'rds.force_ssl': '1' } });
      const groups = t.findResources('AWS::RDS::DBParameterGroup');
      for (const group of Object.values(groups))
        assert.equal(
          (group.Properties as { Parameters: Record<string, string> }).Parameters['rds.logical_replication'],
          undefined,
        );
    });
  });
});
