/**
 * Browser uploads after `supa2aws migrate-code`: the browser never holds S3 credentials. Its
 * `storage.from(bucket).upload(path, body, options)` becomes `presignedUpload(bucket, path, body, options)`
 * (in the generated browser module), which asks an API route for a presigned PUT URL and sends the file
 * straight to S3. The route is a new file the migration writes once per app, signing with the runtime
 * storage facade's `createSignedUploadUrl`: an Express router beside a Vite app's API, a route handler in a
 * Next.js app's App Router (same origin, the user from the session cookies).
 */
import { runtimeModule } from '../scan/index.ts';
import type { BrowserBundler } from './generated-module.ts';
import { jsString } from './js-string.ts';

/** Where the Express router answers, under the API's base URL (VITE_API_BASE_URL in the browser). */
export const UPLOAD_ROUTE_PATH = '/storage/upload-url';
/** The Express route stub's file name, next to the server code's generated module. */
export const UPLOAD_ROUTE_FILE = 'supa2aws.upload-route.ts';
/** The Next.js route handler, under the App Router's directory: it answers at /api/storage/upload-url. */
export const NEXT_UPLOAD_ROUTE_FILE = 'api/storage/upload-url/route.ts';
const NEXT_UPLOAD_ROUTE_PATH = '/api/storage/upload-url';

/**
 * The helper the generated browser module exports (it uses that module's `auth` for the bearer token): to
 * the Express route at VITE_API_BASE_URL in a Vite app, to the same origin's route handler in a Next.js app.
 */
export function presignedUploadHelper(bundler: BrowserBundler): string {
  const [url, route] =
    bundler === 'next'
      ? [`'${NEXT_UPLOAD_ROUTE_PATH}'`, `the route handler app/${NEXT_UPLOAD_ROUTE_FILE}`]
      : [
          `\`\${import.meta.env.VITE_API_BASE_URL ?? ''}${UPLOAD_ROUTE_PATH}\``,
          `the API route of ${UPLOAD_ROUTE_FILE}`,
        ];
  return `
/**
 * \`supabase.storage.from(bucket).upload(path, body, options)\` without S3 credentials in the browser:
 * ${route} signs a PUT URL for the signed-in user and the file goes straight to S3.
 * Answers { data: { path, fullPath }, error } as supabase-js did (an existing object is refused unless upsert).
 */
export async function presignedUpload(
  bucket: string,
  path: string,
  body: Blob | ArrayBuffer | ArrayBufferView | string,
  options: { contentType?: string; cacheControl?: string; upsert?: boolean } = {},
): Promise<{ data: { path: string; fullPath: string }; error: null } | { data: null; error: Error }> {
  try {
    const token = (await auth.getSession()).data.session?.access_token;
    const signed = await fetch(${url}, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: \`Bearer \${token}\` } : {}) },
      body: JSON.stringify({ bucket, path, upsert: options.upsert === true }),
    });
    if (!signed.ok) throw new Error(\`upload URL refused: HTTP \${signed.status} \${await signed.text()}\`);
    const { signedUrl } = (await signed.json()) as { signedUrl: string };
    const type = options.contentType ?? (body instanceof Blob && body.type ? body.type : 'application/octet-stream');
    const put = await fetch(signedUrl, {
      method: 'PUT',
      body: body as BodyInit,
      headers: {
        'content-type': type,
        ...(options.cacheControl ? { 'cache-control': \`max-age=\${options.cacheControl}\` } : {}),
      },
    });
    if (!put.ok) throw new Error(\`upload failed: HTTP \${put.status}\`);
    return { data: { path, fullPath: \`\${bucket}/\${path}\` }, error: null };
  } catch (error) {
    return { data: null, error: error as Error };
  }
}
`;
}

