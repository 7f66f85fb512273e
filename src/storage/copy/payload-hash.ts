import type { PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';

/**
 * The payload hash SigV4 signs is the SHA-256 already computed: S3 checks it against the body it receives,
 * and the SDK need not hash the body a second time.
 */
export function signPayloadHash(command: PutObjectCommand | UploadPartCommand, sha256Hex: string): void {
  // The middleware touches only the request's headers, the same for either command's input.
  (command.middlewareStack as PutObjectCommand['middlewareStack']).add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] = sha256Hex;
      return next(args);
    },
    { step: 'build', name: 'supa2awsPayloadSha256' },
  );
}
