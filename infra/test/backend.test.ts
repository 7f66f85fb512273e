import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ORIGIN_VERIFY_HEADER } from '../lib/backend-stack.ts';
import { logicalId, synth, type Synthesized } from './helpers.ts';

interface Container {
  Name: string;
  Image: unknown;
  Command?: string[];
  PortMappings?: { ContainerPort: number }[];
  Environment: { Name: string; Value: unknown }[];
  Secrets: { Name: string; ValueFrom: unknown }[];
  LogConfiguration: { LogDriver: string; Options: Record<string, unknown> };
}

/** The backend stack's Docker image assets, from its asset manifest (what `cdk deploy` builds and pushes). */
function dockerImages(s: Synthesized) {
  const file = path.join(s.assembly.directory, `${s.stacks.backend.artifactId}.assets.json`);
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
    dockerImages: Record<string, { source: { directory: string; dockerFile?: string; platform?: string } }>;
  };
  return Object.entries(manifest.dockerImages).map(([hash, image]) => ({ hash, ...image }));
}

function taskDefinition(t: Template, s: Synthesized, which: 'apiService' | 'workerService') {
  const id = logicalId(s.stacks.backend[which].taskDefinition);
  const props = t.findResources('AWS::ECS::TaskDefinition')[id]!.Properties;
  return { props, container: props.ContainerDefinitions[0] as Container };
}

