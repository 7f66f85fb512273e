/**
 * Browser uploads after `supa2aws migrate-code`: the browser never holds S3 credentials. Its
 * `storage.from(bucket).upload(path, body, options)` becomes `presignedUpload(bucket, path, body, options)`
 * (in the generated browser module), which asks an API route for a presigned PUT URL and sends the file
 * straight to S3. The route is a new Express router file the migration writes once per app, signing with
 * the runtime storage facade's `createSignedUploadUrl`.
 */
import { runtimeModule } from '../scan/index.ts';

/** Where the router answers, under the API's base URL (VITE_API_BASE_URL in the browser). */
export const UPLOAD_ROUTE_PATH = '/storage/upload-url';
/** The route stub's file name, next to the server code's generated module. */
export const UPLOAD_ROUTE_FILE = 'supa2aws.upload-route.ts';

/** The helper the generated browser module exports (it uses that module's `auth` for the bearer token). */
export const PRESIGNED_UPLOAD = `
/**
 * \`supabase.storage.from(bucket).upload(path, body, options)\` without S3 credentials in the browser: the API
 * route of ${UPLOAD_ROUTE_FILE} signs a PUT URL for the signed-in user and the file goes straight to S3.
 * Answers { data: { path, fullPath }, error } as supabase-js did (an existing object is refused unless upsert).
 * VITE_API_BASE_URL is the API's base URL.
 */
export async function presignedUpload(
  bucket: string,
  path: string,
  body: Blob | ArrayBuffer | ArrayBufferView | string,
  options: { contentType?: string; cacheControl?: string; upsert?: boolean } = {},
): Promise<{ data: { path: string; fullPath: string }; error: null } | { data: null; error: Error }> {
  try {
    const token = (await auth.getSession()).data.session?.access_token;
    const signed = await fetch(\`\${import.meta.env.VITE_API_BASE_URL ?? ''}${UPLOAD_ROUTE_PATH}\`, {
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

const jsString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The Express router that signs browser uploads to `buckets` (the ones browser code uploads to). */
export function uploadRouteModule(buckets: readonly string[], base?: string): string {
  return `// NEW FILE written by \`supa2aws migrate-code\`: the API route browser uploads get a presigned PUT URL from.
// Mount it in the Express app (app.use(storageUploadRouter)); the browser calls POST ${UPLOAD_ROUTE_PATH}.
import { json, Router, type Request } from 'express';
import { createAuthVerifierFromEnv, requireAuth } from '${runtimeModule('auth', base)}';
import { createStorageFromEnv } from '${runtimeModule('storage', base)}';

/** The buckets the browser code uploads to. */
const BUCKETS = new Set([${[...new Set(buckets)].sort().map(jsString).join(', ')}]);

/**
 * Who may write where. Supabase's policies on storage.objects do not come along: this is the usual one
 * (the first folder is the user's id, \`(storage.foldername(name))[1] = auth.uid()\`); make it say what yours said.
 */
function mayWrite(user: NonNullable<Request['user']>, bucket: string, path: string): boolean {
  return BUCKETS.has(bucket) && path.split('/')[0] === user.id;
}

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
