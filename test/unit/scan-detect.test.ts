/** What counts as a Supabase use in code and config, and what does not. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  analyzeCode,
  analyzeConfig,
  classify,
  exportedClients,
  importCandidates,
  parseSource,
  type Finding,
} from '../../src/scan/index.ts';

function scan(code: string, file = 'src/app.ts'): Finding[] {
  return analyzeCode({ sf: parseSource(file, code), rel: file, resolveImport: () => undefined });
}

const brief = (fs: Finding[]) => fs.map((f) => `${f.line} ${f.phase} ${f.kind} ${f.api}`);

describe('code', () => {
  it('finds clients however they are made and reached', () => {
    const found = scan(
      [
        "const { createClient: make } = require('@supabase/supabase-js');", // 1
        "import { createBrowserClient } from '@supabase/ssr';", // 2
        'const db = make(url, key);', // 3
        "db.from('a').select('id');", // 4
        'const browser = createBrowserClient(url, key);', // 5
        "await getSupabase().storage.from('b').list('x/');", // 6
        'req.app.locals.supabaseAdmin.auth.admin.deleteUser(id);', // 7
        "(supabase as any).rpc('f');", // 8
        'supabase.auth.getSession().then(({ data }) => data);', // 9
      ].join('\n'),
    );
    assert.deepEqual(brief(found), [
      "1 config import require('@supabase/supabase-js')",
      "2 config import import '@supabase/ssr'",
      '3 config client make()',
      "4 db query db.from('a').select()",
      '5 config client createBrowserClient()',
      "6 storage storage getSupabase().storage.from('b').list()",
      '7 auth auth req.app.locals.supabaseAdmin.auth.admin.deleteUser()',
      "8 db rpc supabase.rpc('f')",
      '9 auth auth supabase.auth.getSession()',
    ]);
    assert.match(found[6]?.replacement ?? '', /Cognito admin API/);
  });

  it('finds SUPABASE_* names and Supabase URLs in code', () => {
    const found = scan(
      [
        'const { SUPABASE_URL, SUPABASE_ANON_KEY: anon } = process.env;', // 1
        "const key = process.env['SUPABASE_SERVICE_ROLE_KEY'];", // 2
        "const jwt = requireEnv('SUPABASE_JWT_SECRET');", // 3
        'const schema = z.object({ SUPABASE_DB_URL: z.string() });', // 4
        'const img = `https://${ref}.supabase.co/storage/v1/object/public/images/${p}`;', // 5
        "const api = 'https://abcd.supabase.co/rest/v1/projects';", // 6
      ].join('\n'),
    );
    assert.deepEqual(brief(found), [
      '1 config env SUPABASE_URL',
      '1 config env SUPABASE_ANON_KEY',
      '2 config env process.env.SUPABASE_SERVICE_ROLE_KEY',
      '3 config env SUPABASE_JWT_SECRET',
      '4 config env SUPABASE_DB_URL',
      '5 storage url .supabase.co/storage/v1/object/public/images/',
      '6 db url https://abcd.supabase.co/rest/v1/projects',
    ]);
    assert.match(found[3]?.replacement ?? '', /JWKS/);
  });

  it('leaves look-alikes alone', () => {
    const found = scan(
      [
        '// We moved off Supabase last year.',
        "const ids = Array.from(new Set(['a']));",
        'const buf = Buffer.from(bytes);',
        "knex.from('projects').select('id');",
        "const storage = { from: (b: string) => b }; storage.from('images');",
        "const msg = 'supabase is gone';",
        'pool.query(sql, params);',
      ].join('\n'),
    );
    assert.deepEqual(found, []);
  });

  it('GIVEN exported functions WHEN a module is read THEN the factories are those that only create a client and return it', () => {
    const factories = (code: string) => [
      ...exportedClients(parseSource('utils/supabase/server.ts', code), 'utils/supabase/server.ts').factories,
    ];
    // Supabase's Next.js guide (utils/supabase/server.ts).
    const guide = [
      "import { createServerClient } from '@supabase/ssr';",
      "import { cookies } from 'next/headers';",
      'export async function createClient() {',
      '  const cookieStore = await cookies();',
      '  return createServerClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, {',
      '    cookies: {',
      '      getAll() { return cookieStore.getAll(); },',
      '      setAll(list: { name: string; value: string }[]) {',
      '        try { list.forEach(({ name, value }) => cookieStore.set(name, value)); } catch {}',
      '      },',
      '    },',
      '  });',
      '}',
    ].join('\n');
    assert.deepEqual(factories(guide), ['createClient']);
    assert.deepEqual(
      factories(
        [
          "import { createServerComponentClient, createBrowserClient } from '@supabase/auth-helpers-nextjs';",
          "import { cookies } from 'next/headers';",
          'export const forPage = () => createServerComponentClient({ cookies });',
          'export function forBrowser(key = process.env.KEY!) {',
          "  const client = createBrowserClient('u', key);",
          '  return client;',
          '}',
        ].join('\n'),
      ),
      ['forPage', 'forBrowser'],
    );
    const notFactories = [
      "import { createClient } from '@supabase/supabase-js';",
      "export function logged() { console.log('new client'); return createClient('u', 'k'); }",
      "export function checked() { if (!process.env.URL) throw new Error('URL'); return createClient('u', 'k'); }",
      "export async function user() { const c = createClient('u', 'k'); return c.auth.getUser(); }",
      "export function keyed() { return createClient('u', readKey()); }",
      "function local() { return createClient('u', 'k'); }",
      "export default function made() { return createClient('u', 'k'); }",
    ].join('\n');
    assert.deepEqual(factories(notFactories), []);
  });

  it('parses TSX and JSX', () => {
    const found = scan(
      "import { supabase } from './supabase';\nexport const B = () => <button onClick={() => supabase.auth.signOut()}>out</button>;",
      'src/components/Logout.tsx',
    );
    assert.deepEqual(brief(found), ['2 auth auth supabase.auth.signOut()']);
    assert.equal(found[0]?.side, 'browser');
  });
});

describe('config files', () => {
  it('finds names, URLs and dependencies line by line', () => {
    const found = analyzeConfig(
      'package.json',
      '{\n  "dependencies": {\n    "@supabase/supabase-js": "^2",\n    "@supabase/ssr": "^0.5"\n  },\n  "x": "https://abc.supabase.co"\n}\n',
    );
    assert.deepEqual(brief(found), [
      '3 config dependency @supabase/supabase-js',
      '4 config dependency @supabase/ssr',
      '6 config url https://abc.supabase.co',
    ]);
    const env = analyzeConfig(
      '.env.production',
      'NEXT_PUBLIC_SUPABASE_URL=https://abc.supabase.co/storage/v1/s3\nOTHER=1\n',
    );
    assert.deepEqual(brief(env), [
      '1 config env NEXT_PUBLIC_SUPABASE_URL',
      '1 storage url https://abc.supabase.co/storage/v1/s3',
    ]);
  });

  it('GIVEN a plan saved by supa2aws (it names the Supabase project by design) WHEN scanned THEN it is not a leftover; another JSON file with the same URL is', () => {
    const plan = (kind: string) =>
      `${JSON.stringify({ kind, version: 1, inputs: { project: 'https://abc.supabase.co' } }, null, 2)}\n`;
    assert.deepEqual(analyzeConfig('storage-plan.json', plan('supa2aws/storage-plan')), []);
    assert.deepEqual(brief(analyzeConfig('other.json', plan('someone/else'))), [
      '5 config url https://abc.supabase.co',
    ]);
  });

  it('classifies files and resolves imports', () => {
    assert.equal(classify('Dockerfile'), 'config');
    assert.equal(classify('.env.local'), 'config');
    assert.equal(classify('task-def.json'), 'config');
    assert.equal(classify('types.d.ts'), null);
    assert.equal(classify('package-lock.json'), null);
    assert.equal(classify('App.tsx'), 'code');
    assert.ok(
      importCandidates('backend/src/routes/p.ts', '../config/supabase.js').includes(
        'backend/src/config/supabase.ts',
      ),
    );
    assert.ok(importCandidates('src/App.tsx', '@/lib/supabase').includes('src/lib/supabase.ts'));
    assert.deepEqual(importCandidates('src/App.tsx', 'react'), []);
  });
});
