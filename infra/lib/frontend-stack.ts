import { CfnOutput, Duration, Fn, RemovalPolicy, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { suppress } from './nag.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import type { FrontendSettings } from './settings.ts';
import { ORIGIN_VERIFY_HEADER } from './backend-stack.ts';
import { cloudFrontDefaultDomainSuppressions, SPA_ACCESS_LOG_PREFIX } from './storage-stack.ts';

/**
 * CloudFront Function (viewer request) of the SPA: a path whose last segment has no dot is a client route.
 * Done here rather than by the distribution's error responses, which would also turn the API's 403/404
 * into index.html.
 */
export const SPA_ROUTES_FUNCTION = `function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}`;

/** CloudFront Function (viewer request) of the API behaviour: `/api/projects` reaches the API as `/projects`. */
export function stripPathFunction(prefix: string): string {
  return `function handler(event) {
  var request = event.request;
  var rest = request.uri.substring(${JSON.stringify(prefix)}.length);
  request.uri = rest.charAt(0) === '/' ? rest : '/' + rest;
  return request;
}`;
}

export interface FrontendStackProps extends StackProps {
  settings: FrontendSettings;
  /** The API: the load balancer CloudFront forwards `<path>/*` to, with the secret origin header. */
  api: {
    /** The load balancer's DNS name, or its own name in the app's zone when `https`. */
    originDomainName: string;
    /** Reach the origin over HTTPS (443) rather than HTTP (80): only with a name the ALB has a certificate for. */
    https: boolean;
    /** The path prefix routed to it, e.g. `/api` (stripped before forwarding). */
    path: string;
    /** The secret (by name) whose value CloudFront sends as ORIGIN_VERIFY_HEADER. */
    originSecretName: string;
  };
  /**
   * Where the SPA bucket's access logs go: the storage stack's logs bucket, which admits them under
   * SPA_ACCESS_LOG_PREFIX. @default no access logs
   */
  logsBucket?: s3.IBucket;
}

/**
 * Phase 5: the app's one HTTPS entry. The React/Vite SPA (plan 06, option A) from a private bucket that only
 * CloudFront reads (origin access control); paths that are not files are rewritten to /index.html so the
 * client router handles them; `<apiPath>/*` goes, uncached and with every viewer header, to the API's load
 * balancer with the secret origin header, the prefix stripped. The browser calls the API on the page's own
 * origin: no CORS, no mixed content, no token on plain HTTP between the browser and AWS. A custom domain
 * gets an ACM certificate (us-east-1) and alias records in a Route 53 zone, or the records as an output.
 */
export class FrontendStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** https://<domain> or https://<id>.cloudfront.net */
  readonly url: string;
  /** The API's base URL on the same origin: `${url}${apiPath}`. */
  readonly apiUrl: string;

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

    const { api } = props;
    const zone =
      settings.hostedZoneId && settings.hostedZoneName
        ? route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
            hostedZoneId: settings.hostedZoneId,
            zoneName: settings.hostedZoneName,
          })
        : undefined;
    const certificate = settings.domainName
      ? settings.certificateArn
        ? acm.Certificate.fromCertificateArn(this, 'Certificate', settings.certificateArn)
        : new acm.Certificate(this, 'Certificate', {
            domainName: settings.domainName,
            // In a hosted zone the validation record is created; else the deploy waits until it is added.
            validation: acm.CertificateValidation.fromDns(zone),
          })
      : undefined;

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'The single-page app and its API',
      defaultRootObject: 'index.html',
      ...(settings.domainName && certificate
        ? {
            domainNames: [settings.domainName],
            certificate,
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
        functionAssociations: [
          {
            eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
            function: new cloudfront.Function(this, 'SpaRoutes', {
              comment: 'Paths without a file extension are client routes: serve /index.html',
              runtime: cloudfront.FunctionRuntime.JS_2_0,
              code: cloudfront.FunctionCode.fromInline(SPA_ROUTES_FUNCTION),
            }),
          },
        ],
      },
      additionalBehaviors: {
        [`${api.path}/*`]: {
          origin: new origins.HttpOrigin(api.originDomainName, {
            // An ALB has no certificate for its own *.elb.amazonaws.com name: HTTPS needs a name of ours.
            protocolPolicy: api.https
              ? cloudfront.OriginProtocolPolicy.HTTPS_ONLY
              : cloudfront.OriginProtocolPolicy.HTTP_ONLY,
            ...(api.https ? { originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2] } : {}),
            customHeaders: {
              [ORIGIN_VERIFY_HEADER]: SecretValue.secretsManager(api.originSecretName).unsafeUnwrap(),
            },
            readTimeout: Duration.seconds(30),
          }),
          // HTTPS only (a redirect would turn a POST into a GET); nothing cached; every viewer header
          // (Authorization included, which CloudFront forwards only when caching is off) but Host.
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          compress: true,
          functionAssociations: [
            {
              eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
              function: new cloudfront.Function(this, 'StripApiPath', {
                comment: `Removes ${api.path} before the request reaches the API`,
                runtime: cloudfront.FunctionRuntime.JS_2_0,
                code: cloudfront.FunctionCode.fromInline(stripPathFunction(api.path)),
              }),
            },
          ],
        },
      },
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    });
    suppress(
      this.distribution,
      settings.domainName
        ? cloudFrontDefaultDomainSuppressions.filter((x) => x.id !== 'AwsSolutions-CFR4')
        : cloudFrontDefaultDomainSuppressions,
    );
    if (!api.https) {
      suppress(this.distribution, [
        {
          id: 'AwsSolutions-CFR5',
          reason:
            "The API origin is the ALB over HTTP (no certificate exists for *.elb.amazonaws.com, and no hosted zone was given for one of ours); only CloudFront's prefix list and its secret header get through.",
        },
      ]);
    }

    if (settings.domainName && zone) {
      const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution));
      new route53.ARecord(this, 'AliasA', { zone, recordName: settings.domainName, target });
      new route53.AaaaRecord(this, 'AliasAaaa', { zone, recordName: settings.domainName, target });
    } else if (settings.domainName) {
      new CfnOutput(this, OUTPUT_KEYS.dnsRecords, {
        description: 'Add this record at your DNS provider (and the certificate validation CNAME ACM shows)',
        value: Fn.join('', [`${settings.domainName}. CNAME `, this.distribution.distributionDomainName, '.']),
      });
    }

    this.url = settings.domainName
      ? `https://${settings.domainName}`
      : `https://${this.distribution.distributionDomainName}`;
    this.apiUrl = `${this.url}${api.path}`;
    new CfnOutput(this, OUTPUT_KEYS.cloudFrontUrl, { value: this.url });
    new CfnOutput(this, OUTPUT_KEYS.apiUrl, {
      value: this.apiUrl,
      description: "The API on the SPA's own origin (VITE_API_BASE_URL)",
    });
    new CfnOutput(this, OUTPUT_KEYS.spaBucketName, { value: this.bucket.bucketName });
    new CfnOutput(this, OUTPUT_KEYS.distributionId, { value: this.distribution.distributionId });
    new CfnOutput(this, OUTPUT_KEYS.region, { value: this.region });
  }
}