/** The buckets as the route stubs declare them, and who may write where. */
function bucketsAndRule(buckets: readonly string[], user: string): string {
  return `/** The buckets the browser code uploads to. */
const BUCKETS = new Set([${[...new Set(buckets)].sort().map(jsString).join(', ')}]);

/**
 * Who may write where. Supabase's policies on storage.objects do not come along: this is the usual one
 * (the first folder is the user's id, \`(storage.foldername(name))[1] = auth.uid()\`); make it say what yours said.
 */
function mayWrite(${user}, bucket: string, path: string): boolean {
  return BUCKETS.has(bucket) && path.split('/')[0] === user.id;
}`;
}

/** The Express router that signs browser uploads to `buckets` (the ones browser code uploads to). */
export function uploadRouteModule(buckets: readonly string[], base?: string): string {
  return `// NEW FILE written by \`supa2aws migrate-code\`: the API route browser uploads get a presigned PUT URL from.
// Mount it in the Express app (app.use(storageUploadRouter)); the browser calls POST ${UPLOAD_ROUTE_PATH}.
import { json, Router, type Request } from 'express';
import { createAuthVerifierFromEnv, requireAuth } from '${runtimeModule('auth', base)}';
import { createStorageFromEnv } from '${runtimeModule('storage', base)}';

${bucketsAndRule(buckets, "user: NonNullable<Request['user']>")}

const storage = createStorageFromEnv();

export const storageUploadRouter = Router();

storageUploadRouter.post('${UPLOAD_ROUTE_PATH}', json(), requireAuth(createAuthVerifierFromEnv()), async (req, res) => {
  const { bucket, path, upsert } = (req.body ?? {}) as { bucket?: unknown; path?: unknown; upsert?: unknown };
  if (typeof bucket !== 'string' || typeof path !== 'string' || path === '') {
    res.status(400).json({ error: 'expected { bucket, path }' });
    return;
  }
  if (!mayWrite(req.user!, bucket, path)) {
    res.status(403).json({ error: \`may not write \${bucket}/\${path}\` });
    return;
  }
  const { data, error } = await storage.from(bucket).createSignedUploadUrl(path, { upsert: upsert === true });
  if (error) {
    res.status(error.statusCode === '409' ? 409 : 400).json({ error: error.message });
    return;
  }
  res.json({ signedUrl: data.signedUrl, path: data.path });
});
`;
}

/**
 * The Next.js route handler that signs browser uploads to `buckets`: the user comes from the session
 * cookies (the runtime's server session), so the browser calls its own origin.
 */
export function nextUploadRouteModule(buckets: readonly string[], base?: string): string {
  return `// NEW FILE written by \`supa2aws migrate-code\`: the route handler browser uploads get a presigned PUT URL from
// (POST ${NEXT_UPLOAD_ROUTE_PATH}).
import { cookies } from 'next/headers';
import { serverSessionFromEnv, type SessionUser } from '${runtimeModule('server-session', base)}';
import { createStorageFromEnv } from '${runtimeModule('storage', base)}';

${bucketsAndRule(buckets, 'user: SessionUser')}

const storage = createStorageFromEnv();

export async function POST(request: Request): Promise<Response> {
  const { data: session } = await serverSessionFromEnv(await cookies()).getUser();
  if (!session.user) return Response.json({ error: 'sign in first' }, { status: 401 });
  const { bucket, path, upsert } = ((await request.json().catch(() => null)) ?? {}) as {
    bucket?: unknown;
    path?: unknown;
    upsert?: unknown;
  };
  if (typeof bucket !== 'string' || typeof path !== 'string' || path === '')
    return Response.json({ error: 'expected { bucket, path }' }, { status: 400 });
  if (!mayWrite(session.user, bucket, path))
    return Response.json({ error: \`may not write \${bucket}/\${path}\` }, { status: 403 });
  const { data, error } = await storage.from(bucket).createSignedUploadUrl(path, { upsert: upsert === true });
  if (error) return Response.json({ error: error.message }, { status: error.statusCode === '409' ? 409 : 400 });
  return Response.json({ signedUrl: data.signedUrl, path: data.path });
}
`;
}
