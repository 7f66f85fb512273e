/**
 * `supa2aws migrate-code` in Next.js server code (issue 21): supabase.auth.getUser() / getSession() /
 * signOut() on cookie-bound server clients become the runtime's server session over the request's cookies,
 * per kind of file (server component, route handler, server action, middleware); what cannot be rewritten
 * exactly is marked. A client only those calls used goes, with its cookie adapter and imports (creating it
 * throws once the Supabase variables are gone); one still used for data stays. The rewritten app
 * type-checks against the runtime's sources.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  applyCodeMigration,
  planCodeMigration,
  typeCheckChange,
  type CodeMigrationPlan,
} from '../../src/codemod/index.ts';
import { stubbedAppTsconfig } from '../helpers/codemod-app.ts';
import { tempDir } from '../helpers/temp-dir.ts';

function app(files: Record<string, string>): string {
  const root = tempDir('codemod-next');
  for (const [rel, text] of Object.entries({ ...STUBS, ...files })) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

/** Next.js and Supabase as far as the app uses them (neither is installed here). */
const STUBS: Record<string, string> = {
  'tsconfig.json': stubbedAppTsconfig(
    {
      'next/headers': ['./stubs/next-headers.d.ts'],
      'next/server': ['./stubs/next-server.d.ts'],
      'next/navigation': ['./stubs/next-navigation.d.ts'],
      '@supabase/ssr': ['./stubs/supabase.d.ts'],
      '@supabase/auth-helpers-nextjs': ['./stubs/supabase.d.ts'],
    },
    ['app', 'utils', 'middleware.ts', 'stubs'],
  ),
  // The cookie stores' methods as Next declares them (@edge-runtime/cookies): rest tuples, not overloads.
  'stubs/next-headers.d.ts': [
    'interface Cookie { name: string; value: string }',
    'interface ResponseCookie extends Cookie { path?: string; maxAge?: number; expires?: number | Date }',
    'export declare function cookies(): Promise<{',
    '  get(...args: [name: string] | [Cookie]): Cookie | undefined;',
    '  getAll(): Cookie[];',
    '  set(...args: [key: string, value: string, cookie?: Partial<ResponseCookie>] | [options: ResponseCookie]): void;',
    '}>;',
    '',
  ].join('\n'),
  'stubs/next-server.d.ts': [
    'interface Cookie { name: string; value: string }',
    'declare class RequestCookies {',
    '  get(...args: [name: string] | [Cookie]): Cookie | undefined;',
    '  getAll(): Cookie[];',
    '  set(...args: [key: string, value: string] | [options: Cookie]): this;',
    '}',
    'export declare class NextRequest {',
    '  url: string;',
    '  nextUrl: URL & { clone(): URL };',
    '  cookies: RequestCookies;',
    '}',
    'export declare class NextResponse {',
    '  cookies: RequestCookies;',
    '  static next(init?: unknown): NextResponse;',
    '  static json(body: unknown): NextResponse;',
    '  static redirect(url: URL): NextResponse;',
    '}',
    '',
  ].join('\n'),
  'stubs/next-navigation.d.ts': 'export declare function redirect(url: string): never;\n',
  'stubs/supabase.d.ts': [
    'export declare function createServerClient(url: string, key: string, options: unknown): any;',
    'export declare function createRouteHandlerClient(options: unknown): any;',
    'export declare function createServerComponentClient(options: unknown): any;',
    '',
  ].join('\n'),
  // The @supabase/ssr helper of Supabase's Next.js guide.
  'utils/supabase/server.ts': `import { createServerClient } from '@supabase/ssr';
import { cookies } from 'next/headers';

export async function createClient() {
  const cookieStore = await cookies();
  return createServerClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, {
    cookies: { getAll: () => cookieStore.getAll() },
  });
}
`,
};

/** The comment migrate-code writes above middleware's session (next-server-auth.ts), at two spaces. */
const MIDDLEWARE_NOTE = [
  "  // Token only (signature, expiry, issuer, app client, against the pool's JWKS): Edge middleware has no AWS",
  '  // credentials for the user-state check, one Cognito AdminGetUser per user a minute that refuses disabled or',
  '  // deleted users before their token expires. Route handlers and server components (Node.js) still make it.',
].join('\n');

