import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { logicalId, synth } from './helpers.ts';

const BLOCK_ALL = {
  BlockPublicAcls: true,
  BlockPublicPolicy: true,
  IgnorePublicAcls: true,
  RestrictPublicBuckets: true,
};

/** The statements of the bucket policy attached to a bucket. */
function policyStatements(t: Template, bucketLogicalId: string): Record<string, unknown>[] {
  const policies = Object.values(t.findResources('AWS::S3::BucketPolicy')).filter(
    (p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: bucketLogicalId }),
  );
  assert.equal(policies.length, 1, `one policy on ${bucketLogicalId}`);
  return policies[0]!.Properties.PolicyDocument.Statement;
}

describe('storage stack', () => {
  describe('GIVEN the default settings (public images by bucket policy)', () => {
    const s = synth();
    const t = s.template('storage');
    const { videosBucket, imagesBucket, assetImagesBucket } = s.stacks.storage;
    const appBuckets = [videosBucket, imagesBucket, assetImagesBucket];

    test('WHEN synthesised THEN the three buckets carry the plan names', () => {
      for (const name of ['aiuteur-videos', 'aiuteur-images', 'aiuteur-asset-images']) {
        t.hasResourceProperties('AWS::S3::Bucket', { BucketName: name });
      }
    });

    test('WHEN synthesised THEN the videos bucket blocks every kind of public access and has no public statement', () => {
      t.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: 'aiuteur-videos',
        PublicAccessBlockConfiguration: BLOCK_ALL,
      });
      const statements = policyStatements(t, logicalId(videosBucket));
      assert.ok(
        !statements.some((st) => st.Effect === 'Allow' && JSON.stringify(st.Principal) === '{"AWS":"*"}'),
      );
    });

    test('WHEN synthesised THEN images and asset-images are public-read by policy, with ACLs still blocked', () => {
      for (const bucket of [imagesBucket, assetImagesBucket]) {
        const id = logicalId(bucket);
        assert.deepEqual(t.findResources('AWS::S3::Bucket')[id]!.Properties.PublicAccessBlockConfiguration, {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: false,
        });
        const read = policyStatements(t, id).find((st) => st.Sid === 'PublicRead');
        assert.ok(read, `PublicRead on ${id}`);
        assert.equal(read.Effect, 'Allow');
        assert.deepEqual(read.Principal, { AWS: '*' });
        assert.equal(read.Action, 's3:GetObject');
      }
    });

    test('WHEN synthesised THEN every app bucket is versioned, encrypted and lets browsers upload (CORS PUT)', () => {
      const buckets = t.findResources('AWS::S3::Bucket');
      for (const bucket of appBuckets) {
        const props = buckets[logicalId(bucket)]!.Properties;
        assert.deepEqual(props.VersioningConfiguration, { Status: 'Enabled' });
        assert.equal(
          props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault
            .SSEAlgorithm,
          'AES256',
        );
        const cors = props.CorsConfiguration.CorsRules[0];
        assert.ok(cors.AllowedMethods.includes('PUT') && cors.AllowedMethods.includes('GET'));
        assert.deepEqual(cors.AllowedOrigins, ['*']);
        assert.ok(cors.ExposedHeaders.includes('ETag'), 'multipart uploads read ETag');
        assert.ok(props.LoggingConfiguration.DestinationBucketName, 'server access logs');
        assert.ok(
          props.LifecycleConfiguration.Rules.some(
            (r: { NoncurrentVersionExpiration?: unknown }) => r.NoncurrentVersionExpiration,
          ),
        );
      }
    });

    test('WHEN synthesised THEN every bucket policy denies requests without TLS', () => {
      for (const bucket of [...appBuckets, s.stacks.storage.logsBucket]) {
        const deny = policyStatements(t, logicalId(bucket)).find(
          (st) =>
            st.Effect === 'Deny' &&
            JSON.stringify(st.Condition) === '{"Bool":{"aws:SecureTransport":"false"}}',
        );
        assert.ok(deny, `SSL-only statement on ${logicalId(bucket)}`);
      }
    });

    test('WHEN synthesised THEN the public base URLs are the buckets’ regional S3 domains', () => {
      t.hasOutput('ImagesPublicBaseUrl', {
        Value: {
          'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(imagesBucket), 'RegionalDomainName'] }]],
        },
      });
      t.resourceCountIs('AWS::CloudFront::Distribution', 0);
    });
  });

  describe('GIVEN publicImages: cloudfront', () => {
    const s = synth({ storage: { publicImages: 'cloudfront' } });
    const t = s.template('storage');

    test('WHEN synthesised THEN all three buckets block public access', () => {
      t.resourcePropertiesCountIs('AWS::S3::Bucket', { PublicAccessBlockConfiguration: BLOCK_ALL }, 4);
      for (const bucket of [s.stacks.storage.imagesBucket, s.stacks.storage.assetImagesBucket]) {
        assert.ok(!policyStatements(t, logicalId(bucket)).some((st) => st.Sid === 'PublicRead'));
      }
    });

    test('WHEN synthesised THEN each public bucket is read by its own distribution through origin access control', () => {
      t.resourceCountIs('AWS::CloudFront::Distribution', 2);
      t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 2);
      for (const bucket of [s.stacks.storage.imagesBucket, s.stacks.storage.assetImagesBucket]) {
        const grant = policyStatements(t, logicalId(bucket)).find(
          (st) => JSON.stringify(st.Principal) === '{"Service":"cloudfront.amazonaws.com"}',
        );
        assert.ok(grant, `CloudFront grant on ${logicalId(bucket)}`);
        assert.equal(grant.Action, 's3:GetObject');
        assert.ok(JSON.stringify(grant.Condition).includes('AWS:SourceArn'));
      }
      t.hasOutput('ImagesPublicBaseUrl', {
        Value: {
          'Fn::Join': [
            '',
            ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^ImagesCdn'), 'DomainName'] }],
          ],
        },
      });
    });
  });

  describe('GIVEN bucket names and CORS origins as props', () => {
    test('WHEN synthesised THEN the buckets and CORS rules use them', () => {
      const t = synth({
        storage: {
          videosBucketName: 'acme-videos',
          imagesBucketName: 'acme-images',
          assetImagesBucketName: 'acme-asset-images',
          corsAllowedOrigins: ['https://app.example.com'],
        },
      }).template('storage');
      for (const name of ['acme-videos', 'acme-images', 'acme-asset-images']) {
        t.hasResourceProperties('AWS::S3::Bucket', {
          BucketName: name,
          CorsConfiguration: {
            CorsRules: [Match.objectLike({ AllowedOrigins: ['https://app.example.com'] })],
          },
        });
      }
      t.hasOutput('VideosBucketName', { Value: { Ref: Match.stringLikeRegexp('^Videos') } });
    });
  });
});
