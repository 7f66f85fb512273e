/** The target Cognito user pool as the auth phase talks to it. */
import { requireRegion } from '../core/aws/aws-context.ts';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { Config } from '../config/schema.ts';
import { AuthError } from '../core/errors.ts';
import { outageDeadlineMs } from '../core/outage.ts';

export interface TargetPool {
  client: CognitoIdentityProviderClient;
  userPoolId: string;
  clientId: string;
  /** The endpoint is cognito-local (pool IDs `local_…`): what it cannot show is reported as unknown. */
  emulator: boolean;
}

function isLoopback(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]' || host === '::1';
}

export function targetPool(config: Config, client?: CognitoIdentityProviderClient): TargetPool {
  const cognito = config.target.cognito;
  if (!cognito) {
    throw new AuthError('AUTH_NO_POOL', 'target.cognito is not set in the config', {
      exit: 'usage',
      hint: 'Deploy the auth stack (`cd infra && npx cdk deploy Aiuteur-Auth`), then `supa2aws config from-stack`, or set target.cognito.userPoolId and clientId.',
    });
  }
  const local = cognito.endpoint !== undefined && isLoopback(cognito.endpoint);
  return {
    client:
      client ??
      new CognitoIdentityProviderClient({
        region: requireRegion(cognito.region, 'Cognito (target.cognito)'),
        ...(cognito.endpoint ? { endpoint: cognito.endpoint } : {}),
        // A Cognito that stops answering (or accepts and never answers) is cut off, an error and not only
        // the SDK's warning, within a third of the outage deadline (core/outage.ts), so it ends in exit 3.
        requestHandler: {
          connectionTimeout: Math.min(5_000, Math.ceil(outageDeadlineMs() / 3)),
          requestTimeout: Math.min(30_000, Math.ceil(outageDeadlineMs() / 3)),
          throwOnRequestTimeout: true,
        },
        // cognito-local accepts any credentials; AWS uses the default credential chain.
        ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      }),
    userPoolId: cognito.userPoolId,
    clientId: cognito.clientId,
    emulator: local && cognito.userPoolId.startsWith('local_'),
  };
}

/** The error name an AWS SDK v3 call failed with (e.g. UsernameExistsException). */
export function awsErrorName(error: unknown): string | undefined {
  const e = error as { name?: string; __type?: string } | null;
  return e?.name ?? e?.__type;
}
