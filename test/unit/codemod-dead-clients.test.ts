/**
 * `supa2aws migrate-code` removes the Supabase clients its rewrite leaves unused (creating one throws once
 * the Supabase variables are gone), with what only fed them, and nothing that has another effect.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { applyCodeMigration, planCodeMigration, type CodeMigrationPlan } from '../../src/codemod/index.ts';
import { tempDir } from '../helpers/temp-dir.ts';

function app(files: Record<string, string>): string {
  const root = tempDir('codemod-dead-clients');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const after = (plan: CodeMigrationPlan, file: string): string => {
  const change = plan.changes.find((c) => c.file === file);
  assert.ok(change, `${file} changed`);
  return change.after;
};

/** Middleware whose only Supabase call is getUser(), with `head` above it and `client` making its client. */
const middleware = (
  head: string,
  client: string,
) => `${head}import { createServerClient } from '@supabase/ssr';
import { NextResponse, type NextRequest } from 'next/server';

export async function middleware(request: NextRequest) {
${client}
  const { data } = await supabase.auth.getUser();
  return data.user ? NextResponse.next() : NextResponse.redirect(new URL('/login', request.url));
}
`;

describe('migrate-code: Supabase clients the rewrite leaves unused', () => {
  it('GIVEN an Express module whose client only checked bearer tokens WHEN written twice THEN the client and the variable that fed it go, one blank line stays, and the second run changes nothing', async () => {
    const root = app({
      'server/auth.ts': `import { createClient } from '@supabase/supabase-js';
import type { Request } from 'express';

const supabaseUrl = process.env.SUPABASE_URL!;
const supabase = createClient(supabaseUrl, process.env.SUPABASE_ANON_KEY!);

export async function userOf(req: Request) {
  const { data } = await supabase.auth.getUser(req.headers.authorization?.slice(7) ?? '');
  return data.user;
}
`,
    });
    const plan = await planCodeMigration(root);
    assert.equal(
      after(plan, 'server/auth.ts'),
      `import type { Request } from 'express';
import { auth } from './supa2aws.server';

export async function userOf(req: Request) {
  const { data } = await auth.getUser(req.headers.authorization?.slice(7) ?? '');
  return data.user;
}
`,
    );
    applyCodeMigration(plan, { allowDirty: true });
    assert.deepEqual((await planCodeMigration(root)).changes, [], 'a second run changes nothing');
  });

  it("GIVEN a page whose only import was its client factory, under a comment WHEN planned THEN the runtime's imports take its place, the comment and the blank line below stay, and the factory module goes", async () => {
    const root = app({
      'lib/supabase/server.ts': `import { createServerClient } from '@supabase/ssr';
import { cookies } from 'next/headers';

export const createClient = () => {
  const cookieStore = cookies();
  return createServerClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, {
    cookies: { get: (name: string) => cookieStore.get(name)?.value },
  });
};
`,
      'app/page.tsx': `// The home page.
import { createClient } from '../lib/supabase/server';

export default async function Home() {
  const supabase = createClient();
  const { data: { user } } = await supabase.auth.getUser();
  return <p>{user?.email}</p>;
}
`,
    });
    const plan = await planCodeMigration(root);
    assert.equal(
      after(plan, 'app/page.tsx'),
      `// The home page.
import { serverSessionFromEnv } from '@supa2aws/runtime/server-session';
import { cookies } from 'next/headers';

export default async function Home() {
  const { data: { user } } = await serverSessionFromEnv(await cookies()).getUser();
  return <p>{user?.email}</p>;
}
`,
    );
    assert.deepEqual(plan.removals.deleted, ['lib/supabase/server.ts']);
  });

  it('GIVEN a client whose creation does something else (a call) WHEN planned THEN it stays, unused', async () => {
    const client = [
      '  const supabase = createServerClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, await keyFromVault(), {',
      '    cookies: { getAll: () => request.cookies.getAll() },',
      '  });',
    ].join('\n');
    const root = app({
      'middleware.ts': middleware("import { keyFromVault } from './vault';\n", client),
      'vault.ts': "export const keyFromVault = async () => 'k';\n",
    });
    const mw = after(await planCodeMigration(root), 'middleware.ts');
    assert.ok(mw.includes(client), mw);
    assert.match(mw, /serverSessionFromEnv\(request\.cookies, \{ userStateCheck: false \}\)\.getUser\(\)/);
  });

  it('GIVEN imports that only fed the client WHEN planned THEN a type goes, a value of a module that may run code on import leaves the import, and a binding still used stays', async () => {
    const root = app({
      'middleware.ts': middleware(
        "import type { Database } from './database';\nimport { env, siteName } from './env';\nimport { config } from './config';\n",
        [
          '  const supabase = createServerClient<Database>(env.url, config.key, {',
          '    cookies: { getAll: () => request.cookies.getAll() },',
          '  });',
          '  request.headers.set("x-site", siteName);',
        ].join('\n'),
      ),
      'database.ts': 'export type Database = { public: object };\n',
      'env.ts': "export const env = { url: 'u' };\nexport const siteName = 's';\n",
      'config.ts': "export const config = { key: 'k' };\n",
    });
    const mw = after(await planCodeMigration(root), 'middleware.ts');
    assert.match(
      mw,
      /^import \{ siteName \} from '\.\/env';\nimport '\.\/config';\nimport \{ NextResponse, type NextRequest \} from 'next\/server';\n/,
    );
    assert.doesNotMatch(mw, /Database|createServerClient|env\.url/);
  });

  it("GIVEN lets the client's cookie adapter reassigned WHEN planned THEN one reassigned only there is a const, one reassigned elsewhere too stays a let", async () => {
    const root = app({
      'middleware.ts': middleware(
        '',
        [
          '  let response = NextResponse.next();',
          '  let seen = 0;',
          '  for (seen of [1, 2]) response.headers.set("x-seen", String(seen));',
          '  const supabase = createServerClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, {',
          '    cookies: {',
          '      getAll: () => request.cookies.getAll(),',
          '      setAll: () => {',
          '        response = NextResponse.next();',
          '        seen = 1;',
          '      },',
          '    },',
          '  });',
          '  void response;',
        ].join('\n'),
      ),
    });
    const mw = after(await planCodeMigration(root), 'middleware.ts');
    assert.match(mw, /^ {2}const response = NextResponse\.next\(\);$/m);
    assert.match(mw, /^ {2}let seen = 0;$/m);
    assert.doesNotMatch(mw, /createServerClient|setAll/);
  });

  it('GIVEN a client created as the body of an if WHEN planned THEN it stays: the if would be left without one', async () => {
    const declared =
      '  if (req.headers.authorization) var supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_ANON_KEY!);';
    const root = app({
      'server/auth.ts': `import { createClient } from '@supabase/supabase-js';
import type { Request } from 'express';

export async function userOf(req: Request) {
${declared}
  const { data } = await supabase!.auth.getUser(req.headers.authorization?.slice(7) ?? '');
  return data.user;
}
`,
    });
    const auth = after(await planCodeMigration(root), 'server/auth.ts');
    assert.ok(auth.includes(`${declared}\n`), auth);
    assert.match(auth, /await auth\.getUser\(/);
  });

  it('GIVEN a client no code used even before the migration WHEN planned THEN it is not the rewrite that left it unused: it stays', async () => {
    const unused =
      '  const spare = createServerClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, { cookies: {} });';
    const root = app({
      'middleware.ts': middleware(
        '',
        `${unused}\n  const supabase = createServerClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, { cookies: {} });`,
      ),
    });
    const mw = after(await planCodeMigration(root), 'middleware.ts');
    assert.ok(mw.includes(`${unused}\n`), mw);
    assert.doesNotMatch(mw, /const supabase =/);
  });
});
