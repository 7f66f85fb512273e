import type { PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { awsChunkedLength, SHA256_TRAILER } from '../streams.ts';

type Headers = Record<string, string>;

/** Adds a build-step middleware that changes the request's headers (the same for either command). */
function onHeaders(
  command: PutObjectCommand | UploadPartCommand,
  name: string,
  change: (headers: Headers) => void,
): void {
  (command.middlewareStack as PutObjectCommand['middlewareStack']).add(
    (next) => (args) => {
      change((args.request as { headers: Headers }).headers);
      return next(args);
    },
    { step: 'build', name },
  );
}

/**
 * The payload hash SigV4 signs is the SHA-256 already computed: S3 checks it against the body it receives,
 * and the SDK need not hash the body a second time.
 */
export function signPayloadHash(command: PutObjectCommand | UploadPartCommand, sha256Hex: string): void {
  onHeaders(command, 'supa2awsPayloadSha256', (headers) => {
    headers['x-amz-content-sha256'] = sha256Hex;
  });
}

/**
 * A PUT whose body is an `UploadBody` with `awsChunked`: `size` bytes framed as aws-chunked, their SHA-256
 * in the trailer (S3's STREAMING-UNSIGNED-PAYLOAD-TRAILER, as the AWS SDKs send a streamed body with a
 * checksum). S3 refuses the object if the bytes do not match the trailer. The client must not add a
 * checksum of its own (the copy's clients compute checksums only where an operation requires one).
 */
export function sendAwsChunked(command: PutObjectCommand, size: number): void {
  onHeaders(command, 'supa2awsAwsChunked', (headers) => {
    const encoding = headers['content-encoding'];
    headers['content-encoding'] = encoding ? `${encoding},aws-chunked` : 'aws-chunked';
    headers['content-length'] = String(awsChunkedLength(size));
    headers['x-amz-decoded-content-length'] = String(size);
    headers['x-amz-content-sha256'] = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
    headers['x-amz-trailer'] = SHA256_TRAILER;
  });
}
