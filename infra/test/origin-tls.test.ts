import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { CONFIGURATIONS, ingressRules, logicalId, synth, type Synthesized } from './helpers.ts';

const [, withZone, withoutZone] = Object.values(CONFIGURATIONS);

function apiOrigin(s: Synthesized) {
  const config = Object.values(s.template('frontend').findResources('AWS::CloudFront::Distribution'))[0]!
    .Properties.DistributionConfig;
  const behaviour = config.CacheBehaviors.find((b: { PathPattern: string }) => b.PathPattern === '/api/*');
  return config.Origins.find((o: { Id: unknown }) => o.Id === behaviour.TargetOriginId);
}

describe('CloudFront to the load balancer', () => {
  describe('GIVEN a custom domain in a Route 53 hosted zone', () => {
    const s = synth(withZone);
    const backend = s.template('backend');

    test('WHEN synthesised THEN CloudFront reaches the ALB over HTTPS (TLS 1.2) at origin.<domain>', () => {
      const origin = apiOrigin(s);
      assert.equal(origin.DomainName, 'origin.app.example.com');
      assert.equal(origin.CustomOriginConfig.OriginProtocolPolicy, 'https-only');
      assert.deepEqual(origin.CustomOriginConfig.OriginSSLProtocols, ['TLSv1.2']);
    });

    test('WHEN synthesised THEN the ALB listens only on 443 with a certificate for that name, validated in the zone, and the name aliases the ALB', () => {
      backend.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
      backend.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        Protocol: 'HTTPS',
        Certificates: [{ CertificateArn: { Ref: Match.stringLikeRegexp('^OriginCertificate') } }],
        DefaultActions: [Match.objectLike({ Type: 'fixed-response' })],
      });
      backend.hasResourceProperties('AWS::CertificateManager::Certificate', {
        DomainName: 'origin.app.example.com',
        ValidationMethod: 'DNS',
        DomainValidationOptions: [
          { DomainName: 'origin.app.example.com', HostedZoneId: 'Z0123456789ABCDEFGHIJ' },
        ],
      });
      backend.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'origin.app.example.com.',
        Type: 'A',
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        AliasTarget: Match.objectLike({
          DNSName: Match.objectLike({
            'Fn::Join': Match.arrayWith([
              Match.arrayWith([{ 'Fn::GetAtt': [logicalId(s.stacks.backend.loadBalancer), 'DNSName'] }]),
            ]),
          }),
        }),
      });
      assert.equal(Object.values(backend.findOutputs('AlbUrl'))[0]!.Value, 'https://origin.app.example.com');
    });

    test('WHEN synthesised THEN the ALB security group admits only the CloudFront prefix list, on 443', () => {
      const rules = ingressRules(s.template('network'), logicalId(s.stacks.network.albSecurityGroup));
      assert.equal(rules.length, 1);
      assert.match(rules[0]!.from, /^prefix-list:/);
      assert.deepEqual([rules[0]!.fromPort, rules[0]!.toPort], [443, 443]);
    });
  });

  describe('GIVEN a custom domain without a hosted zone', () => {
    test('WHEN synthesised THEN the origin stays HTTP on 80 (no name the ALB could have a certificate for is managed here)', () => {
      const s = synth(withoutZone);
      const origin = apiOrigin(s);
      assert.equal(origin.CustomOriginConfig.OriginProtocolPolicy, 'http-only');
      s.template('backend').hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        Protocol: 'HTTP',
      });
      s.template('backend').resourceCountIs('AWS::CertificateManager::Certificate', 0);
    });
  });
});
