/** Where code runs decides its replacement; clients are found by type, not only by name (issue 21). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeCode, fileSide, parseSource, type Finding } from '../../src/scan/index.ts';

const side = (code: string, file: string) => fileSide(parseSource(file, code), file);
const scan = (code: string, file = 'src/lib/x.ts'): Finding[] =>
  analyzeCode({ sf: parseSource(file, code), rel: file, resolveImport: () => undefined });

describe('which side a file runs on', () => {
  it('a createBrowserClient module is browser code even though it reads process.env', () => {
    const code = `import { createBrowserClient } from '@supabase/ssr';
export const supabase = createBrowserClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!);`;
    assert.equal(side(code, 'utils/supabase/client.ts'), 'browser');
  });

  it('createServerClient, next/headers and server-only make server code', () => {
    assert.equal(
      side(
        `import { createServerClient } from '@supabase/ssr';\nexport const c = () => createServerClient(u, k, {});`,
        'lib/s.ts',
      ),
      'server',
    );
    assert.equal(
      side(`import { cookies } from 'next/headers';\nexport default function P() {}`, 'components/x.tsx'),
      'server',
    );
    assert.equal(side(`import 'server-only';\nexport const x = 1;`, 'src/lib/db.ts'), 'server');
  });

  it("App Router pages, layouts and route handlers are server components unless they say 'use client'", () => {
    const page = `import { Suspense } from 'react';\nexport default async function Page() { return null; }`;
    assert.equal(side(page, 'app/projects/[id]/page.tsx'), 'server');
    assert.equal(side(`'use client';\n${page}`, 'app/projects/[id]/page.tsx'), 'browser');
    assert.equal(side(`export async function GET() {}`, 'src/app/api/jobs/route.ts'), 'server');
  });

  it("'use server' files (server actions) are server code whatever they import", () => {
    assert.equal(
      side(
        `'use server';\nimport { redirect } from 'next/navigation';\nexport async function save() {}`,
        'app/actions.tsx',
      ),
      'server',
    );
  });

  it('a plain component is still browser code', () => {
    assert.equal(
      side(`import { useState } from 'react';\nexport function A() {}`, 'src/components/a.tsx'),
      'browser',
    );
  });
});

describe('clients found by type and by scope', () => {
  it('a parameter typed SupabaseClient, a class property, a ternary between clients', () => {
    const found = scan(
      [
        "import type { SupabaseClient } from '@supabase/supabase-js';", // 1
        'export async function upload(client: SupabaseClient, f: File) {', // 2
        "  return client.storage.from('images').upload('k', f);", // 3
        '}', // 4
        'class Repo {', // 5
        '  constructor(private readonly db: SupabaseClient) {}', // 6
        "  list() { return this.db.from('projects').select('id'); }", // 7
        '}', // 8
        'const pick = (admin: boolean) => {', // 9
        '  const c = admin ? supabaseAdmin : supabase;', // 10
        "  return c.rpc('spend_credits', { n: 1 });", // 11
        '};', // 12
      ].join('\n'),
    );
    assert.deepEqual(
      found.filter((f) => f.kind !== 'import').map((f) => `${f.line} ${f.kind} ${f.api}`),
      [
        "3 storage client.storage.from('images').upload()",
        "7 query this.db.from('projects').select()",
        "11 rpc c.rpc('spend_credits')",
      ],
    );
  });

  it('a client-like name bound to something else is not a client', () => {
    const found = scan(
      [
        'const supabaseStorage = window.localStorage;',
        "supabaseStorage.getItem('session');",
        'const supabaseUrl = process.env.SUPABASE_URL;',
        "supabaseUrl.startsWith('https');",
      ].join('\n'),
    );
    assert.deepEqual(
      found.map((f) => f.kind),
      ['env'],
    );
  });
});

describe('Edge Functions', () => {
  it('are reported, and supabase-js imported through npm:, jsr: or esm.sh is recognised', () => {
    const found = scan(
      [
        "import { createClient } from 'npm:@supabase/supabase-js@2';",
        "import { createClient as c2 } from 'https://esm.sh/@supabase/supabase-js@2.39.3';",
        'Deno.serve(async (req) => {',
        "  const supabase = createClient(Deno.env.get('SUPABASE_URL')!, key);",
        "  await supabase.from('jobs').insert({ id: 1 });",
        '  return new Response();',
        '});',
      ].join('\n'),
      'supabase/functions/enqueue-job/index.ts',
    );
    assert.deepEqual(
      found.map((f) => `${f.line} ${f.phase} ${f.kind}`),
      [
        '1 config import',
        '1 functions functions',
        '2 config import',
        '4 config client',
        '4 config env',
        '5 db query',
      ],
    );
    assert.equal(found.find((f) => f.kind === 'functions')?.api, 'edge function enqueue-job');
    assert.equal(found.find((f) => f.kind === 'query')?.side, 'server');
  });
});