const after = (plan: CodeMigrationPlan, file: string): string => {
  const change = plan.changes.find((c) => c.file === file);
  assert.ok(change, `${file} changed`);
  return change.after;
};
const outcomes = (plan: CodeMigrationPlan, file: string) =>
  plan.changes.find((c) => c.file === file)?.sites.map((s) => `${s.action} ${s.api}`);

describe('migrate-code: Next.js server code reads the Cognito session from cookies', () => {
  it('GIVEN a server component WHEN planned THEN getUser() is the server session over await cookies(), cookies imported', async () => {
    const root = app({
      'app/dashboard/page.ts': `import { redirect } from 'next/navigation';
import { createClient } from '../../utils/supabase/server';

export default async function Dashboard() {
  const supabase = await createClient();
  const { data: { user }, error } = await supabase.auth.getUser();
  if (error || !user) redirect('/login');
  return \`Hello \${user.email ?? user.id}\`;
}
`,
    });
    const plan = await planCodeMigration(root);
    const page = after(plan, 'app/dashboard/page.ts');
    assert.match(page, /= await serverSessionFromEnv\(await cookies\(\)\)\.getUser\(\);/);
    assert.match(page, /^import \{ serverSessionFromEnv \} from '@supa2aws\/runtime\/server-session';$/m);
    assert.match(page, /^import \{ cookies \} from 'next\/headers';$/m);
    assert.doesNotMatch(
      page,
      /createClient|supabase/,
      'the client only getUser() used is gone, and its import',
    );
    assert.deepEqual(
      plan.removals.deleted,
      ['utils/supabase/server.ts'],
      'nothing imports the factory any more',
    );
    assert.deepEqual(outcomes(plan, 'app/dashboard/page.ts'), ['rewritten supabase.auth.getUser()']);
    assert.deepEqual(typeCheckChange(plan).introduced, []);
  });

  it('GIVEN a server component that also reads a table with its client WHEN planned THEN the client, its import and its factory module stay, the read marked', async () => {
    const root = app({
      'app/notes/page.ts': `import { createClient } from '../../utils/supabase/server';

export default async function Notes() {
  const supabase = await createClient();
  const { data: { user } } = await supabase.auth.getUser();
  const { data } = await supabase.from('notes').select('id');
  return \`\${user?.id} \${data?.length}\`;
}
`,
    });
    const plan = await planCodeMigration(root);
    const page = after(plan, 'app/notes/page.ts');
    assert.match(page, /^import \{ createClient \} from '\.\.\/\.\.\/utils\/supabase\/server';$/m);
    assert.match(page, /^ {2}const supabase = await createClient\(\);$/m);
    assert.match(page, /\/\/ supa2aws: this client carries the user's token, so RLS must hold/);
    assert.deepEqual(plan.removals.deleted, []);
  });

  it('GIVEN a route handler with createRouteHandlerClient({ cookies }) WHEN planned THEN getSession() and signOut() reuse its cookies import', async () => {
    const root = app({
      'app/api/session/route.ts': `import { createRouteHandlerClient } from '@supabase/auth-helpers-nextjs';
import { cookies } from 'next/headers';
import { NextResponse } from 'next/server';

export async function GET() {
  const supabase = createRouteHandlerClient({ cookies });
  const { data: { session } } = await supabase.auth.getSession();
  return NextResponse.json({ expiresAt: session?.expires_at ?? null });
}

export async function DELETE() {
  const supabase = createRouteHandlerClient({ cookies });
  const { error } = await supabase.auth.signOut();
  return NextResponse.json({ error: error?.message ?? null });
}
`,
    });
    const plan = await planCodeMigration(root);
    const route = after(plan, 'app/api/session/route.ts');
    assert.match(route, /await serverSessionFromEnv\(await cookies\(\)\)\.getSession\(\);/);
    assert.match(route, /await serverSessionFromEnv\(await cookies\(\)\)\.signOut\(\);/);
    assert.equal(route.match(/from 'next\/headers'/g)?.length, 1, 'one next/headers import');
    assert.doesNotMatch(
      route,
      /createRouteHandlerClient|auth-helpers/,
      'the clients and their import are gone',
    );
    assert.deepEqual(typeCheckChange(plan).introduced, []);
  });

  it('GIVEN a route handler whose client read a cookie store of its own WHEN planned THEN the store goes with the client, and a shadowed client that is still used stays', async () => {
    const root = app({
      'app/api/me/route.ts': `import { createRouteHandlerClient } from '@supabase/auth-helpers-nextjs';
import { cookies } from 'next/headers';

export async function GET() {
  const cookieStore = cookies();
  const supabase = createRouteHandlerClient({ cookies: () => cookieStore });
  const { data: { user } } = await supabase.auth.getUser();

  const remove = async (id: string) => {
    const supabase = createRouteHandlerClient({ cookies });
    return supabase.from('notes').delete().eq('id', id);
  };
  return Response.json({ id: user?.id ?? null, remove: typeof remove });
}
`,
    });
    const plan = await planCodeMigration(root);
    assert.equal(
      after(plan, 'app/api/me/route.ts'),
      `import { createRouteHandlerClient } from '@supabase/auth-helpers-nextjs';
import { cookies } from 'next/headers';
import { serverSessionFromEnv } from '@supa2aws/runtime/server-session';

export async function GET() {
  const { data: { user } } = await serverSessionFromEnv(await cookies()).getUser();

  const remove = async (id: string) => {
    const supabase = createRouteHandlerClient({ cookies });
    // supa2aws: this client carries the user's token, so RLS must hold: run "DELETE FROM notes WHERE id = $1" inside withUser(db, req.user, (c) => sqlResult(c, ...))
    return supabase.from('notes').delete().eq('id', id);
  };
  return Response.json({ id: user?.id ?? null, remove: typeof remove });
}
`,
    );
    assert.deepEqual(typeCheckChange(plan).introduced, []);
  });

  it("GIVEN a 'use server' action WHEN planned THEN getUser() is rewritten and the imports go after the directive", async () => {
    const root = app({
      'app/actions.ts': `'use server';
import { createClient } from '../utils/supabase/server';

export async function myId() {
  const supabase = await createClient();
  const { data } = await supabase.auth.getUser();
  return data.user?.id ?? null;
}

export async function leave() {
  const supabase = await createClient();
  await supabase.auth.signOut({ scope: 'global' });
}
`,
    });
    const plan = await planCodeMigration(root);
    const actions = after(plan, 'app/actions.ts');
    assert.match(actions, /^'use server';\nimport /);
    assert.match(actions, /const \{ data \} = await serverSessionFromEnv\(await cookies\(\)\)\.getUser\(\);/);
    assert.match(
      actions,
      /\/\/ supa2aws: signOut\(options\) has no scope here: .*\n {2}await supabase\.auth\.signOut\(\{ scope: 'global' \}\);/,
    );
    assert.deepEqual(outcomes(plan, 'app/actions.ts'), [
      'rewritten supabase.auth.getUser()',
      'marked supabase.auth.signOut()',
    ]);
    assert.deepEqual(typeCheckChange(plan).introduced, []);
  });

  it('GIVEN middleware.ts WHEN planned THEN getUser() reads request.cookies with the token alone, said once above it, and signOut() there is marked', async () => {
    const root = app({
      'middleware.ts': `import { createServerClient } from '@supabase/ssr';
import { NextResponse, type NextRequest } from 'next/server';

export async function middleware(req: NextRequest) {
  const supabase = createServerClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, {
    cookies: { getAll: () => req.cookies.getAll() },
  });
  const { data: { user } } = await supabase.auth.getUser();
  if (!user) return NextResponse.redirect(new URL('/login', req.url));
  const { data: { session } } = await supabase.auth.getSession();
  if (req.url.endsWith('/logout')) await supabase.auth.signOut();
  return NextResponse.json({ expiresAt: session?.expires_at });
}
`,
    });
    const plan = await planCodeMigration(root);
    const mw = after(plan, 'middleware.ts');
    assert.ok(
      mw.includes(
        `${MIDDLEWARE_NOTE}\n  const { data: { user } } = await serverSessionFromEnv(req.cookies, { userStateCheck: false }).getUser();\n`,
      ),
      mw,
    );
    assert.match(
      mw,
      /= await serverSessionFromEnv\(req\.cookies, \{ userStateCheck: false \}\)\.getSession\(\);/,
    );
    assert.equal(mw.split('// Token only').length, 2, 'the note is written once per file');
    assert.doesNotMatch(mw, /next\/headers/);
    assert.match(mw, /\/\/ supa2aws: middleware cannot clear the browser's cookies/);
    assert.deepEqual(outcomes(plan, 'middleware.ts'), [
      'rewritten supabase.auth.getUser()',
      'rewritten supabase.auth.getSession()',
      'marked supabase.auth.signOut()',
    ]);
    assert.deepEqual(typeCheckChange(plan).introduced, []);

    // signOut() is still a Supabase call, and the file now imports serverSessionFromEnv: that is no clash.
    writeFileSync(path.join(root, 'middleware.ts'), mw);
    const again = await planCodeMigration(root);
    assert.equal(
      again.changes.find((c) => c.file === 'middleware.ts'),
      undefined,
      'a second run changes nothing',
    );
  });

  it('GIVEN middleware whose client only read the user WHEN planned THEN the client, its cookie adapter and its import go, and the redirect and the response stay', async () => {
    const root = app({
      'middleware.ts': `import { createServerClient } from '@supabase/ssr';
import { NextResponse, type NextRequest } from 'next/server';

export async function middleware(request: NextRequest) {
  const supabase = createServerClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, {
    cookies: { getAll: () => request.cookies.getAll() },
  });
  const { data: { user } } = await supabase.auth.getUser();
  if (!user) return NextResponse.redirect(new URL('/login', request.url));
  return NextResponse.next();
}
`,
    });
    const plan = await planCodeMigration(root);
    assert.equal(
      after(plan, 'middleware.ts'),
      `import { NextResponse, type NextRequest } from 'next/server';
import { serverSessionFromEnv } from '@supa2aws/runtime/server-session';

export async function middleware(request: NextRequest) {
${MIDDLEWARE_NOTE}
  const { data: { user } } = await serverSessionFromEnv(request.cookies, { userStateCheck: false }).getUser();
  if (!user) return NextResponse.redirect(new URL('/login', request.url));
  return NextResponse.next();
}
`,
    );
    assert.deepEqual(typeCheckChange(plan).introduced, []);
  });

  it("GIVEN Supabase's updateSession helper (utils/supabase/middleware.ts) WHEN written twice THEN its client goes, supabaseResponse is a const still returned, middleware.ts is untouched, and the second run changes nothing", async () => {
    const middleware = `import { type NextRequest } from 'next/server';
import { updateSession } from './utils/supabase/middleware';

export async function middleware(request: NextRequest) {
  return await updateSession(request);
}
`;
    const root = app({
      'middleware.ts': middleware,
      'utils/supabase/middleware.ts': `import { createServerClient } from '@supabase/ssr';
import { NextResponse, type NextRequest } from 'next/server';

export async function updateSession(request: NextRequest) {
  let supabaseResponse = NextResponse.next({
    request,
  });

  // With Fluid compute, don't put this client in a global environment
  // variable. Always create a new one on each request.
  const supabase = createServerClient(
    process.env.NEXT_PUBLIC_SUPABASE_URL!,
    process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!,
    {
      cookies: {
        getAll() {
          return request.cookies.getAll();
        },
        setAll(cookiesToSet: { name: string; value: string }[]) {
          cookiesToSet.forEach(({ name, value }) => request.cookies.set(name, value));
          supabaseResponse = NextResponse.next({
            request,
          });
          cookiesToSet.forEach(({ name, value }) => supabaseResponse.cookies.set(name, value));
        },
      },
    },
  );

  // Do not run code between createServerClient and
  // supabase.auth.getUser().
  const {
    data: { user },
  } = await supabase.auth.getUser();

  if (!user && !request.nextUrl.pathname.startsWith('/login')) {
    const url = request.nextUrl.clone();
    url.pathname = '/login';
    return NextResponse.redirect(url);
  }

  return supabaseResponse;
}
`,
    });
    const plan = await planCodeMigration(root);
    assert.equal(
      after(plan, 'utils/supabase/middleware.ts'),
      `import { NextResponse, type NextRequest } from 'next/server';
import { serverSessionFromEnv } from '@supa2aws/runtime/server-session';

export async function updateSession(request: NextRequest) {
  const supabaseResponse = NextResponse.next({
    request,
  });

  // Do not run code between createServerClient and
  // supabase.auth.getUser().
${MIDDLEWARE_NOTE}
  const {
    data: { user },
  } = await serverSessionFromEnv(request.cookies, { userStateCheck: false }).getUser();

  if (!user && !request.nextUrl.pathname.startsWith('/login')) {
    const url = request.nextUrl.clone();
    url.pathname = '/login';
    return NextResponse.redirect(url);
  }

  return supabaseResponse;
}
`,
    );
    assert.deepEqual(outcomes(plan, 'utils/supabase/middleware.ts'), ['rewritten supabase.auth.getUser()']);
    assert.equal(
      plan.changes.find((c) => c.file === 'middleware.ts'),
      undefined,
    );
    assert.deepEqual(typeCheckChange(plan).introduced, []);

    applyCodeMigration(plan, { allowDirty: true });
    assert.deepEqual((await planCodeMigration(root)).changes, [], 'a second run changes nothing');
    assert.equal(readFileSync(path.join(root, 'middleware.ts'), 'utf8'), middleware);
  });

  it('GIVEN calls that cannot take await cookies() WHEN planned THEN they are marked: outside an async function, signOut() in a server component', async () => {
    const root = app({
      'app/api/me/route.ts': `import { createRouteHandlerClient } from '@supabase/auth-helpers-nextjs';
import { cookies } from 'next/headers';

export function GET() {
  const supabase = createRouteHandlerClient({ cookies });
  return supabase.auth.getUser().then(({ data }: any) => Response.json(data));
}
`,
      'app/bye/page.ts': `import { createClient } from '../../utils/supabase/server';

export default async function Bye() {
  const supabase = await createClient();
  await supabase.auth.signOut();
  return 'Bye';
}
`,
    });
    const plan = await planCodeMigration(root);
    assert.match(
      after(plan, 'app/api/me/route.ts'),
      /\/\/ supa2aws: not in an async function, so the request's cookies cannot be awaited here: call serverSessionFromEnv\(await cookies\(\)\)\.getUser\(\) inside one/,
    );
    assert.match(
      after(plan, 'app/bye/page.ts'),
      /\/\/ supa2aws: a server component cannot clear cookies: sign out in a route handler or server action/,
    );
    assert.equal(plan.totals.rewritten, 0);
  });

  it('GIVEN a file of its own named cookies WHEN planned THEN next/headers cookies come in as nextCookies', async () => {
    const root = app({
      'app/profile/page.ts': `import { createClient } from '../../utils/supabase/server';

const cookies = ['theme'];

export default async function Profile() {
  const supabase = await createClient();
  const { data } = await supabase.auth.getUser();
  return \`\${data.user?.id} \${cookies.length}\`;
}
`,
    });
    const plan = await planCodeMigration(root);
    const page = after(plan, 'app/profile/page.ts');
    assert.match(page, /serverSessionFromEnv\(await nextCookies\(\)\)\.getUser\(\)/);
    assert.match(page, /^import \{ cookies as nextCookies \} from 'next\/headers';$/m);
    assert.deepEqual(typeCheckChange(plan).introduced, []);
  });

  it('GIVEN getUser(token) in a route handler WHEN planned THEN the bearer-token rule still applies (auth from the generated module)', async () => {
    const root = app({
      'app/api/token/route.ts': `import { createClient } from '../../../utils/supabase/server';

export async function GET(request: Request) {
  const supabase = await createClient();
  const token = request.headers.get('authorization')?.slice(7) ?? '';
  const { data } = await supabase.auth.getUser(token);
  return Response.json({ id: data.user?.id ?? null });
}
`,
    });
    const plan = await planCodeMigration(root);
    const route = after(plan, 'app/api/token/route.ts');
    assert.match(route, /await auth\.getUser\(token\);/);
    assert.doesNotMatch(route, /serverSessionFromEnv/);
  });

  it('GIVEN Express code at src/middleware.ts and src/app/ WHEN planned THEN this rule leaves it to the server rules (no next/headers there)', async () => {
    const express = `import { createClient } from '@supabase/supabase-js';
import type { Request } from 'express';

export async function whoAmI(req: Request) {
  const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_ANON_KEY!, {
    global: { headers: { Authorization: req.headers.authorization ?? '' } },
  });
  return supabase.auth.getUser();
}
`;
    const root = app({ 'src/middleware.ts': express, 'src/app/users.ts': express });
    const plan = await planCodeMigration(root);
    for (const file of ['src/middleware.ts', 'src/app/users.ts']) {
      assert.doesNotMatch(after(plan, file), /serverSessionFromEnv|next\/headers/);
      assert.deepEqual(outcomes(plan, file), ['marked supabase.auth.getUser()']);
    }
  });

  it('GIVEN a client component that uploads WHEN planned THEN presignedUpload calls its own origin, and the route handler that signs is a new file in the App Router reading the session cookies; it all type-checks', async () => {
    const root = app({
      'stubs/supabase.d.ts': `${STUBS['stubs/supabase.d.ts']}export declare function createBrowserClient(url: string, key: string): any;\n`,
      'utils/supabase/client.ts': `import { createBrowserClient } from '@supabase/ssr';

export const supabase = createBrowserClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!);
`,
      'app/profile/avatar.tsx': `'use client';
import { supabase } from '../../utils/supabase/client';

export async function saveAvatar(userId: string, file: File) {
  const { error } = await supabase.storage.from('avatars').upload(\`\${userId}/avatar.png\`, file, { upsert: true });
  return error;
}
`,
    });
    const plan = await planCodeMigration(root);
    assert.deepEqual(outcomes(plan, 'app/profile/avatar.tsx'), [
      "rewritten supabase.storage.from('avatars').upload()",
    ]);
    const browser = plan.changes.find((c) => c.file.endsWith('supa2aws.browser.ts'))!.after;
    assert.match(browser, /await fetch\('\/api\/storage\/upload-url', \{/);
    assert.doesNotMatch(browser, /import\.meta/);
    const route = plan.changes.find((c) => c.file === 'app/api/storage/upload-url/route.ts');
    assert.ok(route && route.before === undefined, 'the route handler is a created file');
    assert.match(route.after, /^export async function POST\(request: Request\): Promise<Response> \{$/m);
    assert.match(route.after, /await serverSessionFromEnv\(await cookies\(\)\)\.getUser\(\);/);
    assert.match(route.after, /const BUCKETS = new Set\(\['avatars'\]\);/);
    assert.ok(
      plan.changes.every((c) => !c.file.endsWith('supa2aws.upload-route.ts')),
      'no Express router',
    );
    assert.deepEqual(typeCheckChange(plan).introduced, []);
  });

  it('GIVEN a Pages Router app under src/pages that uploads WHEN planned THEN the route handler goes to src/app (a root app/ would switch src/pages off)', async () => {
    const root = app({
      'stubs/supabase.d.ts': `${STUBS['stubs/supabase.d.ts']}export declare function createBrowserClient(url: string, key: string): any;\n`,
      'src/lib/supabase.ts': `import { createBrowserClient } from '@supabase/ssr';
export const supabase = createBrowserClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!);
`,
      'src/pages/profile.tsx': `import { useRouter } from 'next/navigation';
import { supabase } from '../lib/supabase';

export async function saveAvatar(userId: string, file: File) {
  void useRouter;
  return supabase.storage.from('avatars').upload(\`\${userId}/avatar.png\`, file);
}
`,
    });
    const plan = await planCodeMigration(root);
    const created = plan.changes.filter((c) => c.before === undefined).map((c) => c.file);
    assert.ok(created.includes('src/app/api/storage/upload-url/route.ts'), created.join(', '));
    assert.ok(!created.some((f) => f.startsWith('app/')), created.join(', '));
  });
});
