/** Creates the sandbox's Cognito user pool and SPA app client on cognito-local, shaped as the infra stack makes them. */
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';

export interface SandboxPool {
  userPoolId: string;
  clientId: string;
}

export function cognitoClient(endpoint: string, region = 'us-east-1'): CognitoIdentityProviderClient {
  // cognito-local accepts any credentials; real Cognito uses the default chain instead.
  return new CognitoIdentityProviderClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export async function createSandboxPool(
  client: CognitoIdentityProviderClient,
  name = 'aiuteur-users',
): Promise<SandboxPool> {
  const pool = await client.send(
    new CreateUserPoolCommand({
      PoolName: name,
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ['email'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 8,
          RequireLowercase: false,
          RequireUppercase: false,
          RequireNumbers: false,
          RequireSymbols: false,
        },
      },
      Schema: [{ Name: 'supabase_id', AttributeDataType: 'String', Mutable: false }],
    }),
  );
  const userPoolId = pool.UserPool?.Id;
  if (!userPoolId) throw new Error('cognito-local returned no pool id');
  const appClient = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: 'aiuteur-spa',
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    }),
  );
  const clientId = appClient.UserPoolClient?.ClientId;
  if (!clientId) throw new Error('cognito-local returned no client id');
  return { userPoolId, clientId };
}
