import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { logicalId, synth } from './helpers.ts';

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

    test('WHEN a path is not a file (403/404 from S3) THEN CloudFront answers /index.html with 200', () => {
      assert.deepEqual(
        distribution.CustomErrorResponses.map((r: Record<string, unknown>) => [
          r.ErrorCode,
          r.ResponseCode,
          r.ResponsePagePath,
        ]),
        [
          [403, 200, '/index.html'],
          [404, 200, '/index.html'],
        ],
      );
      assert.equal(distribution.DefaultRootObject, 'index.html');
      assert.equal(distribution.DefaultCacheBehavior.ViewerProtocolPolicy, 'redirect-to-https');
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
      t.hasOutput('SpaBucketName', {});
      t.hasOutput('DistributionId', {});
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
