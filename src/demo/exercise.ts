/** What the demo does as a user would: sign in with the old password, then use the migrated app on AWS. */
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { connectPostgres, pgPoolConfig } from '../core/pg.ts';
import type { Config } from '../config/index.ts';
import { Supa2awsError, VerifyError } from '../core/errors.ts';
import {
  adminGetUserAttributes,
  createAuthVerifier,
  createCognitoUserIdResolver,
} from '@supa2aws/runtime/auth';
import { cognitoClient } from '../sandbox/cognito-pool.ts';
import { lambdaInvocations } from '../sandbox/cognito-triggers.ts';
import type { SandboxState } from '../sandbox/index.ts';

export interface DemoSignIn {
  accessToken: string;
  userId: string;
  triggerCalls: number;
}

function fail(code: string, message: string): never {
  throw new VerifyError(code, message, {
    exit: 'verifyFailed',
    hint: 'See the report and the logs in the report directory.',
  });
}

/**
 * Signs the user in twice over USER_PASSWORD_AUTH: the first time the migrate-user trigger checks the old
 * bcrypt hash and moves the user into the pool; the second time Cognito knows the user and the trigger is
 * not called. The token must resolve to the user's old Supabase UUID.
 */
export async function signInWithOldPassword(
  config: Config,
  state: SandboxState,
  email: string,
  password: string,
): Promise<DemoSignIn> {
  const cognito = config.target.cognito;
  if (!cognito?.endpoint)
    throw new Supa2awsError('DEMO_NO_COGNITO', 'the sandbox config has no Cognito stand-in');
  const client = cognitoClient(cognito.endpoint, cognito.region);
  const db = new pg.Pool(pgPoolConfig(config.target.db.url, 'target', { max: 2 }));
  try {
    const signIn = () =>
      client.send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_PASSWORD_AUTH',
          ClientId: cognito.clientId,
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      );
    const before = lambdaInvocations(state, cognito.userPoolId).length;
    await signIn();
    const second = await signIn();
    const triggerCalls = lambdaInvocations(state, cognito.userPoolId).length - before;
    const accessToken = second.AuthenticationResult?.AccessToken;
    if (!accessToken) fail('DEMO_SIGN_IN', `${email} got no access token`);
    if (triggerCalls !== 1)
      fail(
        'DEMO_TRIGGER',
        `the migrate-user trigger ran ${triggerCalls} times over two sign-ins; expected 1`,
      );

    const verifier = createAuthVerifier({
      cognito: {
        userPoolId: cognito.userPoolId,
        issuer: `${cognito.endpoint}/${cognito.userPoolId}`,
        clientIds: [cognito.clientId],
        // cognito-local gives trigger-migrated users no `sub` claim; real Cognito always does.
        requireSub: false,
      },
      resolveUserId: createCognitoUserIdResolver({
        pool: db,
        lookupAttributes: adminGetUserAttributes(client, cognito.userPoolId),
      }),
    });
    const user = await verifier.verify(accessToken);
    const source = await connectPostgres(config.source.db.url, 'source');
    try {
      const { rows } = await source.query<{ id: string }>(
        'SELECT id FROM auth.users WHERE lower(email) = lower($1)',
        [email],
      );
      if (rows[0]?.id !== user.id)
        fail('DEMO_USER_ID', `the token resolved to ${user.id}, not the Supabase UUID ${rows[0]?.id}`);
    } finally {
      await source.end();
    }
    return { accessToken, userId: user.id, triggerCalls };
  } finally {
    client.destroy();
    await db.end();
  }
}

export interface ExerciseResult {
  projects: number;
  imageUrl: string;
  imageBytes: number;
  videoBucket: string;
  videoKey: string;
  videoBytes: number;
  jobMs: number;
  ms: number;
}

async function api<T>(apiUrl: string, token: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${apiUrl}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
  if (!response.ok)
    fail(
      'DEMO_API',
      `${init.method ?? 'GET'} ${path} answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
    );
  return (await response.json()) as T;
}

/** Lists the user's projects, loads a migrated cover image from S3, and runs a video job through the worker. */
export async function exerciseBackend(input: {
  apiUrl: string;
  accessToken: string;
  userId: string;
  targetS3: S3Client;
  videosBucket: string;
  timeoutMs?: number;
}): Promise<ExerciseResult> {
  const started = Date.now();
  const { projects } = await api<{
    projects: Array<{ id: string; user_id: string; cover_image_url: string | null }>;
  }>(input.apiUrl, input.accessToken, '/projects');
  if (projects.length === 0) fail('DEMO_PROJECTS', 'the signed-in user sees no projects');
  if (projects.some((p) => p.user_id !== input.userId))
    fail('DEMO_RLS', 'GET /projects returned another user’s project');
  const withImage = projects.find((p) => p.cover_image_url && /^https?:/.test(p.cover_image_url));
  if (!withImage?.cover_image_url) fail('DEMO_IMAGE', 'no project of the user has a cover image URL');
  if (withImage.cover_image_url.includes('.supabase.co')) {
    fail('DEMO_IMAGE', `the cover image URL still points at Supabase: ${withImage.cover_image_url}`);
  }
  const image = await fetch(withImage.cover_image_url);
  if (!image.ok)
    fail('DEMO_IMAGE', `the migrated image URL answered ${image.status}: ${withImage.cover_image_url}`);
  const imageBytes = (await image.arrayBuffer()).byteLength;

  const jobStart = Date.now();
  const { job } = await api<{ job: { id: string } }>(input.apiUrl, input.accessToken, '/videos', {
    method: 'POST',
    body: JSON.stringify({ projectId: withImage.id, prompt: 'A calm sea at dawn, 5 seconds' }),
  });
  const deadline = Date.now() + (input.timeoutMs ?? 60_000);
  for (;;) {
    const status = await api<{ job: { status: string; error?: string }; video: { url: string } | null }>(
      input.apiUrl,
      input.accessToken,
      `/videos/${job.id}`,
    );
    if (status.job.status === 'completed' && status.video) {
      const video = await fetch(status.video.url);
      if (!video.ok) fail('DEMO_VIDEO', `the presigned video URL answered ${video.status}`);
      const videoBytes = (await video.arrayBuffer()).byteLength;
      const url = new URL(status.video.url);
      const [, bucket, ...key] = url.pathname.split('/');
      return {
        projects: projects.length,
        imageUrl: withImage.cover_image_url,
        imageBytes,
        videoBucket: decodeURIComponent(bucket ?? input.videosBucket),
        videoKey: key.map(decodeURIComponent).join('/'),
        videoBytes,
        jobMs: Date.now() - jobStart,
        ms: Date.now() - started,
      };
    }
    if (status.job.status === 'failed')
      fail('DEMO_VIDEO', `the video job failed: ${status.job.error ?? 'no reason given'}`);
    if (Date.now() > deadline)
      fail('DEMO_VIDEO', `the video job is still ${status.job.status} after the timeout`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
