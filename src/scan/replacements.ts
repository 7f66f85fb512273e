/** What replaces each Supabase use after the migration: a supa2aws runtime module, an AWS call, or a step. */
import { runtimeModule } from './runtime-import.ts';
import type { CodeSide, ScanPhase } from './types.ts';

const DB = runtimeModule('db');
const STORAGE = runtimeModule('storage');
const AUTH = runtimeModule('auth');
const BROWSER_AUTH = runtimeModule('browser-auth');

export function queryReplacement(side: CodeSide): string {
  if (side === 'browser') {
    return `move to an API route: the browser cannot reach RDS; the route runs the SQL with pool.query (${DB})`;
  }
  return `${DB}: const { rows } = await pool.query(sql, params) with pool = createPool(); keep the user filter, or run it in withUser(pool, user, fn) so RLS applies`;
}

export function rpcReplacement(side: CodeSide): string {
  return side === 'browser'
    ? `move to an API route that runs SELECT * FROM fn(...) with pool.query (${DB})`
    : `${DB}: pool.query('SELECT * FROM fn(...)', params)`;
}

/** Methods of supabase.auth that runtime/browser-auth offers with the same shape. */
const BROWSER_SAME_SHAPE = new Set([
  'signUp',
  'signInWithPassword',
  'signOut',
  'getSession',
  'getUser',
  'onAuthStateChange',
]);
/** Methods it offers with the same shape once it is given Cognito's hosted UI (its oauth option). */
const BROWSER_OAUTH = new Set(['signInWithOAuth', 'exchangeCodeForSession']);

/**
 * The Amplify Auth (aws-amplify/auth) calls under each `auth.mfa.<method>`: what browser-auth's `auth.mfa`
 * runs on Cognito TOTP, and what server code (where there is no browser session) would call instead.
 * Cognito has no assurance levels: a user with TOTP on only gets tokens after confirmSignIn.
 */
const MFA: Record<string, string> = {
  enroll:
    "setUpTOTP() (sharedSecret, and getSetupUri(appName, email) for the QR code) in place of mfa.enroll({ factorType: 'totp' })",
  challenge:
    'nothing: at enrollment verifyTOTPSetup({ code }) checks the code; at sign-in the challenge is signIn nextStep CONFIRM_SIGN_IN_WITH_TOTP_CODE',
  verify:
    "verifyTOTPSetup({ code }) then updateMFAPreference({ totp: 'PREFERRED' }) when enrolling; confirmSignIn({ challengeResponse: code }) at sign-in (nextStep CONFIRM_SIGN_IN_WITH_TOTP_CODE)",
  challengeAndVerify:
    "verifyTOTPSetup({ code }) then updateMFAPreference({ totp: 'PREFERRED' }) when enrolling; confirmSignIn({ challengeResponse: code }) at sign-in",
  unenroll: "updateMFAPreference({ totp: 'DISABLED' })",
  listFactors: "fetchMFAPreference() (enabled includes 'TOTP', preferred)",
  getAuthenticatorAssuranceLevel:
    'fetchMFAPreference(): Cognito has no AAL; with TOTP on, a password sign-in gets tokens only after confirmSignIn, but a session from before enrolling or a federated one never passed the code: record where it did',
};

function mfaReplacement(method: string, side: CodeSide): string {
  const amplify = MFA[method];
  if (side === 'browser' && amplify) {
    return `${BROWSER_AUTH}: createBrowserAuth(...).mfa.${method}() — same shape as supabase.auth.mfa.${method} on Cognito TOTP, over Amplify's ${amplify}; a password sign-in waits for the code with no session (aal1 → aal2)`;
  }
  const where = side === 'server' ? 'server code has no MFA client' : 'if this runs in the browser';
  return `${where}: run auth.mfa.${method} in the browser (${BROWSER_AUTH}), or use Amplify Auth (aws-amplify/auth) ${amplify ?? 'setUpTOTP / verifyTOTPSetup / updateMFAPreference / confirmSignIn'}`;
}

export function authReplacement(method: string, side: CodeSide, admin: boolean): string {
  if (method.startsWith('mfa.')) return mfaReplacement(method.slice(4), side);
  if (admin) {
    return `Cognito admin API (AdminCreateUser, AdminGetUser, AdminDeleteUser...); users move with supa2aws auth export/import`;
  }
  if (side !== 'browser' && (method === 'getUser' || method === 'getClaims')) {
    return `${AUTH}: requireAuth(createAuthVerifierFromEnv()) Express middleware; req.user.id stays the Supabase UUID`;
  }
  if (BROWSER_SAME_SHAPE.has(method)) {
    return `${BROWSER_AUTH}: createBrowserAuth(...).${method}() — same shape as supabase.auth.${method}`;
  }
  if (side === 'browser' && BROWSER_OAUTH.has(method)) {
    return `${BROWSER_AUTH}: createBrowserAuth({ ..., oauth: { domain, redirectSignIn, redirectSignOut } }).${method}() — same shape as supabase.auth.${method}, through the Cognito hosted UI; each provider is the user pool's identity provider of that name (google, apple, facebook, amazon built in)`;
  }
  const amplify: Record<string, string> = {
    resetPasswordForEmail: 'resetPassword / confirmResetPassword',
    updateUser: 'updatePassword / updateUserAttributes',
    refreshSession: 'fetchAuthSession({ forceRefresh: true })',
    signInWithOAuth: `signInWithRedirect, in the browser: move the call to browser code, where ${BROWSER_AUTH}'s signInWithOAuth has the same shape (or, server-side in Next.js, @aws-amplify/adapter-nextjs createAuthRouteHandlers)`,
    signInWithOtp: 'signIn with a custom challenge or passwordless (Essentials plan)',
    verifyOtp: 'confirmSignUp / confirmSignIn',
    setSession: 'not needed: Amplify keeps the session',
    exchangeCodeForSession:
      'signInWithRedirect, which exchanges the code itself when the browser comes back (server-side in Next.js: @aws-amplify/adapter-nextjs createAuthRouteHandlers)',
  };
  const alt = amplify[method];
  return `${BROWSER_AUTH} has no ${method}: use Amplify Auth ${alt ?? `(see docs for ${method})`}`;
}

