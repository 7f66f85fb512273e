/**
 * browser-auth's OAuth settings (issue 21): supabase-js provider names mapped to Cognito's, the redirect URLs as
 * Amplify must see them, and a hosted-UI setting left empty (an environment variable not set at build time)
 * turning OAuth off with a coded answer instead of failing the page's load. The redirect round trip itself is
 * proven in Chromium (test/browser/browser-auth-oauth.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  amplifyOAuthConfig,
  amplifyProvider,
  createBrowserAuth,
  missingOAuthSettings,
} from '@supa2aws/runtime/browser-auth';

describe('browser-auth OAuth settings', () => {
  it("GIVEN supabase-js provider names WHEN mapped THEN the social ones are Cognito's built-in names and any other is a custom provider of that name", () => {
    assert.equal(amplifyProvider('google'), 'Google');
    assert.equal(amplifyProvider('apple'), 'Apple');
    assert.deepEqual(amplifyProvider('azure'), { custom: 'azure' });
  });

  it('GIVEN comma-separated redirect URLs and a domain with a scheme WHEN configured THEN the domain is bare and the URLs shortest first', () => {
    const config = amplifyOAuthConfig({
      domain: 'https://login.example.com/',
      redirectSignIn: 'https://app.example.com/auth/callback, https://app.example.com/',
      redirectSignOut: ['https://app.example.com/'],
    });
    assert.equal(config.domain, 'login.example.com');
    assert.deepEqual(config.redirectSignIn, [
      'https://app.example.com/',
      'https://app.example.com/auth/callback',
    ]);
    assert.deepEqual(config.scopes, ['openid', 'email', 'profile']);
    assert.equal(config.responseType, 'code');
  });

  it('GIVEN hosted-UI settings left empty WHEN the client is created THEN the page still loads and signInWithOAuth answers OAUTH_NOT_CONFIGURED naming them', async () => {
    // What the generated module passes when VITE_COGNITO_DOMAIN is unset and VITE_COGNITO_REDIRECT_SIGN_IN empty.
    const unset = import.meta.env?.VITE_COGNITO_DOMAIN as unknown as string;
    const settings = { domain: unset, redirectSignIn: '', redirectSignOut: 'https://app.example.com/' };
    assert.deepEqual(missingOAuthSettings(settings), ['domain', 'redirectSignIn']);
    const auth = createBrowserAuth({
      userPoolId: 'eu-west-1_abcdefghi',
      userPoolClientId: 'client',
      oauth: settings,
    });
    const { data, error } = await auth.signInWithOAuth({ provider: 'google' });
    assert.deepEqual(data, { provider: 'google', url: null });
    assert.equal(error?.code, 'OAUTH_NOT_CONFIGURED');
    assert.match(error?.message ?? '', /oauth\.domain, oauth\.redirectSignIn are empty/);
    assert.ok(error?.hint);
  });
});
