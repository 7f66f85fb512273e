/**
 * `aws run`'s coded errors: an AWS refusal, a missing cluster or task definition, an unreachable endpoint
 * become one line and a hint naming the permission or the command to run; anything else stays as it was.
 */
import { awsCredentialError, credentialProblem } from '../core/aws/aws-errors.ts';
import { AuthError, ConfigError, isSupa2awsError, Supa2awsError } from '../core/errors.ts';

/** What the operator's credentials need for `aws run` (the guide's policy lists the same). */
const AWS_RUN_OPERATOR_ACTIONS = [
  'ecs:RunTask',
  'ecs:DescribeTasks',
  'ecs:StopTask',
  'iam:PassRole (the task and execution roles of the migration stack)',
  'logs:GetLogEvents',
  's3:PutObject and s3:GetObject on the runs bucket',
];

const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET']);

/** Maps an error of an AWS call made for `what` (e.g. `ecs:RunTask on cluster x`) to a coded one. */
export function awsRunError(error: unknown, what: string): Supa2awsError {
  if (isSupa2awsError(error)) return error;
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string } } | null;
  const name = e?.name ?? '';
  const problem = credentialProblem(error);
  if (problem) return awsCredentialError(problem, what, { cause: error });
  if (DENIED.has(name)) {
    return new AuthError('AWS_RUN_ACCESS_DENIED', `AWS refused ${what}: ${e?.message ?? name}`, {
      exit: 'permission',
      hint: `Your credentials need ${AWS_RUN_OPERATOR_ACTIONS.join(', ')}. Check which identity you are with \`aws sts get-caller-identity\`.`,
      cause: error,
    });
  }
  if (name === 'ClusterNotFoundException') {
    return new ConfigError(
      'AWS_RUN_CLUSTER_NOT_FOUND',
      `${what}: the cluster in the stack outputs does not exist`,
      {
        exit: 'environment',
        hint: 'The outputs file is older than the stacks, or for another region. Deploy and rewrite it: cd infra && npx cdk deploy Aiuteur-Migration --outputs-file ../outputs.json',
        cause: error,
      },
    );
  }
  if (name === 'InvalidParameterException' || name === 'ClientException') {
    return new ConfigError('AWS_RUN_REQUEST_REFUSED', `ECS refused ${what}: ${e?.message ?? name}`, {
      exit: 'environment',
      hint: 'Usually a task definition, subnet or security group that no longer exists: redeploy the migration stack and rewrite outputs.json (--outputs-file).',
      cause: error,
    });
  }
  const code = e?.code ?? e?.cause?.code;
  if (code && UNREACHABLE.has(code)) {
    return new Supa2awsError('AWS_UNREACHABLE', `cannot reach AWS for ${what} (${code})`, {
      exit: 'environment',
      hint: 'Check the network, the region, and any AWS_ENDPOINT_URL_* variables set in this shell.',
      cause: error,
    });
  }
  return new Supa2awsError('AWS_RUN_FAILED', `${what} failed: ${e?.message ?? String(error)}`, {
    exit: 'environment',
    hint: 'Run again with --verbose for the AWS error; a throttled call can simply be retried.',
    cause: error,
  });
}
