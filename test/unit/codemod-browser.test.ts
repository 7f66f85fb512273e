/**
 * `supa2aws migrate-code` on browser code: uploads through presigned URLs, MFA calls onto browser-auth's
 * auth.mfa (server-side ones marked with their Amplify call), supabase-js auth types taken from browser-auth
 * (issue 21).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { applyCodeMigration, planCodeMigration, planDiff, typeCheckChange } from '../../src/codemod/index.ts';
import { stubbedAppTsconfig } from '../helpers/codemod-app.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

function app(files: Record<string, string>): string {
  const root = tempDir('codemod-browser');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

/** A tsconfig that compiles browser and Express code against the repository's runtime sources and types. */
const TSCONFIG = stubbedAppTsconfig(
  {
    '@supabase/supabase-js': ['./supabase-stub.d.ts'],
    express: [path.join(REPO, 'node_modules/@types/express/index.d.ts')],
  },
  ['src', 'api', 'env.d.ts', 'supabase-stub.d.ts'],
);

const CLIENT = `import { createClient } from '@supabase/supabase-js';
export const supabase = createClient(import.meta.env.VITE_SUPABASE_URL, import.meta.env.VITE_SUPABASE_ANON_KEY);
`;
const UPLOADS = `import { supabase } from './supabase';

export async function saveAvatar(userId: string, file: File) {
  const { data, error } = await supabase.storage.from('avatars').upload(\`\${userId}/avatar.png\`, file, { contentType: 'image/png' });
  if (error) throw error;
  return data.path;
}

export async function replaceAvatar(userId: string, file: File) {
  return supabase.storage.from('avatars').update(\`\${userId}/avatar.png\`, file);
}

export async function readAvatar(userId: string) {
  return supabase.storage.from('avatars').download(\`\${userId}/avatar.png\`);
}
`;

