import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { suppress } from './nag.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import type { StorageSettings } from './settings.ts';

/** Where the frontend stack's SPA bucket writes its access logs in the logs bucket. */
export const SPA_ACCESS_LOG_PREFIX = 'spa/';

export interface StorageStackProps extends StackProps {
  settings: StorageSettings;
}

/**
 * Phase 1: the three app buckets (plan 02). `videos` is private (the API hands out presigned URLs);
 * `images` and `asset-images` are public-read, by bucket policy (the plan) or — `publicImages: 'cloudfront'`
 * — private buckets that only their CloudFront distribution reads. All are versioned, encrypted, SSL-only,
 * log to a logs bucket, and accept browser uploads (CORS) from the configured origins.
 */
export class StorageStack extends Stack {
  readonly videosBucket: s3.Bucket;
  readonly imagesBucket: s3.Bucket;
  readonly assetImagesBucket: s3.Bucket;
  readonly logsBucket: s3.Bucket;
  /** Public base URLs of images and asset-images. */
  readonly publicBaseUrls: { images: string; assetImages: string };

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const viaCloudFront = settings.publicImages === 'cloudfront';

    this.logsBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(settings.accessLogRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Buckets of other stacks (the SPA's) log under their own prefix; CDK only writes this grant for
    // buckets in the same stack, so it is spelled out (any bucket of this account, that prefix only).
    this.logsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SpaAccessLogs',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.logsBucket.arnForObjects(`${SPA_ACCESS_LOG_PREFIX}*`)],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    const cors: s3.CorsRule[] = [
      {
        allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.HEAD, s3.HttpMethods.PUT, s3.HttpMethods.POST],
        allowedOrigins: settings.corsAllowedOrigins,
        allowedHeaders: ['*'],
        exposedHeaders: ['ETag'],
        maxAge: 3000,
      },
    ];
    const common = (name: string): s3.BucketProps => ({
      bucketName: name,
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      cors,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: `${name}/`,
      lifecycleRules: [
        {
          noncurrentVersionExpiration: Duration.days(settings.noncurrentVersionExpirationDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.videosBucket = new s3.Bucket(this, 'Videos', {
      ...common(settings.videosBucketName),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    });

    const publicBucket = (cid: string, name: string): s3.Bucket => {
      if (viaCloudFront) {
        return new s3.Bucket(this, cid, {
          ...common(name),
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        });
      }
      const bucket = new s3.Bucket(this, cid, {
        ...common(name),
        // ACLs stay blocked; only the bucket policy below makes objects readable.
        blockPublicAccess: new s3.BlockPublicAccess({
          blockPublicAcls: true,
          ignorePublicAcls: true,
          blockPublicPolicy: false,
          restrictPublicBuckets: false,
        }),
      });
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'PublicRead',
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:GetObject'],
          resources: [bucket.arnForObjects('*')],
        }),
      );
      suppress(bucket, [
        {
          id: 'AwsSolutions-S2',
          reason:
            "Public-read by design (plan 02: the app's image URLs are public); set publicImages=cloudfront to keep it private.",
        },
      ]);
      return bucket;
    };
    this.imagesBucket = publicBucket('Images', settings.imagesBucketName);
    this.assetImagesBucket = publicBucket('AssetImages', settings.assetImagesBucketName);

    if (viaCloudFront) {
      this.publicBaseUrls = {
        images: this.distributionFor('ImagesCdn', this.imagesBucket),
        assetImages: this.distributionFor('AssetImagesCdn', this.assetImagesBucket),
      };
    } else {
      this.publicBaseUrls = {
        images: `https://${this.imagesBucket.bucketRegionalDomainName}`,
        assetImages: `https://${this.assetImagesBucket.bucketRegionalDomainName}`,
      };
    }

    new CfnOutput(this, OUTPUT_KEYS.videosBucket, { value: this.videosBucket.bucketName });
    new CfnOutput(this, OUTPUT_KEYS.imagesBucket, { value: this.imagesBucket.bucketName });
    new CfnOutput(this, OUTPUT_KEYS.assetImagesBucket, { value: this.assetImagesBucket.bucketName });
    new CfnOutput(this, OUTPUT_KEYS.imagesPublicBaseUrl, { value: this.publicBaseUrls.images });
    new CfnOutput(this, OUTPUT_KEYS.assetImagesPublicBaseUrl, { value: this.publicBaseUrls.assetImages });
    new CfnOutput(this, OUTPUT_KEYS.publicImagesMode, { value: settings.publicImages });
    new CfnOutput(this, OUTPUT_KEYS.region, { value: this.region });
  }

  /** A distribution reading one private bucket through origin access control; returns its https URL. */
  private distributionFor(id: string, bucket: s3.Bucket): string {
    const distribution = new cloudfront.Distribution(this, id, {
      comment: `Public reads of ${bucket.node.id}`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS_AND_SECURITY_HEADERS,
      },
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    });
    suppress(distribution, cloudFrontDefaultDomainSuppressions);
    return `https://${distribution.distributionDomainName}`;
  }
}

/** The findings every distribution on the default *.cloudfront.net domain has, and why they are accepted. */
export const cloudFrontDefaultDomainSuppressions = [
  { id: 'AwsSolutions-CFR1', reason: 'No geo restriction: the app serves users in every country.' },
  {
    id: 'AwsSolutions-CFR2',
    reason:
      'AWS WAF costs at least ~$6/month per web ACL, above this small deployment budget; add one when traffic warrants it.',
  },
  {
    id: 'AwsSolutions-CFR3',
    reason:
      'Standard logs need an ACL-enabled bucket and add storage cost; CloudFront metrics are kept. Enable when needed.',
  },
  {
    id: 'AwsSolutions-CFR4',
    reason:
      'The default *.cloudfront.net certificate cannot pin the minimum TLS version; a custom domain with an ACM certificate can.',
  },
];
