import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  /** AWS region. @default process.env.AWS_REGION ?? 'us-east-1' */
  region?: string;
  /** Endpoint override: Supabase Storage's S3 gateway, or a local stand-in. AWS S3 itself when left out. */
  endpoint?: string;
  /** Static credentials; leave out to use the AWS default credential chain (env, profile, ECS task role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Path-style addressing. @default true when an endpoint is given */
  forcePathStyle?: boolean;
  /**
   * The endpoint does not understand the SDK's default streaming checksums (s3rver, some gateways):
   * send and validate checksums only when an operation requires them.
   * @default false
   */
  checksumsWhenRequired?: boolean;
  /**
   * `Expect: 100-continue` on PUTs (the server may refuse before the body is sent, at the cost of a round trip
   * per request): `true`/`false`, or a body size in bytes from which it is sent.
   * @default true (the SDK's default)
   */
  expectContinueHeader?: boolean | number;
  /** SDK retry attempts. @default 3 */
  maxAttempts?: number;
  /**
   * A connection that sends or receives nothing for this long is cut (a stalled download otherwise waits
   * forever); the error is retryable. @default none (the SDK's default)
   */
  idleTimeoutMs?: number;
  /** Time to establish a connection. @default none (the SDK's default) */
  connectionTimeoutMs?: number;
  /** Where the SDK's own warnings go. @default the console */
  logger?: S3ClientConfig['logger'];
}

/** An S3 client for AWS S3, Supabase Storage's S3 endpoint, or a local stand-in. */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const config: S3ClientConfig = {
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    maxAttempts: options.maxAttempts ?? 3,
  };
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.forcePathStyle = options.forcePathStyle ?? true;
  } else if (options.forcePathStyle !== undefined) {
    config.forcePathStyle = options.forcePathStyle;
  }
  if (options.accessKeyId && options.secretAccessKey) {
    config.credentials = {
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
    };
  }
  if (options.logger) config.logger = options.logger;
  if (options.expectContinueHeader !== undefined) config.expectContinueHeader = options.expectContinueHeader;
  if (options.idleTimeoutMs || options.connectionTimeoutMs) {
    config.requestHandler = {
      ...(options.idleTimeoutMs ? { socketTimeout: options.idleTimeoutMs } : {}),
      ...(options.connectionTimeoutMs ? { connectionTimeout: options.connectionTimeoutMs } : {}),
    };
  }
  if (options.checksumsWhenRequired) {
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  return new S3Client(config);
}
