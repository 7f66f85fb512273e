import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '@supa2aws/runtime/storage';
import { requireRegion } from './aws/aws-context.ts';
import { outageDeadlineMs } from './outage.ts';
import type { S3EndpointConfig } from './config/schema.ts';

const noop = () => undefined;
/**
 * The SDK's console warnings (e.g. "an error was encountered in a non-retryable streaming request" on every
 * aborted upload) would land in the middle of the CLI's output and its NDJSON; supa2aws reports retries and
 * failures itself.
 */
const QUIET = { trace: noop, debug: noop, info: noop, warn: noop, error: noop };

/** An S3 client for a configured endpoint (Supabase Storage, AWS S3, or a local stand-in). */
export function s3ClientFromConfig(
  endpoint: S3EndpointConfig,
  extra: { maxAttempts?: number } = {},
): S3Client {
  return createS3Client({
    region: requireRegion(
      endpoint.region,
      endpoint.endpoint ? `the S3 endpoint ${endpoint.endpoint}` : 'Amazon S3',
    ),
    ...(endpoint.endpoint ? { endpoint: endpoint.endpoint } : {}),
    ...(endpoint.accessKeyId ? { accessKeyId: endpoint.accessKeyId } : {}),
    ...(endpoint.secretAccessKey ? { secretAccessKey: endpoint.secretAccessKey } : {}),
    ...(endpoint.forcePathStyle !== undefined ? { forcePathStyle: endpoint.forcePathStyle } : {}),
    // The SDK's default checksums (CRC32 on every PUT, worked out in JavaScript, and on every GET where the
    // response carries one) would be a second pass over every byte: `storage copy` sends the SHA-256 it
    // computes anyway where the target checks checksums, and reads back what it wrote where it does not.
    // s3rver understands neither (DESIGN §4).
    checksumsWhenRequired: true,
    // A body under 8 MiB costs about as much to send as the round trip `Expect: 100-continue` waits for.
    expectContinueHeader: 8 * 1024 * 1024,
    logger: QUIET,
    // A stalled transfer or a server that accepts and never answers is cut and retried rather than waited
    // on forever: 60 s without a byte (the AWS CLI's --cli-read-timeout; S3 keeps a long
    // CompleteMultipartUpload alive with whitespace), and a third of the outage deadline at most, so a
    // hung endpoint ends in exit 3 within about the deadline.
    idleTimeoutMs: Math.min(60_000, Math.ceil(outageDeadlineMs() / 3)),
    connectionTimeoutMs: Math.min(10_000, Math.ceil(outageDeadlineMs() / 3)),
    ...extra,
  });
}
