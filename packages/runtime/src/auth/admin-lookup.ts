/**
 * `lookupAttributes` for the ID resolver (cognito-user-resolver.ts): a user's attributes by Cognito username, with
 * AdminGetUser. Lets the backend place an access token (which carries no custom attributes) of a user whose
 * cognito_sub is not recorded yet. Needs `cognito-idp:AdminGetUser` on the pool.
 */
import {
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';

export function adminGetUserAttributes(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
): (username: string) => Promise<Record<string, string> | undefined> {
  return async (username) => {
    try {
      const user = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }));
      return Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name ?? '', a.Value ?? '']));
    } catch (error) {
      if ((error as { name?: string }).name === 'UserNotFoundException') return undefined;
      throw error;
    }
  };
}
