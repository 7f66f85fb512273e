/**
 * Creates the sandbox's Cognito user pool and SPA app client on cognito-local, shaped as the infra stack
 * should make them for the auth migration (src/auth/user-id.ts): sign-in by email or phone as username
 * attributes, case-insensitive, the Supabase UUID in an immutable `custom:supabase_id` that the app client
 * cannot write, USER_PASSWORD_AUTH allowed (the migrate-user trigger fires only on it) and the trigger
 * named (cognito-local itself takes triggers from .cognito/config.json: see cognito-triggers.ts).
 */
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { MIGRATE_USER_FUNCTION } from './cognito-triggers.ts';

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
      UsernameAttributes: ['email', 'phone_number'],
      LambdaConfig: {
        UserMigration: `arn:aws:lambda:us-east-1:000000000000:function:${MIGRATE_USER_FUNCTION}`,
      },
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
      // Everything a user may edit about themselves, but not the Supabase UUID.
      WriteAttributes: ['email', 'phone_number', 'name', 'given_name', 'family_name', 'picture', 'locale'],
    }),
  );
  const clientId = appClient.UserPoolClient?.ClientId;
  if (!clientId) throw new Error('cognito-local returned no client id');
  return { userPoolId, clientId };
}
