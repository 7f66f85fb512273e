import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../runtime/storage/s3-client.ts';
import { requireRegion } from './aws/aws-context.ts';
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
    checksumsWhenRequired: endpoint.s3rver,
    logger: QUIET,
    // A stalled transfer is cut and retried rather than waited on forever. S3 keeps a long
    // CompleteMultipartUpload response alive with whitespace, so two idle minutes are a real stall.
    idleTimeoutMs: 120_000,
    connectionTimeoutMs: 10_000,
    ...extra,
  });
}
