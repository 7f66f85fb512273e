/**
 * The AWS clients `aws run` and `aws in-task` use, in one region, with the SDK's default credential chain
 * (the profile the CLI resolved, or the task role). The SDK's own endpoint variables (AWS_ENDPOINT_URL_ECS,
 * AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SECRETS_MANAGER) point them at a
 * local stand-in; S3 then uses path-style addressing and sends checksums only where S3 requires them, as
 * local S3 servers need.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface AwsRunClients {
  ecs: ECSClient;
  logs: CloudWatchLogsClient;
  s3: S3Client;
  secrets: SecretsManagerClient;
}

export function awsRunClients(region: string, env: NodeJS.ProcessEnv = process.env): AwsRunClients {
  const localS3 = Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  return {
    ecs: new ECSClient({ region }),
    logs: new CloudWatchLogsClient({ region }),
    s3: new S3Client({
      region,
      ...(localS3
        ? {
            forcePathStyle: true,
            requestChecksumCalculation: 'WHEN_REQUIRED' as const,
            responseChecksumValidation: 'WHEN_REQUIRED' as const,
          }
        : {}),
    }),
    secrets: new SecretsManagerClient({ region }),
  };
}