describe('migrate-code in the browser', () => {
  it('GIVEN browser uploads and an Express API WHEN planned THEN they go through presignedUpload, the route stub is a new file beside the API, and it all type-checks', async () => {
    const root = app({
      'tsconfig.json': TSCONFIG,
      'env.d.ts': '// As Vite types it.\ninterface ImportMeta { readonly env: Record<string, any> }\n',
      'supabase-stub.d.ts': 'export declare function createClient(url?: string, key?: string): any;\n',
      'api/src/server.ts': "import express from 'express';\nexport const app = express();\n",
      'src/lib/supabase.ts': CLIENT,
      'src/lib/avatars.ts': UPLOADS,
    });
    const plan = await planCodeMigration(root);
    const avatars = plan.changes.find((c) => c.file === 'src/lib/avatars.ts')!.after;
    for (const expected of [
      "import { presignedUpload } from '../supa2aws.browser';",
      "await presignedUpload('avatars', `${userId}/avatar.png`, file, { contentType: 'image/png' });",
      "return presignedUpload('avatars', `${userId}/avatar.png`, file, { upsert: true });",
      '  // supa2aws: no S3 credentials in the browser',
    ])
      assert.ok(avatars.includes(expected), `missing: ${expected}\n---\n${avatars}`);
    assert.deepEqual(plan.bySide.browser, { sites: 3, rewritten: 2, marked: 1 });

    const route = plan.changes.find((c) => c.file === 'api/src/supa2aws.upload-route.ts');
    assert.ok(route && route.before === undefined, 'the route stub is a created file');
    assert.match(route.after, /^\/\/ NEW FILE written by `supa2aws migrate-code`/);
    assert.match(route.after, /const BUCKETS = new Set\(\['avatars'\]\);/);
    assert.match(route.after, /storage\.from\(bucket\)\.createSignedUploadUrl\(path/);
    assert.match(route.after, /requireAuth\(createAuthVerifierFromEnv\(\)\)/);
    assert.match(planDiff(plan), /^--- \/dev\/null\n\+\+\+ b\/api\/src\/supa2aws\.upload-route\.ts$/m);
    assert.equal(plan.changes.filter((c) => c.file.endsWith('upload-route.ts')).length, 1, 'once per app');

    const browser = plan.changes.find((c) => c.file === 'src/supa2aws.browser.ts')!.after;
    assert.match(browser, /export async function presignedUpload\(/);
    assert.doesNotMatch(browser, /S3Client|AWS_SECRET|accessKeyId/, 'no S3 credentials in the browser');
    assert.deepEqual(typeCheckChange(plan).introduced, []);
  });

  it('GIVEN a browser upload to a bucket named at run time WHEN planned THEN it stays marked and no route is written', async () => {
    const root = app({
      'src/lib/supabase.ts': CLIENT,
      'src/lib/files.ts': `import { supabase } from './supabase';\nexport const put = (bucket: string, f: File) => supabase.storage.from(bucket).upload('k', f);\n`,
    });
    const plan = await planCodeMigration(root);
    assert.match(
      plan.changes.find((c) => c.file === 'src/lib/files.ts')!.after,
      /\/\/ supa2aws: no S3 credentials in the browser/,
    );
    assert.ok(plan.changes.every((c) => !c.file.endsWith('upload-route.ts')));
  });

  it('GIVEN auth.mfa calls in browser code WHEN planned THEN each becomes the same call on browser-auth, and it type-checks', async () => {
    const root = app({
      'tsconfig.json': TSCONFIG,
      'env.d.ts': '// As Vite types it.\ninterface ImportMeta { readonly env: Record<string, any> }\n',
      'supabase-stub.d.ts': 'export declare function createClient(url?: string, key?: string): any;\n',
      'src/lib/supabase.ts': CLIENT,
      'src/lib/mfa.ts': [
        "import { supabase } from './supabase';",
        'export async function enroll() {',
        "  const { data, error } = await supabase.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Phone' });",
        '  if (error) throw error;',
        '  return { factorId: data.id, qr: data.totp.qr_code, secret: data.totp.secret };',
        '}',
        'export async function confirm(factorId: string, code: string) {',
        '  const challenge = await supabase.auth.mfa.challenge({ factorId });',
        '  if (challenge.error) throw challenge.error;',
        '  return supabase.auth.mfa.verify({ factorId, challengeId: challenge.data.id, code });',
        '}',
        'export const once = (factorId: string, code: string) => supabase.auth.mfa.challengeAndVerify({ factorId, code });',
        'export const off = (factorId: string) => supabase.auth.mfa.unenroll({ factorId });',
        'export async function needsCode() {',
        '  const { data } = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();',
        "  return data?.currentLevel === 'aal1' && data.nextLevel === 'aal2';",
        '}',
        'export async function totpFactorId() {',
        '  const { data } = await supabase.auth.mfa.listFactors();',
        '  return data?.totp[0]?.id;',
        '}',
        '',
      ].join('\n'),
    });
    const plan = await planCodeMigration(root);
    const mfa = plan.changes.find((c) => c.file === 'src/lib/mfa.ts')!.after;
    for (const expected of [
      "import { auth } from '../supa2aws.browser';",
      "await auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Phone' });",
      'await auth.mfa.challenge({ factorId });',
      'return auth.mfa.verify({ factorId, challengeId: challenge.data.id, code });',
      'auth.mfa.challengeAndVerify({ factorId, code });',
      'auth.mfa.unenroll({ factorId });',
      'await auth.mfa.getAuthenticatorAssuranceLevel();',
      'await auth.mfa.listFactors();',
    ])
      assert.ok(mfa.includes(expected), `missing: ${expected}\n---\n${mfa}`);
    assert.doesNotMatch(mfa, /supabase|supa2aws:/);
    assert.deepEqual(plan.bySide.browser, { sites: 7, rewritten: 7, marked: 0 });
    assert.deepEqual(typeCheckChange(plan).introduced, []);
  });

  it('GIVEN auth.mfa calls in server code WHEN planned THEN each stays marked with the Amplify TOTP call that replaces it', async () => {
    const root = app({
      'app/actions.ts': [
        "'use server';",
        "import { createClient } from '@supabase/supabase-js';",
        'const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_ANON_KEY!);',
        'export async function enroll() {',
        "  const { data } = await supabase.auth.mfa.enroll({ factorType: 'totp' });",
        '  return data;',
        '}',
        'export async function confirm(factorId: string, challengeId: string, code: string) {',
        '  return supabase.auth.mfa.verify({ factorId, challengeId, code });',
        '}',
        'export const off = async (factorId: string) => supabase.auth.mfa.unenroll({ factorId });',
        'export const level = async () => supabase.auth.mfa.getAuthenticatorAssuranceLevel();',
        '',
      ].join('\n'),
    });
    const plan = await planCodeMigration(root);
    const mfa = plan.changes.find((c) => c.file === 'app/actions.ts')!.after.split('\n');
    const above = (call: string) =>
      mfa[mfa.findIndex((l) => l.includes(`supabase.auth.mfa.${call}`)) - 1] ?? '';
    assert.match(
      above('enroll('),
      /^ {2}\/\/ supa2aws: server code has no MFA client: run auth\.mfa\.enroll in the browser \(@supa2aws\/runtime\/browser-auth\), or use Amplify Auth \(aws-amplify\/auth\) setUpTOTP\(\)/,
    );
    assert.match(
      above('verify('),
      /verifyTOTPSetup\(\{ code \}\) then updateMFAPreference\(\{ totp: 'PREFERRED' \}\).*confirmSignIn\(\{ challengeResponse: code \}\)/,
    );
    assert.match(above('unenroll('), /updateMFAPreference\(\{ totp: 'DISABLED' \}\)$/);
    assert.match(above('getAuthenticatorAssuranceLevel'), /fetchMFAPreference\(\): Cognito has no AAL/);
    assert.deepEqual(plan.bySide.server, { sites: 4, rewritten: 0, marked: 4 });
  });

  it('GIVEN browser uploads and no Express code WHEN planned THEN the route stub goes beside the browser code, once', async () => {
    const root = app({ 'web/src/lib/supabase.ts': CLIENT, 'web/src/lib/avatars.ts': UPLOADS });
    const plan = await planCodeMigration(root);
    assert.ok(
      plan.changes.some((c) => c.file === 'web/src/supa2aws.upload-route.ts' && c.before === undefined),
    );
    applyCodeMigration(plan, { allowDirty: true });
    assert.deepEqual(
      (await planCodeMigration(root)).changes,
      [],
      'a second run changes nothing, writes no second route',
    );
  });

  it('GIVEN supabase-js auth types in browser code WHEN planned THEN they come from browser-auth under the same names, the rest stay, and it type-checks', async () => {
    const root = app({
      'tsconfig.json': TSCONFIG,
      'env.d.ts': '// As Vite types it.\ninterface ImportMeta { readonly env: Record<string, any> }\n',
      'supabase-stub.d.ts': [
        'export declare function createClient(url?: string, key?: string): any;',
        'export interface Session { access_token: string; user: User }',
        'export interface User { id: string; aud: string }',
        "export type AuthChangeEvent = 'SIGNED_IN' | 'SIGNED_OUT';",
        'export declare class AuthError extends Error {}',
        'export interface SupabaseClient { rest: unknown }',
        '',
      ].join('\n'),
      'src/lib/supabase.ts': CLIENT,
      'src/lib/session.ts': [
        "import type { Session, User as SupabaseUser, SupabaseClient } from '@supabase/supabase-js';",
        "import { AuthError, type AuthChangeEvent } from '@supabase/supabase-js';",
        "import { supabase } from './supabase';",
        '',
        'export async function current(): Promise<Session | null> {',
        '  return (await supabase.auth.getSession()).data.session;',
        '}',
        'export const userOf = (s: Session): SupabaseUser => s.user;',
        'export const seen: AuthChangeEvent[] = [];',
        'export const isAuthError = (e: unknown) => e instanceof AuthError;',
        'export type Client = SupabaseClient;',
        '',
      ].join('\n'),
      'src/main.ts':
        "import type { Session } from '@supabase/supabase-js';\nexport let last: Session | null = null;\n",
      'src/lib/mfa-types.ts':
        "import type { Factor, OAuthResponse } from '@supabase/supabase-js';\nexport let factors: Factor<'totp'>[] = [];\nexport let lastOAuth: OAuthResponse | null = null;\n",
      'api/src/server.ts': [
        "import express from 'express';",
        "import type { User } from '@supabase/supabase-js';",
        'export const app = express();',
        'export const users: User[] = [];',
        '',
      ].join('\n'),
    });
    const plan = await planCodeMigration(root);
    const after = (file: string) => plan.changes.find((c) => c.file === file)?.after ?? '';
    assert.match(
      after('src/lib/session.ts'),
      /^import type \{ SupabaseClient \} from '@supabase\/supabase-js';\nimport type \{ AuthSession as Session, AuthUser as SupabaseUser \} from '@supa2aws\/runtime\/browser-auth';\nimport \{ AuthError \} from '@supabase\/supabase-js';\nimport type \{ AuthChangeEvent \} from '@supa2aws\/runtime\/browser-auth';\n/,
      'AuthError is a class in supabase-js: imported as a value, it stays',
    );
    assert.match(
      after('src/main.ts'),
      /^import type \{ AuthSession as Session \} from '@supa2aws\/runtime\/browser-auth';\n/,
      'a file with no call site (side unknown) too',
    );
    assert.match(
      after('src/lib/mfa-types.ts'),
      /^import type \{ MfaFactor as Factor, OAuthResponse \} from '@supa2aws\/runtime\/browser-auth';\n/,
      'the MFA factor and the OAuth answer have browser-auth counterparts',
    );
    assert.equal(after('api/src/server.ts'), '', 'server code keeps its types');
    assert.deepEqual(typeCheckChange(plan).introduced, []);
  });

  it('GIVEN browser auth calls WHEN planned THEN the generated module takes the Cognito pool, and a stand-in endpoint when set, from the Vite environment', async () => {
    const root = app({
      'src/lib/supabase.ts': CLIENT,
      'src/lib/auth.ts':
        "import { supabase } from './supabase';\nexport const out = () => supabase.auth.signOut();\n",
    });
    const module = (await planCodeMigration(root)).changes.find((c) => c.file === 'src/supa2aws.browser.ts')!;
    for (const line of [
      '  userPoolId: import.meta.env.VITE_COGNITO_USER_POOL_ID,',
      '  userPoolClientId: import.meta.env.VITE_COGNITO_CLIENT_ID,',
      '  ...(import.meta.env.VITE_COGNITO_ENDPOINT ? { userPoolEndpoint: import.meta.env.VITE_COGNITO_ENDPOINT } : {}),',
    ])
      assert.ok(module.after.includes(line), `missing: ${line}\n---\n${module.after}`);
  });

  it('GIVEN a Next.js app WHEN planned THEN the browser module reads NEXT_PUBLIC_ variables, keeps the session in cookies for server code, and the env example and package.json get what it needs', async () => {
    const root = app({
      'package.json': '{\n  "name": "web",\n  "dependencies": {\n    "next": "^15.0.0"\n  }\n}\n',
      '.env.example': 'NEXT_PUBLIC_SUPABASE_URL=\n',
      'src/lib/supabase.ts': CLIENT,
      'src/app/login/form.tsx':
        "'use client';\nimport { useRouter } from 'next/navigation';\nimport { supabase } from '../../lib/supabase';\nexport function useSignOut() {\n  const router = useRouter();\n  return () => supabase.auth.signOut().then(() => router.push('/'));\n}\n",
    });
    const plan = await planCodeMigration(root);
    const after = (file: string) => plan.changes.find((c) => c.file === file)?.after ?? '';
    const module = plan.changes.find((c) => c.file.endsWith('supa2aws.browser.ts'))!.after;
    for (const line of [
      '  userPoolId: process.env.NEXT_PUBLIC_COGNITO_USER_POOL_ID!,',
      '  userPoolClientId: process.env.NEXT_PUBLIC_COGNITO_CLIENT_ID!,',
      '  ssr: true,',
    ])
      assert.ok(module.includes(line), `missing: ${line}\n---\n${module}`);
    assert.ok(!module.includes('import.meta'), 'Next.js has no import.meta.env');
    assert.deepEqual(JSON.parse(after('package.json')).dependencies, {
      '@supa2aws/runtime': '^0.1.0',
      'aws-amplify': '^6.22.1',
      next: '^15.0.0',
    });
    assert.match(
      after('.env.example'),
      /\nNEXT_PUBLIC_COGNITO_USER_POOL_ID=\nNEXT_PUBLIC_COGNITO_CLIENT_ID=\n$/,
    );
  });

  it('GIVEN signInWithOAuth and exchangeCodeForSession in browser code WHEN planned THEN both go to browser-auth, the module configures the hosted UI from VITE_ variables, the env example names them, and it type-checks', async () => {
    const root = app({
      'tsconfig.json': TSCONFIG,
      'env.d.ts': '// As Vite types it.\ninterface ImportMeta { readonly env: Record<string, any> }\n',
      'supabase-stub.d.ts': 'export declare function createClient(url?: string, key?: string): any;\n',
      'package.json': '{\n  "name": "web",\n  "private": true\n}\n',
      '.env.example': 'VITE_SUPABASE_URL=\nVITE_SUPABASE_ANON_KEY=\n',
      'src/lib/supabase.ts': CLIENT,
      'src/lib/oauth.ts': [
        "import { supabase } from './supabase';",
        'export async function continueWithGoogle() {',
        "  const { data, error } = await supabase.auth.signInWithOAuth({ provider: 'google', options: { redirectTo: `${window.location.origin}/auth/callback` } });",
        '  if (error) throw error;',
        '  return data.url;',
        '}',
        'export async function finish(code: string) {',
        '  const { data, error } = await supabase.auth.exchangeCodeForSession(code);',
        '  return error ? null : data.session;',
        '}',
        '',
      ].join('\n'),
    });
    const plan = await planCodeMigration(root);
    const after = (file: string) => plan.changes.find((c) => c.file === file)?.after ?? '';
    for (const expected of [
      "import { auth } from '../supa2aws.browser';",
      "await auth.signInWithOAuth({ provider: 'google',",
      'await auth.exchangeCodeForSession(code);',
    ])
      assert.ok(
        after('src/lib/oauth.ts').includes(expected),
        `missing: ${expected}\n---\n${after('src/lib/oauth.ts')}`,
      );
    assert.deepEqual(plan.bySide.browser, { sites: 2, rewritten: 2, marked: 0 });
    const module = after('src/supa2aws.browser.ts');
    for (const line of [
      '  oauth: {',
      '    domain: import.meta.env.VITE_COGNITO_DOMAIN,',
      '    redirectSignIn: import.meta.env.VITE_COGNITO_REDIRECT_SIGN_IN,',
      '    redirectSignOut: import.meta.env.VITE_COGNITO_REDIRECT_SIGN_OUT,',
    ])
      assert.ok(module.includes(line), `missing: ${line}\n---\n${module}`);
    assert.match(
      after('.env.example'),
      /\nVITE_COGNITO_USER_POOL_ID=\nVITE_COGNITO_CLIENT_ID=\nVITE_COGNITO_DOMAIN=\nVITE_COGNITO_REDIRECT_SIGN_IN=\nVITE_COGNITO_REDIRECT_SIGN_OUT=\n$/,
    );
    assert.deepEqual(typeCheckChange(plan).introduced, []);
  });

  it('GIVEN a Next.js app signing in with signInWithOAuth WHEN planned THEN the hosted UI comes from NEXT_PUBLIC_ variables; an app that does not sign in that way gets none of them', async () => {
    const files = (call: string) => ({
      'package.json': '{\n  "name": "web",\n  "dependencies": {\n    "next": "^15.0.0"\n  }\n}\n',
      '.env.example': 'NEXT_PUBLIC_SUPABASE_URL=\n',
      'src/lib/supabase.ts': CLIENT,
      'src/app/layout.tsx': "import type { Metadata } from 'next';\nexport const metadata: Metadata = {};\n",
      'src/app/login/button.tsx': `'use client';\nimport { supabase } from '../../lib/supabase';\nexport const signIn = () => ${call};\n`,
    });
    const plan = await planCodeMigration(app(files("supabase.auth.signInWithOAuth({ provider: 'azure' })")));
    const after = (file: string) => plan.changes.find((c) => c.file === file)?.after ?? '';
    assert.match(
      after('src/app/login/button.tsx'),
      /export const signIn = \(\) => auth\.signInWithOAuth\(\{ provider: 'azure' \}\);/,
    );
    const module = after('src/supa2aws.browser.ts');
    assert.ok(module.includes('    domain: process.env.NEXT_PUBLIC_COGNITO_DOMAIN!,'), module);
    assert.ok(
      module.includes('    redirectSignIn: process.env.NEXT_PUBLIC_COGNITO_REDIRECT_SIGN_IN!,'),
      module,
    );
    assert.match(
      after('.env.example'),
      /\nNEXT_PUBLIC_COGNITO_DOMAIN=\nNEXT_PUBLIC_COGNITO_REDIRECT_SIGN_IN=\nNEXT_PUBLIC_COGNITO_REDIRECT_SIGN_OUT=\n$/,
    );

    const without = await planCodeMigration(app(files('supabase.auth.signOut()')));
    const all = without.changes.map((c) => c.after).join('\n');
    assert.ok(all.includes('auth.signOut()'));
    assert.doesNotMatch(all, /COGNITO_DOMAIN|REDIRECT_SIGN_IN|oauth:/);
  });

  it('GIVEN signInWithOAuth in server code WHEN planned THEN it is marked: the hosted UI redirect happens in the browser', async () => {
    const root = app({
      'api/src/server.ts': "import express from 'express';\nexport const app = express();\n",
      'api/src/supabase.ts':
        "import { createClient } from '@supabase/supabase-js';\nexport const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_SERVICE_ROLE_KEY!);\n",
      'api/src/login.ts':
        "import { supabase } from './supabase';\nexport const start = () => supabase.auth.signInWithOAuth({ provider: 'github' });\n",
    });
    const plan = await planCodeMigration(root);
    const login = plan.changes.find((c) => c.file === 'api/src/login.ts')!.after;
    assert.match(
      login,
      /\/\/ supa2aws: .*browser-auth has no signInWithOAuth: use Amplify Auth signInWithRedirect, in the browser/,
    );
    assert.ok(plan.changes.every((c) => !/oauth:/.test(c.after)));
  });

  it('GIVEN a migrated app whose changes are not committed yet WHEN migrate-code --write runs again THEN it writes nothing and does not refuse', async () => {
    const root = app({
      'src/lib/supabase.ts': CLIENT,
      'src/lib/auth.ts':
        "import { supabase } from './supabase';\nexport const out = () => supabase.auth.signOut();\n",
    });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'ignore' });
    git('init', '-q');
    git('add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'on supabase');
    applyCodeMigration(await planCodeMigration(root));
    const again = await planCodeMigration(root);
    assert.deepEqual(again.changes, []);
    assert.deepEqual(applyCodeMigration(again), []);
  });
});
