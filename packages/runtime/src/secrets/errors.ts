import { ConfigError } from '../errors/index.ts';
import { redactText } from '../redact/index.ts';

/** Error codes of `@supa2aws/runtime/secrets`. Messages name the secret, never its value. */
export const SecretsErrorCode = {
  /** Options are missing or invalid (no secret ID, no region). */
  options: 'SECRETS_OPTIONS_INVALID',
  /** No secret with that name or ARN (in that region and account). */
  notFound: 'SECRETS_NOT_FOUND',
  /** The credentials may not read the secret (IAM), or are invalid or expired. */
  accessDenied: 'SECRETS_ACCESS_DENIED',
  /** No AWS credentials were found at all. */
  noCredentials: 'SECRETS_NO_CREDENTIALS',
  /** Secrets Manager could not decrypt the secret with its KMS key (kms:Decrypt missing). */
  decrypt: 'SECRETS_DECRYPT_FAILED',
  /** The secret is not a JSON object (a plain string, an array, binary that is not JSON text). */
  notJson: 'SECRETS_NOT_JSON',
  /** The request was refused for the secret's state (e.g. scheduled for deletion). */
  invalidRequest: 'SECRETS_INVALID_REQUEST',
  /** Secrets Manager (or the endpoint override) did not answer in time (retryable). */
  unreachable: 'SECRETS_UNREACHABLE',
  /** Anything else Secrets Manager answered. */
  failed: 'SECRETS_LOAD_FAILED',
} as const;
export type SecretsErrorCodeValue = (typeof SecretsErrorCode)[keyof typeof SecretsErrorCode];

const NETWORK = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
]);

/** Maps an SDK error of GetSecretValue to a coded ConfigError with the next step as hint. */
export function secretsError(error: unknown, secretId: string, region: string): ConfigError {
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = e.name ?? '';
  const what = `secret ${JSON.stringify(secretId)} in ${region}`;
  const said = redactText(e.message ?? String(error));
  const make = (
    code: string,
    message: string,
    hint: string,
    extra: { exit?: 'permission'; retryable?: boolean } = {},
  ) =>
    new ConfigError(code, message, {
      hint,
      exit: extra.exit ?? 'environment',
      retryable: extra.retryable ?? false,
      details: { secretId, region, awsError: name || e.code },
      cause: error,
    });
  switch (name) {
    case 'ResourceNotFoundException':
      return make(
        SecretsErrorCode.notFound,
        `${what} does not exist: ${said}`,
        `Check SECRETS_ID and AWS_REGION; list secrets with: aws secretsmanager list-secrets --region ${region}`,
      );
    case 'AccessDeniedException':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'ExpiredTokenException':
      return make(
        SecretsErrorCode.accessDenied,
        `not allowed to read ${what}: ${said}`,
        'Give the task role secretsmanager:GetSecretValue on this secret (and kms:Decrypt on its key if it uses a customer key).',
        { exit: 'permission' },
      );
    case 'CredentialsProviderError':
      return make(
        SecretsErrorCode.noCredentials,
        `no AWS credentials to read ${what}: ${said}`,
        'On ECS the task role provides them; locally set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.',
        { exit: 'permission' },
      );
    case 'DecryptionFailure':
      return make(
        SecretsErrorCode.decrypt,
        `Secrets Manager could not decrypt ${what}: ${said}`,
        "Allow kms:Decrypt on the secret's KMS key for the task role.",
        { exit: 'permission' },
      );
    case 'InvalidRequestException':
    case 'InvalidParameterException':
      return make(
        SecretsErrorCode.invalidRequest,
        `Secrets Manager refused to return ${what}: ${said}`,
        `If the secret is scheduled for deletion, restore it: aws secretsmanager restore-secret --secret-id ${secretId}`,
      );
  }
  const code = e.code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (name === 'TimeoutError' || name === 'AbortError' || (code && NETWORK.has(code))) {
    return make(
      SecretsErrorCode.unreachable,
      `cannot reach Secrets Manager for ${what}: ${said}`,
      'Check network access (a NAT gateway or a secretsmanager VPC endpoint for private subnets) and SECRETS_ENDPOINT if set.',
      { retryable: true },
    );
  }
  return make(
    SecretsErrorCode.failed,
    `reading ${what} failed: ${name ? `${name}: ` : ''}${said}`,
    'Run: aws secretsmanager get-secret-value --secret-id <id> --query Name  to see what AWS says.',
    { retryable: (e.$metadata?.httpStatusCode ?? 0) >= 500 },
  );
}