describe('backend stack', () => {
  describe('GIVEN the default settings (no domain)', () => {
    const s = synth();
    const t = s.template('backend');
    const api = taskDefinition(t, s, 'apiService');
    const worker = taskDefinition(t, s, 'workerService');

    test('WHEN synthesised THEN the image is an asset the deploy builds for linux/arm64 from the backend Dockerfile, and no repository is created', () => {
      t.resourceCountIs('AWS::ECR::Repository', 0);
      t.resourceCountIs('AWS::ECS::Cluster', 1);
      const images = dockerImages(s);
      assert.equal(images.length, 1);
      assert.equal(images[0]!.source.dockerFile, 'examples/backend/Dockerfile');
      assert.equal(images[0]!.source.platform, 'linux/arm64');
      // The tag is the content hash: a tag always names the same image.
      assert.match(JSON.stringify(api.container.Image), new RegExp(images[0]!.hash));
    });

    test('WHEN synthesised THEN the staged build context holds only what the Dockerfile copies', () => {
      const staged = path.join(s.assembly.directory, dockerImages(s)[0]!.source.directory);
      assert.ok(existsSync(path.join(staged, 'examples/backend/Dockerfile')));
      assert.ok(existsSync(path.join(staged, 'packages/runtime/src/db/create-pool.ts')));
      assert.ok(existsSync(path.join(staged, 'examples/backend/src/server.ts')));
      for (const absent of ['node_modules', 'infra', 'src', 'test', 'fixtures', 'packages/runtime/dist']) {
        assert.ok(!existsSync(path.join(staged, absent)), `${absent} is not in the build context`);
      }
    });

    test('WHEN synthesised THEN the API task is 0.5 vCPU / 1 GB on Fargate ARM64 (Graviton), on port 3001', () => {
      assert.equal(api.props.Cpu, '512');
      assert.equal(api.props.Memory, '1024');
      assert.deepEqual(api.props.RequiresCompatibilities, ['FARGATE']);
      for (const task of [api, worker]) {
        assert.deepEqual(task.props.RuntimePlatform, {
          CpuArchitecture: 'ARM64',
          OperatingSystemFamily: 'LINUX',
        });
      }
      assert.deepEqual(
        api.container.PortMappings?.map((p) => p.ContainerPort),
        [3001],
      );
      assert.equal(api.container.Command, undefined, 'the image default command is the API');
    });

    test('WHEN synthesised THEN the VideoJobExecutor is its own service from the same image with another command', () => {
      assert.deepEqual(worker.container.Image, api.container.Image);
      assert.deepEqual(worker.container.Command, ['node', 'dist/examples/backend/src/worker.js']);
      assert.deepEqual(worker.container.PortMappings ?? [], []);
      t.resourceCountIs('AWS::ECS::Service', 2);
      const services = t.findResources('AWS::ECS::Service');
      const workerService = services[logicalId(s.stacks.backend.workerService)]!.Properties;
      assert.equal(workerService.LoadBalancers, undefined);
      assert.equal(workerService.DesiredCount, 1);
    });

    test('WHEN synthesised THEN the API service runs 1 task, scales between 1 and 4 on CPU, behind the target group', () => {
      t.hasResourceProperties('AWS::ECS::Service', {
        DesiredCount: 1,
        LaunchType: 'FARGATE',
        LoadBalancers: [{ ContainerName: 'api', ContainerPort: 3001, TargetGroupArn: Match.anyValue() }],
        DeploymentConfiguration: Match.objectLike({
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        }),
      });
      t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
        MinCapacity: 1,
        MaxCapacity: 4,
        ScalableDimension: 'ecs:service:DesiredCount',
      });
      t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
          TargetValue: 60,
        }),
      });
    });

    test('WHEN synthesised THEN tasks run in public subnets with a public IP and only the tasks security group', () => {
      for (const service of Object.values(t.findResources('AWS::ECS::Service'))) {
        const net = service.Properties.NetworkConfiguration.AwsvpcConfiguration;
        assert.equal(net.AssignPublicIp, 'ENABLED');
        for (const subnet of net.Subnets) assert.match(subnet['Fn::ImportValue'], /VpcpublicSubnet\d/);
        assert.equal(net.SecurityGroups.length, 1);
        assert.match(
          net.SecurityGroups[0]['Fn::ImportValue'],
          new RegExp(`GetAtt${logicalId(s.stacks.network.tasksSecurityGroup)}GroupId`),
        );
      }
      // All rules live in the network stack: nothing here opens a port.
      t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
      t.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    });

    test('WHEN synthesised THEN the ALB has one listener whose default answer is 403, forwarding only requests with the origin secret header', () => {
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        Scheme: 'internet-facing',
        SecurityGroups: [
          {
            'Fn::ImportValue': Match.stringLikeRegexp(
              `GetAtt${logicalId(s.stacks.network.albSecurityGroup)}GroupId`,
            ),
          },
        ],
      });
      t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [
          { Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '403' }) },
        ],
      });
      const rules = Object.values(t.findResources('AWS::ElasticLoadBalancingV2::ListenerRule'));
      assert.equal(rules.length, 1);
      const rule = rules[0]!.Properties;
      assert.equal(rule.Actions[0].Type, 'forward');
      assert.equal(rule.Conditions.length, 1);
      assert.equal(rule.Conditions[0].Field, 'http-header');
      assert.equal(rule.Conditions[0].HttpHeaderConfig.HttpHeaderName, ORIGIN_VERIFY_HEADER);
      assert.match(
        JSON.stringify(rule.Conditions[0].HttpHeaderConfig.Values),
        new RegExp(`resolve:secretsmanager:.*${logicalId(s.stacks.backend.originSecret)}`),
      );
      t.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: 'Aiuteur/origin-verify',
        GenerateSecretString: Match.objectLike({ ExcludePunctuation: true }),
      });
      t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    });

    test('WHEN synthesised THEN the target group checks /health/live on 3001 (the process, not the database)', () => {
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Port: 3001,
        Protocol: 'HTTP',
        TargetType: 'ip',
        HealthCheckPath: '/health/live',
        Matcher: { HttpCode: '200' },
      });
    });

    test('WHEN synthesised THEN the DB password and the app secrets are injected from Secrets Manager, not as plain env', () => {
      for (const { container } of [api, worker]) {
        const secrets = Object.fromEntries(
          container.Secrets.map((x) => [x.Name, JSON.stringify(x.ValueFrom)]),
        );
        assert.deepEqual(Object.keys(secrets).sort(), ['GOOGLE_APPLICATION_CREDENTIALS_JSON', 'PGUSER']);
        // The app role's login, never the master user's.
        assert.match(secrets.PGUSER!, /AppUserSecret.*:username::/);
        assert.doesNotMatch(JSON.stringify(container.Secrets), /MasterSecret/);
        assert.match(
          secrets.GOOGLE_APPLICATION_CREDENTIALS_JSON!,
          /AppSecret.*:GOOGLE_APPLICATION_CREDENTIALS_JSON::/,
        );
        const env = Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value]));
        for (const name of ['PGPASSWORD', 'PGUSER', 'DATABASE_URL', 'GOOGLE_APPLICATION_CREDENTIALS_JSON']) {
          assert.ok(!(name in env), name);
        }
        for (const name of [
          'PGHOST',
          'PGPORT',
          'PGDATABASE',
          'S3_VIDEOS_BUCKET',
          'COGNITO_USER_POOL_ID',
          'COGNITO_CLIENT_ID',
        ]) {
          assert.ok(name in env, name);
        }
        assert.equal(env.PGSSLMODE, 'verify-full');
        // The rest of the app secret is loaded at boot by loadSecrets({ secretId: SECRETS_ID }).
        assert.deepEqual(env.SECRETS_ID, { Ref: logicalId(s.stacks.backend.appSecret) });
      }
      t.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: {
          SecretStringTemplate: JSON.stringify({ GOOGLE_APPLICATION_CREDENTIALS_JSON: '' }),
          GenerateStringKey: 'SUPA2AWS_PLACEHOLDER',
        },
      });
    });

    test('WHEN synthesised THEN both services log to their own log group kept 30 days', () => {
      t.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 2);
      for (const { container } of [api, worker]) {
        assert.equal(container.LogConfiguration.LogDriver, 'awslogs');
        assert.match(JSON.stringify(container.LogConfiguration.Options['awslogs-group']), /Logs/);
      }
    });

    test('WHEN synthesised THEN no CORS origin is set: the SPA calls the API on its own origin', () => {
      assert.equal(
        api.container.Environment.find((e) => e.Name === 'CORS_ORIGINS'),
        undefined,
      );
    });

    test('WHEN synthesised THEN the tasks log in as the app role: PGUSER and DATABASE_SECRET_ID name the app secret, which their roles may read, and the master secret appears nowhere', () => {
      for (const { props, container } of [api, worker]) {
        const env = Object.fromEntries(container.Environment.map((e) => [e.Name, JSON.stringify(e.Value)]));
        assert.match(env.DATABASE_SECRET_ID!, /AppUserSecret/);
        assert.doesNotMatch(env.DATABASE_SECRET_ID!, /MasterSecret|MigrateUserSecret/);
        assert.ok(
          !container.Secrets.some((x) => x.Name === 'PGPASSWORD'),
          'no password frozen at task start',
        );
        const role = (props.TaskRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        const policies = Object.values(t.findResources('AWS::IAM::Policy')).filter((p) =>
          JSON.stringify(p.Properties.Roles).includes(role),
        );
        const reads = policies.flatMap(
          (p) => p.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>,
        );
        const secretReads = JSON.stringify(
          reads.filter((st) => JSON.stringify(st.Action).includes('GetSecretValue')),
        );
        assert.match(secretReads, /AppUserSecret/);
        assert.doesNotMatch(secretReads, /MasterSecret|MigrateUserSecret/);
      }
      assert.doesNotMatch(JSON.stringify(t.toJSON()), /MasterSecret/);
    });

    test('WHEN synthesised THEN only the API task role may call cognito-idp:AdminGetUser, on the user pool only', () => {
      const roleOf = (which: 'apiService' | 'workerService') =>
        logicalId(s.stacks.backend[which].taskDefinition.taskRole);
      const statements = (role: string) =>
        Object.values(t.findResources('AWS::IAM::Policy'))
          .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]))
          .flatMap(
            (p) => p.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>,
          );
      const adminGetUser = (role: string) =>
        statements(role).filter((x) => JSON.stringify(x.Action).includes('cognito-idp:AdminGetUser'));
      const api = adminGetUser(roleOf('apiService'));
      assert.equal(api.length, 1);
      assert.match(
        JSON.stringify(api[0]!.Resource),
        /Aiuteur-Auth:ExportsOutputFnGetAttUserPool[0-9A-F]+Arn/,
      );
      assert.deepEqual(adminGetUser(roleOf('workerService')), []);
    });

    test('WHEN synthesised THEN the task role may read and write the three app buckets', () => {
      const policies = JSON.stringify(t.findResources('AWS::IAM::Policy'));
      for (const bucket of ['Videos', 'Images', 'AssetImages']) {
        assert.match(policies, new RegExp(`Aiuteur-Storage:ExportsOutputFnGetAtt${bucket}[0-9A-F]{8}Arn`));
      }
      assert.match(policies, /s3:PutObject/);
    });
  });

  describe('GIVEN x86_64, a worker command and autoscaling bounds', () => {
    test('WHEN synthesised THEN the tasks are X86_64, the image is built for linux/amd64, the worker runs that command within those bounds', () => {
      const s = synth({
        backend: { cpuArchitecture: 'x86_64', workerCommand: ['node', 'worker.js'], apiMaxCount: 3 },
      });
      const t = s.template('backend');
      const { container, props } = taskDefinition(t, s, 'workerService');
      assert.equal(props.RuntimePlatform.CpuArchitecture, 'X86_64');
      assert.equal(dockerImages(s)[0]!.source.platform, 'linux/amd64');
      assert.deepEqual(container.Command, ['node', 'worker.js']);
      t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
        MinCapacity: 1,
        MaxCapacity: 3,
      });
    });
  });
});
