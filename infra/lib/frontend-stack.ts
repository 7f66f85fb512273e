import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { suppress } from './nag.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import type { FrontendSettings } from './settings.ts';
import { cloudFrontDefaultDomainSuppressions, SPA_ACCESS_LOG_PREFIX } from './storage-stack.ts';

export interface FrontendStackProps extends StackProps {
  settings: FrontendSettings;
  /**
   * Where the SPA bucket's access logs go: the storage stack's logs bucket, which admits them under
   * SPA_ACCESS_LOG_PREFIX. @default no access logs
   */
  logsBucket?: s3.IBucket;
}

/**
 * Phase 5: the React/Vite SPA (plan 06, option A) in a private bucket that only CloudFront reads (origin
 * access control); paths that are not files answer /index.html with 200 so the client router handles
 * them; a response-headers policy adds HSTS, nosniff, frame, referrer and XSS headers.
 */
export class FrontendStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** https://<id>.cloudfront.net */
  readonly url: string;

  constructor(scope: Construct, id: string, props: FrontendStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.bucket = new s3.Bucket(this, 'Spa', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      ...(props.logsBucket
        ? { serverAccessLogsBucket: props.logsBucket, serverAccessLogsPrefix: SPA_ACCESS_LOG_PREFIX }
        : {}),
      // The build is reproducible from git: nothing to keep when the stack goes.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    if (!props.logsBucket) {
      suppress(this.bucket, [
        { id: 'AwsSolutions-S1', reason: 'No logs bucket was given; CloudFront is the only reader.' },
      ]);
    }

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Security headers for the SPA',
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          preload: false,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        xssProtection: { protection: true, modeBlock: true, override: true },
        ...(settings.contentSecurityPolicy
          ? {
              contentSecurityPolicy: {
                contentSecurityPolicy: settings.contentSecurityPolicy,
                override: true,
              },
            }
          : {}),
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'The single-page app',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      // Deep links (/projects/42) are not objects: S3 answers 403 (no ListBucket) or 404; serve the app.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(10),
      })),
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    });
    suppress(this.distribution, cloudFrontDefaultDomainSuppressions);

    this.url = `https://${this.distribution.distributionDomainName}`;
    new CfnOutput(this, OUTPUT_KEYS.cloudFrontUrl, { value: this.url });
    new CfnOutput(this, OUTPUT_KEYS.spaBucketName, { value: this.bucket.bucketName });
    new CfnOutput(this, OUTPUT_KEYS.distributionId, { value: this.distribution.distributionId });
    new CfnOutput(this, OUTPUT_KEYS.region, { value: this.region });
  }
}