export function storageReplacement(method: string): string {
  const map: Record<string, string> = {
    from: 'the S3 bucket this Supabase bucket maps to',
    upload: 'PutObject (Upload from @aws-sdk/lib-storage for large files)',
    update: 'PutObject over the same key',
    download: 'GetObject',
    getPublicUrl: 'the public S3 / CloudFront URL of the key (no request)',
    createSignedUrl: 'a presigned GetObject URL (@aws-sdk/s3-request-presigner)',
    createSignedUrls: 'presigned GetObject URLs',
    createSignedUploadUrl: 'a presigned PutObject URL',
    uploadToSignedUrl: 'PUT to the presigned URL',
    remove: 'DeleteObjects',
    list: 'ListObjectsV2 with Prefix',
    move: 'CopyObject then DeleteObject',
    copy: 'CopyObject',
    exists: 'HeadObject',
    info: 'HeadObject',
    listBuckets: 'ListBuckets',
    createBucket: 'CreateBucket (or infra/ CDK)',
    getBucket: 'HeadBucket',
    deleteBucket: 'DeleteBucket',
    emptyBucket: 'ListObjectsV2 + DeleteObjects',
    updateBucket: 'bucket policy / CORS in infra/',
  };
  return `${STORAGE}: ${map[method] ?? `the S3 equivalent of ${method}`} on the bucket the plan maps it to`;
}

export function functionsReplacement(): string {
  return 'call the backend API route (or a Lambda) that replaces the Edge Function; no supa2aws runtime module';
}

export function edgeFunctionReplacement(): string {
  return 'a Supabase Edge Function (Deno): move its handler to a route of the API on ECS (or a Lambda), and have callers use that route instead of supabase.functions.invoke';
}

export function realtimeReplacement(): string {
  return 'Realtime is not migrated: poll the API (as Aiuteur does) or use API Gateway WebSockets / AppSync';
}

export function clientReplacement(side: CodeSide): string {
  if (side === 'browser')
    return `${BROWSER_AUTH}: createBrowserAuth({ userPoolId, clientId }); data goes through the API`;
  return `createPool() from ${DB}, createS3Client() from ${STORAGE} and requireAuth from ${AUTH} instead of a Supabase client`;
}

export function importReplacement(pkg: string): { phase: ScanPhase; text: string } {
  if (/auth-ui|auth-helpers/.test(pkg))
    return { phase: 'auth', text: `${BROWSER_AUTH} (or Amplify UI) instead of ${pkg}` };
  return { phase: 'config', text: `remove ${pkg} once no call above remains` };
}

export function dependencyReplacement(pkg: string): string {
  return `remove ${pkg} from dependencies when the scan finds no calls; add supa2aws (runtime) and the AWS SDK clients used`;
}

/** What an environment variable becomes. */
export function envReplacement(name: string): string {
  const n = name.toUpperCase();
  if (/SERVICE_ROLE|SERVICE_KEY|SECRET_KEY/.test(n)) {
    return 'remove: the task role and Secrets Manager give the backend its credentials';
  }
  if (/JWT_SECRET/.test(n)) return `remove: Cognito tokens are checked against the pool's JWKS (${AUTH})`;
  if (/ANON|PUBLISHABLE/.test(n)) {
    return `remove: the browser uses COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID (${BROWSER_AUTH})`;
  }
  if (/DB|DATABASE|POSTGRES|PG/.test(n)) return `DATABASE_URL pointing at RDS (${DB}), from Secrets Manager`;
  if (/STORAGE|BUCKET|S3/.test(n)) return `S3 bucket names and region (${STORAGE})`;
  if (/URL|HOST|PROJECT|REF/.test(n)) {
    return 'remove: the API base URL, DATABASE_URL, S3 buckets and the Cognito pool replace the project URL';
  }
  return 'remove once nothing reads it';
}

/** Which phase a Supabase URL belongs to, by its path or host. */
export function urlPhase(url: string): ScanPhase {
  if (/\/storage\/v1\//.test(url) || /\.storage\.supabase\./.test(url)) return 'storage';
  if (/\/auth\/v1/.test(url)) return 'auth';
  if (/\/rest\/v1/.test(url) || /pooler\.supabase\.com|^(?:[a-z]+:\/\/)?(?:[^@/]*@)?db\./.test(url))
    return 'db';
  if (/\/functions\/v1/.test(url) || /\.functions\.supabase\./.test(url)) return 'functions';
  if (/\/realtime\/v1/.test(url)) return 'realtime';
  return 'config';
}

export function urlReplacement(phase: ScanPhase): string {
  switch (phase) {
    case 'storage':
      return `the S3 or CloudFront URL (${STORAGE}); stored values move with supa2aws storage rewrite-urls`;
    case 'db':
      return `DATABASE_URL of the RDS instance (${DB})`;
    case 'auth':
      return `the Cognito issuer https://cognito-idp.<region>.amazonaws.com/<poolId> (${AUTH})`;
    case 'functions':
      return 'the backend API route that replaces the function';
    case 'realtime':
      return 'no replacement: poll the API';
    default:
      return 'the AWS endpoint that replaces it (API base URL, S3/CloudFront, Cognito)';
  }
}
