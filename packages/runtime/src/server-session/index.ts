export { createServerSession } from './server-session.ts';
export type { ServerSessionOptions } from './server-session.ts';
export { createServerSessionFactory, serverSessionFromEnv } from './from-env.ts';
export type { ServerSessionFactory, ServerSessionFromEnvOptions } from './from-env.ts';
export {
  COGNITO_TOKEN_KEYS,
  cognitoTokenCookie,
  lastAuthUserCookie,
  supabaseAuthCookie,
} from './cookie-names.ts';
export type {
  CookieJar,
  CookieSetOptions,
  CookieToSet,
  ServerSession,
  ServerSessionData,
  SessionError,
  SessionUser,
} from './types.ts';
