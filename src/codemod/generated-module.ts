/**
 * The modules `supa2aws migrate-code` writes next to the app's code (`supa2aws.server.ts`,
 * `supa2aws.browser.ts`): they create the runtime handles the rewritten call sites import, each with only
 * the parts some rewritten file uses.
 */
import { runtimeModule } from '../scan/index.ts';
import { presignedUploadHelper } from './presigned-upload.ts';

/** The runtime handles a rewritten file imports from its generated module. */
export type RuntimeHandle = 'db' | 'sqlResult' | 'rowSql' | 'storage' | 'auth' | 'presignedUpload';

const HEADER =
  '// Written by `supa2aws migrate-code`: the runtime handles this code uses instead of a Supabase client.';

const ROW_SQL = `
/**
 * An insert or update of a row object as PostgREST ran it for supabase-js: keys whose value is undefined
 * are left out (so column defaults still apply), and the row goes as one JSON document converted to each
 * column's type (jsonb_populate_record), so objects, arrays and dates reach json, jsonb, array and
 * timestamp columns as supabase-js sent them. \`where\` and \`returning\` use $1..$n of \`params\`.
 */
export function rowSql(
  op: 'insert' | 'update',
  table: string,
  row: object,
  clauses: { where?: string; params?: unknown[]; returning?: string } = {},
): [string, unknown[]] {
  const rows: Array<Record<string, unknown>> = Array.isArray(row) ? row : [row as Record<string, unknown>];
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => r[k] !== undefined)))];
  const cols = keys.map((k) => \`"\${k.replace(/"/g, '""')}"\`).join(', ');
  const params = [...(clauses.params ?? []), JSON.stringify(op === 'insert' ? rows : rows[0])];
  const json = \`$\${params.length}::jsonb\`;
  const returning = clauses.returning ?? '';
  if (op === 'insert' && keys.length === 0) return [\`INSERT INTO \${table} DEFAULT VALUES\${returning}\`, []];
  if (op === 'insert')
    return [
      \`INSERT INTO \${table} (\${cols}) SELECT \${cols} FROM jsonb_populate_recordset(NULL::\${table}, \${json})\${returning}\`,
      params,
    ];
  if (keys.length === 0)
    return [\`SELECT * FROM \${table}\${clauses.where ? \`\${clauses.where} AND false\` : ' WHERE false'}\`, clauses.params ?? []];
  return [
    \`UPDATE \${table} SET (\${cols}) = (SELECT \${cols} FROM jsonb_populate_record(NULL::\${table}, \${json}))\${clauses.where ?? ''}\${returning}\`,
    params,
  ];
}
`;

const SERVER_AUTH = `
let verifier: AuthVerifier | undefined;

/**
 * \`supabase.auth.getUser(token)\` on the runtime's verifier: Cognito tokens (and Supabase tokens while
 * SUPABASE_URL is set, for the migration window), configured by COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID...
 * (see createAuthVerifierFromEnv). \`user.id\` is still the Supabase UUID. The user carries id, email and
 * role; Supabase's app_metadata and user_metadata are not in the token: read them from the database.
 */
export const auth = {
  async getUser(token: string) {
    try {
      verifier ??= createAuthVerifierFromEnv();
      const user = await verifier.verify(token);
      return { data: { user: { id: user.id, email: user.email, role: user.role } }, error: null };
    } catch (error) {
      return { data: { user: null }, error: error as Error };
    }
  },
};
`;

/** The generated module that creates the runtime handles for one side. */
/**
 * How the browser module reads its settings: Vite's `import.meta.env.VITE_*`, or, in a Next.js app, the
 * `process.env.NEXT_PUBLIC_*` names Next inlines, with the session in cookies (`ssr`) so that server code
 * reads it through runtime/server-session.
 */
export type BrowserBundler = 'vite' | 'next';

export interface BrowserFeatures {
  /**
   * Some rewritten file signs in through Cognito's hosted UI (signInWithOAuth): the module configures the user
   * pool domain and the app client's callback and sign-out URLs.
   * @default false
   */
  oauth?: boolean;
}

export function generatedModule(
  side: 'server' | 'browser',
  handles: ReadonlySet<RuntimeHandle>,
  base?: string,
  bundler: BrowserBundler = 'vite',
  features: BrowserFeatures = {},
): string {
  const env = (name: string) =>
    bundler === 'next' ? `process.env.NEXT_PUBLIC_${name}` : `import.meta.env.VITE_${name}`;
  // Next types process.env values as string | undefined (it inlines them at build time); Vite's as any.
  const required = (name: string) => `${env(name)}${bundler === 'next' ? '!' : ''}`;
  if (side === 'browser')
    return (
      [
        '// Written by `supa2aws migrate-code`: Cognito sign-in shaped like supabase.auth.',
        `import { createBrowserAuth } from '${runtimeModule('browser-auth', base)}';`,
        '',
        'export const auth = createBrowserAuth({',
        `  userPoolId: ${required('COGNITO_USER_POOL_ID')},`,
        `  userPoolClientId: ${required('COGNITO_CLIENT_ID')},`,
        "  // Only for a local Cognito stand-in (cognito-local, as in the supa2aws sandbox): on AWS it follows from the pool's region.",
        `  ...(${env('COGNITO_ENDPOINT')} ? { userPoolEndpoint: ${env('COGNITO_ENDPOINT')} } : {}),`,
        ...(bundler === 'next'
          ? [
              '  // The session in cookies, where server code reads it (@supa2aws/runtime/server-session).',
              '  ssr: true,',
            ]
          : []),
        ...(features.oauth
          ? [
              "  // Cognito's hosted UI for signInWithOAuth: the user pool domain (no https://), and the callback and",
              '  // sign-out URLs exactly as the app client lists them (comma-separated when there are several).',
              '  oauth: {',
              `    domain: ${required('COGNITO_DOMAIN')},`,
              `    redirectSignIn: ${required('COGNITO_REDIRECT_SIGN_IN')},`,
              `    redirectSignOut: ${required('COGNITO_REDIRECT_SIGN_OUT')},`,
              '  },',
            ]
          : []),
        '});',
        '',
      ].join('\n') + (handles.has('presignedUpload') ? presignedUploadHelper(bundler) : '')
    );
  const db = handles.has('db') || handles.has('sqlResult');
  const lines = [HEADER];
  if (handles.has('auth'))
    lines.push(
      `import { createAuthVerifierFromEnv, type AuthVerifier } from '${runtimeModule('auth', base)}';`,
    );
  if (db) lines.push(`import { createPool, sqlResult } from '${runtimeModule('db', base)}';`);
  if (handles.has('storage'))
    lines.push(`import { createStorageFromEnv } from '${runtimeModule('storage', base)}';`);
  if (db)
    lines.push(
      '',
      '/** RDS through a pg Pool: DATABASE_URL (or the PG* variables), TLS as libpq does. */',
      'export const db = createPool();',
      'export { sqlResult };',
    );
  if (handles.has('storage'))
    lines.push(
      '',
      '/** S3 with the buckets of S3_<BUCKET_ID>_BUCKET, shaped like supabase.storage (S3_CHECKSUMS_WHEN_REQUIRED=true for browser uploads to presigned URLs). */',
      'export const storage = createStorageFromEnv();',
    );
  let text = `${lines.join('\n')}\n`;
  if (handles.has('auth')) text += SERVER_AUTH;
  if (handles.has('rowSql')) text += ROW_SQL;
  return text;
}
