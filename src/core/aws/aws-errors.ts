/**
 * AWS refusing or lacking credentials, outside S3 (which has its own mapping with the side, in
 * src/storage/s3-errors.ts): a coded error that names the side and service, and the credential chain the
 * SDK tried, instead of a bare SDK error name.
 */
import { AuthError } from '../errors.ts';
import { awsCredentialHint } from './aws-context.ts';

/** The SDK found no credentials anywhere in its chain. */
const MISSING = new Set(['CredentialsProviderError']);

/** AWS had credentials and refused them: unknown key, bad signature, expired session. */
const REFUSED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'ExpiredToken',
]);

export type CredentialProblem = 'missing' | 'refused';

/** Whether an AWS SDK error is about credentials, and which kind. */
export function credentialProblem(error: unknown): CredentialProblem | undefined {
  const name = (error as { name?: string } | null)?.name;
  if (name && MISSING.has(name)) return 'missing';
  if (name && REFUSED.has(name)) return 'refused';
  return undefined;
}

/**
 * The coded error for a credential problem while reaching `what` on the target side (e.g. `the target
 * Cognito user pool eu-west-1_Abc`): AWS_CREDENTIALS_MISSING or AWS_CREDENTIALS_REFUSED, exit 4.
 */
export function awsCredentialError(
  problem: CredentialProblem,
  what: string,
  options: { cause?: unknown; env?: NodeJS.ProcessEnv } = {},
): AuthError {
  return problem === 'missing'
    ? new AuthError('AWS_CREDENTIALS_MISSING', `No AWS credentials for ${what}`, {
        exit: 'permission',
        hint: awsCredentialHint('missing', options.env),
        ...(options.cause ? { cause: options.cause } : {}),
      })
    : new AuthError('AWS_CREDENTIALS_REFUSED', `AWS refused the credentials for ${what}`, {
        exit: 'permission',
        hint: awsCredentialHint('refused', options.env),
        ...(options.cause ? { cause: options.cause } : {}),
      });
}
