import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { MIGRATION_COGNITO_ACTIONS } from '../lib/migration-stack.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import { RUN_CONTAINER_NAME, RUN_LOG_STREAM_PREFIX, RUNS_PREFIX } from '../../src/aws-run/run-contract.ts';
import { ingressRules, logicalId, synth, type Synthesized } from './helpers.ts';

interface Container {
  Name: string;
  Image: unknown;
  Environment: { Name: string; Value: unknown }[];
  Secrets: { Name: string; ValueFrom: unknown }[];
  LogConfiguration: { LogDriver: string; Options: Record<string, unknown> };
  StopTimeout: number;
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

function dockerImages(s: Synthesized) {
  const file = path.join(s.assembly.directory, `${s.stacks.migration.artifactId}.assets.json`);
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
    dockerImages: Record<string, { source: { directory: string; dockerFile?: string; platform?: string } }>;
  };
  return Object.values(manifest.dockerImages);
}

function resources(s: Synthesized): Resources {
  return s.template('migration').toJSON().Resources as Resources;
}

/** Every statement of the policies attached to a role (by the role's logical ID). */
function statementsOf(s: Synthesized, roleId: string): Statement[] {
  return Object.values(resources(s))
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((st) => [st.Action].flat());

function outputs(s: Synthesized): Record<string, unknown> {
  const all = s.template('migration').toJSON().Outputs as Record<string, { Value: unknown }>;
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.Value]));
}

