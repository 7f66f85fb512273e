import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { CLOUDFRONT_PREFIX_LIST_NAME } from '../lib/network-stack.ts';
import { ingressRules, logicalId, synth } from './helpers.ts';

const endpointService = (suffix: string) => ({
  'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${suffix}`]],
});

describe('network stack', () => {
  describe('GIVEN the default settings (public tasks, no NAT)', () => {
    const s = synth();
    const t = s.template('network');
    const net = s.stacks.network;

    test('WHEN synthesised THEN there is no NAT gateway and no subnet routes to one', () => {
      t.resourceCountIs('AWS::EC2::NatGateway', 0);
      t.resourcePropertiesCountIs('AWS::EC2::Route', { NatGatewayId: Match.anyValue() }, 0);
    });

    test('WHEN synthesised THEN the VPC has public and isolated subnets in two AZs, nothing else', () => {
      t.resourceCountIs('AWS::EC2::Subnet', 4);
      const names = Object.values(t.findResources('AWS::EC2::Subnet')).map(
        (r) =>
          (r.Properties.Tags as { Key: string; Value: string }[]).find(
            (tag) => tag.Key === 'aws-cdk:subnet-name',
          )!.Value,
      );
      assert.deepEqual(names.sort(), ['isolated', 'isolated', 'public', 'public']);
      assert.equal(net.assignPublicIp, true);
    });

    test('WHEN synthesised THEN the tasks admit only the ALB, on the API port', () => {
      assert.deepEqual(ingressRules(t, logicalId(net.tasksSecurityGroup)), [
        { from: `sg:${logicalId(net.albSecurityGroup)}`, fromPort: 3001, toPort: 3001, protocol: 'tcp' },
      ]);
    });

    test('WHEN synthesised THEN the database admits 5432 only from the tasks and the migrate-user Lambda', () => {
      const rules = ingressRules(t, logicalId(net.databaseSecurityGroup));
      assert.deepEqual(
        rules.map((r) => r.from).sort(),
        [`sg:${logicalId(net.migrateUserSecurityGroup)}`, `sg:${logicalId(net.tasksSecurityGroup)}`].sort(),
      );
      for (const rule of rules)
        assert.deepEqual([rule.fromPort, rule.toPort, rule.protocol], [5432, 5432, 'tcp']);
      assert.ok(
        rules.every((r) => !r.from.startsWith('cidr:')),
        'no CIDR may reach the database',
      );
    });

    test('WHEN synthesised THEN the ALB admits only the CloudFront origin-facing prefix list, on 80, and sends only to the tasks', () => {
      const rules = ingressRules(t, logicalId(net.albSecurityGroup));
      assert.equal(rules.length, 1, 'one rule: no CIDR, no other source');
      assert.deepEqual([rules[0]!.fromPort, rules[0]!.toPort, rules[0]!.protocol], [80, 80, 'tcp']);
      // Looked up at deploy time by name, so synth needs no AWS call and no account/region.
      const lookups = Object.values(t.findResources('Custom::AWS'));
      assert.equal(lookups.length, 1);
      const create = JSON.stringify(lookups[0]!.Properties.Create);
      assert.match(create, /describeManagedPrefixLists/);
      assert.match(create, new RegExp(CLOUDFRONT_PREFIX_LIST_NAME.replace(/\./g, '\\.')));
      assert.match(rules[0]!.from, /^prefix-list:.*CloudFrontPrefixList.*PrefixLists\.0\.PrefixListId/);
      t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: { 'Fn::GetAtt': [logicalId(net.albSecurityGroup), 'GroupId'] },
        DestinationSecurityGroupId: { 'Fn::GetAtt': [logicalId(net.tasksSecurityGroup), 'GroupId'] },
        FromPort: 3001,
        ToPort: 3001,
      });
    });

    test('WHEN synthesised THEN only a Secrets Manager endpoint exists, in one isolated subnet, for the Lambda', () => {
      t.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
      t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: endpointService('secretsmanager'),
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
        SubnetIds: [{ Ref: Match.stringLikeRegexp('^VpcisolatedSubnet1') }],
      });
      assert.deepEqual(
        ingressRules(t, logicalId(net.endpointsSecurityGroup!))
          .map((r) => `${r.from}:${r.fromPort}`)
          .sort(),
        [
          `sg:${logicalId(net.migrateUserSecurityGroup)}:443`,
          `sg:${logicalId(net.tasksSecurityGroup)}:443`,
        ].sort(),
      );
    });

    test('WHEN synthesised THEN rejected traffic is flow-logged to a log group with a retention period', () => {
      t.hasResourceProperties('AWS::EC2::FlowLog', {
        TrafficType: 'REJECT',
        LogDestinationType: 'cloud-watch-logs',
      });
      t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    });
  });

  describe('GIVEN privateTasks: true', () => {
    const s = synth({ network: { privateTasks: true } });
    const t = s.template('network');

    test('WHEN synthesised THEN ECR api, ECR dkr, Logs and Secrets Manager interface endpoints and an S3 gateway exist', () => {
      for (const service of ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager']) {
        t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
          ServiceName: endpointService(service),
          VpcEndpointType: 'Interface',
          PrivateDnsEnabled: true,
          SubnetIds: [
            { Ref: Match.stringLikeRegexp('^VpctasksSubnet1') },
            { Ref: Match.stringLikeRegexp('^VpctasksSubnet2') },
          ],
        });
      }
      t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
        VpcEndpointType: 'Gateway',
      });
      t.resourceCountIs('AWS::EC2::VPCEndpoint', 5);
    });

    test('WHEN synthesised THEN the tasks run in private subnets without a public IP and still no NAT gateway', () => {
      t.resourceCountIs('AWS::EC2::NatGateway', 0);
      assert.equal(s.stacks.network.assignPublicIp, false);
      s.template('backend').hasResourceProperties('AWS::ECS::Service', {
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            AssignPublicIp: 'DISABLED',
            Subnets: Match.arrayWith([{ 'Fn::ImportValue': Match.stringLikeRegexp('VpctasksSubnet1') }]),
          },
        },
      });
    });
  });

  describe('GIVEN privateTasks: true and natGateways: 1', () => {
    test('WHEN synthesised THEN one NAT gateway serves the private task subnets', () => {
      const t = synth({ network: { privateTasks: true, natGateways: 1 } }).template('network');
      t.resourceCountIs('AWS::EC2::NatGateway', 1);
      t.resourcePropertiesCountIs('AWS::EC2::Route', { NatGatewayId: Match.anyValue() }, 2);
    });
  });

  describe('GIVEN the prefix list ID as a setting', () => {
    test('WHEN synthesised THEN the ALB admits exactly that list and nothing is looked up', () => {
      const s = synth({ network: { cloudFrontPrefixListId: 'pl-3b927c52' } });
      const t = s.template('network');
      assert.deepEqual(ingressRules(t, logicalId(s.stacks.network.albSecurityGroup)), [
        { from: 'prefix-list:"pl-3b927c52"', fromPort: 80, toPort: 80, protocol: 'tcp' },
      ]);
      t.resourceCountIs('Custom::AWS', 0);
    });
  });

  describe('GIVEN the migrate-user trigger is turned off with public tasks', () => {
    test('WHEN synthesised THEN no VPC endpoint is paid for', () => {
      const t = synth({ auth: { migrateUserTrigger: false } }).template('network');
      t.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    });
  });
});
