import { createAuthVerifier } from '../auth/auth-verifier.ts';
import { verifierOptionsFromEnv, type FromEnvOptions } from '../auth/from-env.ts';
import { createServerSession } from './server-session.ts';
import type { CookieJar, ServerSession } from './types.ts';

/** Makes the server session of each request from one verifier, so its JWKS and user-state caches are shared. */
export type ServerSessionFactory = (cookies: CookieJar) => ServerSession;

/**
 * Server sessions configured as the runtime's verifier is (createAuthVerifierFromEnv: COGNITO_USER_POOL_ID,
 * COGNITO_CLIENT_ID, SUPABASE_URL while ACCEPT_SUPABASE_TOKENS is on...): the cookies of every
 * COGNITO_CLIENT_ID are read, and the Supabase session cookie of SUPABASE_URL during the switch. Call once
 * per process; throws ConfigError (with a hint) when a setting is missing.
 */
export function createServerSessionFactory(options: FromEnvOptions = {}): ServerSessionFactory {
  const settings = verifierOptionsFromEnv(options);
  const verifier = createAuthVerifier(settings);
  const ids = settings.cognito?.clientIds ?? [];
  const clientIds = typeof ids === 'string' ? [ids] : [...ids];
  const supabaseUrl = settings.supabase?.url;
  return (cookies) =>
    createServerSession({ cookies, verifier, clientIds, ...(supabaseUrl ? { supabaseUrl } : {}) });
}

/** What `serverSessionFromEnv` takes besides the cookies; everything else is read from process.env. */
export type ServerSessionFromEnvOptions = Pick<FromEnvOptions, 'userStateCheck'>;

/** One factory per setting of the user-state check, each built on first use. */
const fromProcessEnv = new Map<boolean, ServerSessionFactory>();

/**
 * `createServerSessionFactory()` over process.env, built on first use: what `supa2aws migrate-code` puts
 * where `supabase.auth.getUser()` was, e.g. `serverSessionFromEnv(await cookies()).getUser()`; in
 * middleware, `serverSessionFromEnv(request.cookies, { userStateCheck: false })`.
 */
export function serverSessionFromEnv(
  cookies: CookieJar,
  options: ServerSessionFromEnvOptions = {},
): ServerSession {
  const userStateCheck = options.userStateCheck ?? true;
  let factory = fromProcessEnv.get(userStateCheck);
  if (!factory) {
    factory = createServerSessionFactory({ userStateCheck });
    fromProcessEnv.set(userStateCheck, factory);
  }
  return factory(cookies);
}