describe('migration stack', () => {
  describe('GIVEN the default settings (tasks in public subnets, no NAT gateway)', () => {
    const s = synth();
    const stack = s.stacks.migration;
    const taskId = logicalId(stack.taskDefinition);
    const task = resources(s)[taskId]!.Properties;
    const container = (task.ContainerDefinitions as Container[])[0]!;

    test('WHEN synthesised THEN the CLI image is an asset built for linux/arm64 from docker/cli/Dockerfile, its context holding only what the Dockerfile copies', () => {
      const images = dockerImages(s);
      assert.equal(images.length, 1);
      assert.equal(images[0]!.source.dockerFile, 'docker/cli/Dockerfile');
      assert.equal(images[0]!.source.platform, 'linux/arm64');
      const staged = path.join(s.assembly.directory, images[0]!.source.directory);
      for (const present of [
        'docker/cli/Dockerfile',
        'src/cli/main.ts',
        'bin/supa2aws.js',
        'packages/runtime/src/db/libpq.ts',
        'packages/runtime/certs/rds/global-bundle.pem',
      ])
        assert.ok(existsSync(path.join(staged, present)), `${present} is in the build context`);
      for (const absent of ['node_modules', 'infra', 'test', 'fixtures', 'examples', '.sandbox'])
        assert.ok(!existsSync(path.join(staged, absent)), `${absent} is not in the build context`);
    });

    test('WHEN synthesised THEN one Fargate ARM64 task definition runs the supa2aws container, logging to its own log group', () => {
      assert.deepEqual(task.RequiresCompatibilities, ['FARGATE']);
      assert.deepEqual(task.RuntimePlatform, { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
      assert.equal(task.Cpu, '1024');
      assert.equal(task.Memory, '2048');
      assert.equal(container.Name, RUN_CONTAINER_NAME);
      assert.equal(container.StopTimeout, 120);
      assert.equal(container.LogConfiguration.LogDriver, 'awslogs');
      assert.equal(container.LogConfiguration.Options['awslogs-stream-prefix'], RUN_LOG_STREAM_PREFIX);
      assert.deepEqual(container.LogConfiguration.Options['awslogs-group'], {
        Ref: logicalId(stack.logGroup),
      });
      s.template('migration').hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
      s.template('migration').resourceCountIs('AWS::ECS::Cluster', 1);
      s.template('migration').resourceCountIs('AWS::ECS::Service', 0);
    });

    test('WHEN synthesised THEN the RDS passwords arrive as ECS secrets by ARN and key, and the environment holds no secret value', () => {
      const secrets = Object.fromEntries(container.Secrets.map((x) => [x.Name, JSON.stringify(x.ValueFrom)]));
      assert.deepEqual(Object.keys(secrets).sort(), [
        'SUPA2AWS_APP_DB_PASSWORD',
        'SUPA2AWS_MIGRATE_USER_PASSWORD',
        'SUPA2AWS_TARGET_DB_PASSWORD',
      ]);
      for (const [name, from] of Object.entries(secrets)) {
        assert.match(from, /Fn::ImportValue/, `${name} is a reference to the database stack's secret`);
        assert.match(from, /:password::/, `${name} is that secret's password key`);
      }
      assert.match(secrets.SUPA2AWS_TARGET_DB_PASSWORD!, /MasterSecret/);
      assert.match(secrets.SUPA2AWS_APP_DB_PASSWORD!, /AppUserSecret/);
      assert.match(secrets.SUPA2AWS_MIGRATE_USER_PASSWORD!, /MigrateUserSecret/);
      const env = Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value]));
      assert.deepEqual(Object.keys(env).sort(), ['AWS_REGION', 'SUPA2AWS_SECRETS_ID']);
      assert.deepEqual(env.SUPA2AWS_SECRETS_ID, { Ref: logicalId(stack.migrationSecret) });
    });

    test('WHEN synthesised THEN the task role may use the app buckets, its runs/ folder, the migration secret and the auth phase’s Cognito calls, and nothing else', () => {
      const role = logicalId(stack.taskDefinition.taskRole);
      const statements = statementsOf(s, role);
      const actions = new Set(actionsOf(statements));
      assert.ok(![...actions].some((a) => a === '*' || a.endsWith(':*')), [...actions].join(', '));
      const services = new Set([...actions].map((a) => a.split(':')[0]));
      assert.deepEqual([...services].sort(), ['cognito-idp', 's3', 'secretsmanager']);
      const cognito = statements.filter((st) => actionsOf([st]).some((a) => a.startsWith('cognito-idp:')));
      assert.deepEqual(actionsOf(cognito).sort(), [...MIGRATION_COGNITO_ACTIONS].sort());
      for (const st of cognito) assert.match(JSON.stringify(st.Resource), /UserPool/);
      const secrets = statements.filter((st) => actionsOf([st]).some((a) => a.startsWith('secretsmanager:')));
      assert.deepEqual(
        secrets.map((st) => st.Resource),
        [{ Ref: logicalId(stack.migrationSecret) }],
      );
      const s3Resources = JSON.stringify(
        statements.filter((st) => actionsOf([st]).some((a) => a.startsWith('s3:'))),
      );
      for (const bucket of ['Videos', 'Images', 'AssetImages']) assert.match(s3Resources, new RegExp(bucket));
      assert.ok(s3Resources.includes(`/${RUNS_PREFIX}*`), 'the runs bucket only under runs/');
      assert.doesNotMatch(s3Resources, /AccessLogs/);
    });

    test('WHEN synthesised THEN only the execution role reads the RDS secrets, to inject them', () => {
      const execution = statementsOf(s, logicalId(stack.taskDefinition.executionRole!));
      const reads = execution.filter((st) => actionsOf([st]).includes('secretsmanager:GetSecretValue'));
      const read = JSON.stringify(reads.map((st) => st.Resource));
      for (const secret of ['MasterSecret', 'AppUserSecret', 'MigrateUserSecret'])
        assert.match(read, new RegExp(secret));
      const taskRead = JSON.stringify(statementsOf(s, logicalId(stack.taskDefinition.taskRole)));
      assert.doesNotMatch(taskRead, /MasterSecret|AppUserSecret|MigrateUserSecret/);
    });

    test('WHEN synthesised THEN the outputs give aws run the API tasks’ public subnets and security group (which the database admits on 5432) and a public IP', () => {
      const o = outputs(s);
      assert.match(JSON.stringify(o[OUTPUT_KEYS.migrationSubnetIds]), /VpcpublicSubnet1/);
      assert.doesNotMatch(JSON.stringify(o[OUTPUT_KEYS.migrationSubnetIds]), /isolated/);
      const sg = JSON.stringify(o[OUTPUT_KEYS.migrationSecurityGroupIds]);
      assert.match(sg, /TasksSecurityGroup/);
      const network = s.template('network');
      const tasksSg = logicalId(s.stacks.network.tasksSecurityGroup);
      const dbSg = logicalId(s.stacks.network.databaseSecurityGroup);
      assert.ok(
        ingressRules(network, dbSg).some((r) => r.from === `sg:${tasksSg}` && r.fromPort === 5432),
        'the database admits the tasks’ security group',
      );
      assert.equal(o[OUTPUT_KEYS.migrationAssignPublicIp], 'ENABLED');
      assert.equal(o[OUTPUT_KEYS.migrationContainerName], RUN_CONTAINER_NAME);
      assert.equal(o[OUTPUT_KEYS.migrationLogStreamPrefix], RUN_LOG_STREAM_PREFIX);
      assert.deepEqual(o[OUTPUT_KEYS.migrationRunsBucketName], { Ref: logicalId(stack.runsBucket) });
    });

    test('WHEN synthesised THEN the runs bucket is private, encrypted, TLS-only and expires runs', () => {
      s.template('migration').hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: [
            {
              ExpirationInDays: 30,
              Status: 'Enabled',
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
      });
      assert.match(JSON.stringify(s.template('migration').toJSON()), /aws:SecureTransport/);
    });
  });

  describe('GIVEN private tasks behind a NAT gateway, on x86', () => {
    const s = synth({
      network: { privateTasks: true, natGateways: 1 },
      migration: { cpuArchitecture: 'x86_64' },
    });

    test('WHEN synthesised THEN aws run starts the task in the tasks subnets without a public IP, built for linux/amd64', () => {
      const o = outputs(s);
      assert.match(JSON.stringify(o[OUTPUT_KEYS.migrationSubnetIds]), /VpctasksSubnet1/);
      assert.equal(o[OUTPUT_KEYS.migrationAssignPublicIp], 'DISABLED');
      assert.equal(dockerImages(s)[0]!.source.platform, 'linux/amd64');
    });
  });

  describe('GIVEN private tasks with endpoints only (no NAT gateway)', () => {
    const s = synth({ network: { privateTasks: true, cloudFrontPrefixListId: 'pl-3b927c52' } });

    test('WHEN synthesised THEN the stack warns that the tasks cannot reach Supabase', () => {
      const messages = s.assembly.getStackArtifact(s.stacks.migration.artifactId).messages;
      assert.ok(
        messages.some(
          (m) =>
            m.level === 'warning' &&
            /reach AWS through the endpoints but not Supabase/.test(String(m.entry.data)),
        ),
      );
    });
  });
});
