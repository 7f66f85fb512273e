import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { ORIGIN_VERIFY_HEADER } from '../lib/backend-stack.ts';
import { SPA_ROUTES_FUNCTION, stripPathFunction } from '../lib/frontend-stack.ts';
import { logicalId, synth } from './helpers.ts';

/**
 * Runs a CloudFront Function's source on a URI. Node stands in for CloudFront's JavaScript runtime 2.0
 * (an ES5.1-plus subset): the functions use only what both have (split, pop, indexOf, substring, charAt).
 */
function runFunction(source: string): (uri: string) => string {
  const handler = new Function(`${source}; return handler;`)() as (e: { request: { uri: string } }) => {
    uri: string;
  };
  return (uri) => handler({ request: { uri } }).uri;
}

describe('frontend stack', () => {
  describe('GIVEN the default settings', () => {
    const s = synth();
    const t = s.template('frontend');
    const distribution = Object.values(t.findResources('AWS::CloudFront::Distribution'))[0]!.Properties
      .DistributionConfig;

    test('WHEN synthesised THEN the SPA bucket is private (Block Public Access, no website hosting)', () => {
      t.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
      const bucket = t.findResources('AWS::S3::Bucket')[logicalId(s.stacks.frontend.bucket)]!.Properties;
      assert.equal(bucket.WebsiteConfiguration, undefined);
    });

    test('WHEN synthesised THEN CloudFront reads it through origin access control, and only CloudFront may', () => {
      t.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
        OriginAccessControlConfig: Match.objectLike({
          OriginAccessControlOriginType: 's3',
          SigningBehavior: 'always',
          SigningProtocol: 'sigv4',
        }),
      });
      const origin = distribution.Origins[0];
      const oac = Object.keys(t.findResources('AWS::CloudFront::OriginAccessControl'));
      assert.equal(oac.length, 1);
      assert.deepEqual(origin.OriginAccessControlId, { 'Fn::GetAtt': [oac[0], 'Id'] });
      assert.deepEqual(origin.S3OriginConfig, { OriginAccessIdentity: '' });
      t.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Action: 's3:GetObject',
              Principal: { Service: 'cloudfront.amazonaws.com' },
              Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
            }),
          ]),
        },
      });
    });

    test('WHEN a path is not a file THEN a viewer-request function serves /index.html, and no error response rewrites the API’s answers', () => {
      assert.equal(distribution.CustomErrorResponses, undefined);
      assert.equal(distribution.DefaultRootObject, 'index.html');
      assert.equal(distribution.DefaultCacheBehavior.ViewerProtocolPolicy, 'redirect-to-https');
      const spa = runFunction(SPA_ROUTES_FUNCTION);
      assert.equal(spa('/projects/42'), '/index.html');
      assert.equal(spa('/'), '/index.html');
      assert.equal(spa('/assets/index-abc.js'), '/assets/index-abc.js');
      const fns = t.findResources('AWS::CloudFront::Function');
      const assoc = distribution.DefaultCacheBehavior.FunctionAssociations;
      assert.equal(assoc[0].EventType, 'viewer-request');
      const spaFnId = assoc[0].FunctionARN['Fn::GetAtt'][0];
      assert.equal(fns[spaFnId]!.Properties.FunctionCode, SPA_ROUTES_FUNCTION);
    });

    test('WHEN synthesised THEN /api/* goes to the load balancer over the secret origin header, uncached, all methods, HTTPS only, prefix stripped', () => {
      const behaviours = distribution.CacheBehaviors;
      assert.equal(behaviours.length, 1);
      const api = behaviours[0]!;
      assert.equal(api.PathPattern, '/api/*');
      assert.equal(api.ViewerProtocolPolicy, 'https-only');
      assert.deepEqual(api.AllowedMethods.sort(), [
        'DELETE',
        'GET',
        'HEAD',
        'OPTIONS',
        'PATCH',
        'POST',
        'PUT',
      ]);
      // Managed policies: CachingDisabled, AllViewerExceptHostHeader (Authorization reaches the API).
      assert.equal(api.CachePolicyId, '4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
      assert.equal(api.OriginRequestPolicyId, 'b689b0a8-53d0-40ab-baf2-68738e2966ac');
      const origin = distribution.Origins.find((o: { Id: unknown }) => o.Id === api.TargetOriginId);
      assert.match(
        JSON.stringify(origin.DomainName),
        /Aiuteur-Backend:ExportsOutputFnGetAttAlb[0-9A-F]+DNSName/,
      );
      assert.equal(origin.CustomOriginConfig.OriginProtocolPolicy, 'http-only');
      assert.deepEqual(origin.OriginCustomHeaders, [
        {
          HeaderName: ORIGIN_VERIFY_HEADER,
          HeaderValue: '{{resolve:secretsmanager:Aiuteur/origin-verify:SecretString:::}}',
        },
      ]);
      const strip = runFunction(stripPathFunction('/api'));
      assert.equal(strip('/api/projects'), '/projects');
      assert.equal(strip('/api/videos/7'), '/videos/7');
      assert.equal(strip('/api/'), '/');
      const fns = t.findResources('AWS::CloudFront::Function');
      const fnId = api.FunctionAssociations[0].FunctionARN['Fn::GetAtt'][0];
      assert.equal(fns[fnId]!.Properties.FunctionCode, stripPathFunction('/api'));
      assert.deepEqual(s.stacks.frontend.dependencies.map((d) => d.stackName).sort(), [
        'Aiuteur-Backend',
        'Aiuteur-Storage',
      ]);
    });

    test('WHEN synthesised THEN the default behaviour sends security headers', () => {
      t.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
        ResponseHeadersPolicyConfig: Match.objectLike({
          SecurityHeadersConfig: {
            StrictTransportSecurity: Match.objectLike({
              AccessControlMaxAgeSec: 31536000,
              IncludeSubdomains: true,
            }),
            ContentTypeOptions: { Override: true },
            FrameOptions: { FrameOption: 'DENY', Override: true },
            ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
            XSSProtection: Match.objectLike({ Protection: true, ModeBlock: true }),
          },
        }),
      });
      assert.deepEqual(distribution.DefaultCacheBehavior.ResponseHeadersPolicyId, {
        Ref: Object.keys(t.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0],
      });
    });

    test('WHEN synthesised THEN the outputs give the URL, bucket and distribution for deploys', () => {
      t.hasOutput('CloudFrontUrl', { Value: { 'Fn::Join': ['', ['https://', Match.anyValue()]] } });
      t.hasOutput('ApiUrl', { Value: { 'Fn::Join': ['', ['https://', Match.anyValue(), '/api']] } });
      t.hasOutput('SpaBucketName', {});
      t.hasOutput('DistributionId', {});
    });
  });

  describe('GIVEN a custom domain and a Route 53 hosted zone', () => {
    const t = synth({
      frontend: { domainName: 'app.example.com', hostedZoneId: 'Z0EXAMPLE', hostedZoneName: 'example.com' },
    }).template('frontend');

    test('WHEN synthesised THEN a certificate is validated in the zone and A/AAAA aliases point at CloudFront', () => {
      t.hasResourceProperties('AWS::CertificateManager::Certificate', {
        DomainName: 'app.example.com',
        ValidationMethod: 'DNS',
        DomainValidationOptions: [{ DomainName: 'app.example.com', HostedZoneId: 'Z0EXAMPLE' }],
      });
      for (const type of ['A', 'AAAA']) {
        t.hasResourceProperties('AWS::Route53::RecordSet', {
          Name: 'app.example.com.',
          Type: type,
          HostedZoneId: 'Z0EXAMPLE',
          AliasTarget: Match.objectLike({
            DNSName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Distribution'), 'DomainName'] },
          }),
        });
      }
      t.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          Aliases: ['app.example.com'],
          ViewerCertificate: Match.objectLike({ MinimumProtocolVersion: 'TLSv1.2_2021' }),
        }),
      });
      t.hasOutput('ApiUrl', { Value: 'https://app.example.com/api' });
      assert.deepEqual(t.findOutputs('DnsRecords'), {});
    });
  });

  describe('GIVEN a custom domain and a certificate but no hosted zone', () => {
    test('WHEN synthesised THEN no record is created and the CNAME to add is an output', () => {
      const arn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
      const t = synth({ frontend: { domainName: 'app.example.com', certificateArn: arn } }).template(
        'frontend',
      );
      t.resourceCountIs('AWS::Route53::RecordSet', 0);
      t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
      t.hasOutput('DnsRecords', {
        Value: {
          'Fn::Join': [
            '',
            ['app.example.com. CNAME ', { 'Fn::GetAtt': [Match.anyValue(), 'DomainName'] }, '.'],
          ],
        },
      });
    });
  });

  describe('GIVEN an API path setting', () => {
    test('WHEN synthesised THEN CloudFront routes and strips that prefix', () => {
      const s = synth({ backend: { apiPath: '/backend/v1' } });
      const d = Object.values(s.template('frontend').findResources('AWS::CloudFront::Distribution'))[0]!
        .Properties.DistributionConfig;
      assert.equal(d.CacheBehaviors[0].PathPattern, '/backend/v1/*');
      assert.equal(runFunction(stripPathFunction('/backend/v1'))('/backend/v1/projects'), '/projects');
    });
  });

  describe('GIVEN a Content-Security-Policy', () => {
    test('WHEN synthesised THEN the headers policy sends it', () => {
      const csp = "default-src 'self'; img-src 'self' https://aiuteur-images.s3.us-east-1.amazonaws.com";
      synth({ frontend: { contentSecurityPolicy: csp } })
        .template('frontend')
        .hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
          ResponseHeadersPolicyConfig: Match.objectLike({
            SecurityHeadersConfig: Match.objectLike({
              ContentSecurityPolicy: { ContentSecurityPolicy: csp, Override: true },
            }),
          }),
        });
    });
  });
});
