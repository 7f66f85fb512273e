import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match, type Template } from 'aws-cdk-lib/assertions';
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

    test('WHEN synthesised THEN the ECR repository aiuteur-backend scans images on push', () => {
      t.hasResourceProperties('AWS::ECR::Repository', {
        RepositoryName: 'aiuteur-backend',
        ImageScanningConfiguration: { ScanOnPush: true },
      });
      t.resourceCountIs('AWS::ECS::Cluster', 1);
    });

    test('WHEN synthesised THEN the API task is 0.5 vCPU / 1 GB on Fargate, running the tagged image on port 3001', () => {
      assert.equal(api.props.Cpu, '512');
      assert.equal(api.props.Memory, '1024');
      assert.deepEqual(api.props.RequiresCompatibilities, ['FARGATE']);
      assert.deepEqual(
        api.container.PortMappings?.map((p) => p.ContainerPort),
        [3001],
      );
      assert.match(JSON.stringify(api.container.Image), /:latest"\]\]\}$/);
      assert.match(JSON.stringify(api.container.Image), new RegExp(logicalId(s.stacks.backend.repository)));
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

    test('WHEN synthesised THEN the ALB is internet-facing and listens on HTTP 80 only, forwarding to 3001 with /health checks', () => {
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
        DefaultActions: [{ Type: 'forward', TargetGroupArn: Match.anyValue() }],
      });
      t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Port: 3001,
        Protocol: 'HTTP',
        TargetType: 'ip',
        HealthCheckPath: '/health',
        Matcher: { HttpCode: '200' },
      });
      t.hasOutput('AlbUrl', {
        Value: {
          'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^Alb'), 'DNSName'] }]],
        },
      });
    });

    test('WHEN synthesised THEN the DB password and the app secrets are injected from Secrets Manager, not as plain env', () => {
      for (const { container } of [api, worker]) {
        const secrets = Object.fromEntries(
          container.Secrets.map((x) => [x.Name, JSON.stringify(x.ValueFrom)]),
        );
        assert.deepEqual(Object.keys(secrets).sort(), [
          'GOOGLE_APPLICATION_CREDENTIALS_JSON',
          'PGPASSWORD',
          'PGUSER',
        ]);
        assert.match(secrets.PGPASSWORD!, /MasterSecret.*:password::/);
        assert.match(secrets.PGUSER!, /MasterSecret.*:username::/);
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

    test('WHEN synthesised THEN the API answers CORS for the SPA’s CloudFront URL', () => {
      const cors = api.container.Environment.find((e) => e.Name === 'CORS_ORIGINS');
      assert.match(
        JSON.stringify(cors?.Value),
        /https:\/\/.*Aiuteur-Frontend:ExportsOutputFnGetAttDistribution[0-9A-F]+DomainName/,
      );
    });

    test('WHEN synthesised THEN the task role may read and write the three app buckets', () => {
      const policies = JSON.stringify(t.findResources('AWS::IAM::Policy'));
      for (const bucket of ['Videos', 'Images', 'AssetImages']) {
        assert.match(policies, new RegExp(`Aiuteur-Storage:ExportsOutputFnGetAtt${bucket}[0-9A-F]{8}Arn`));
      }
      assert.match(policies, /s3:PutObject/);
    });
  });

  describe('GIVEN a domain name (certificate requested by the stack)', () => {
    const t = synth({ backend: { domainName: 'api.example.com' } }).template('backend');

    test('WHEN synthesised THEN HTTPS on 443 uses an ACM certificate for the domain and 80 redirects to it', () => {
      t.hasResourceProperties('AWS::CertificateManager::Certificate', {
        DomainName: 'api.example.com',
        ValidationMethod: 'DNS',
      });
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        Protocol: 'HTTPS',
        Certificates: [{ CertificateArn: { Ref: Match.stringLikeRegexp('^Certificate') } }],
        DefaultActions: [{ Type: 'forward', TargetGroupArn: Match.anyValue() }],
      });
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        DefaultActions: [
          {
            Type: 'redirect',
            RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' }),
          },
        ],
      });
      t.hasOutput('AlbUrl', { Value: 'https://api.example.com' });
    });
  });

  describe('GIVEN a domain name and an existing certificate ARN', () => {
    test('WHEN synthesised THEN the 443 listener uses that certificate and none is requested', () => {
      const arn = 'arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100';
      const t = synth({ backend: { domainName: 'api.example.com', certificateArn: arn } }).template(
        'backend',
      );
      t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        Certificates: [{ CertificateArn: arn }],
      });
    });
  });

  describe('GIVEN an image tag, a worker command and autoscaling bounds', () => {
    test('WHEN synthesised THEN the services run that tag and command within those bounds', () => {
      const s = synth({ backend: { imageTag: 'v42', workerCommand: ['node', 'worker.js'], apiMaxCount: 3 } });
      const t = s.template('backend');
      const { container } = taskDefinition(t, s, 'workerService');
      assert.match(JSON.stringify(container.Image), /:v42"\]\]\}$/);
      assert.deepEqual(container.Command, ['node', 'worker.js']);
      t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
        MinCapacity: 1,
        MaxCapacity: 3,
      });
    });
  });
});
