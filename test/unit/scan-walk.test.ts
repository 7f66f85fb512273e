/** The files a scan reads: .gitignore respected, the file types a Supabase app has (issue 22). */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseSource, scanCodebase, walkFiles } from '../../src/scan/index.ts';
import { tempDir } from '../helpers/temp-dir.ts';

function tree(files: Record<string, string>): string {
  const root = tempDir('scan-walk');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

describe('walkFiles', () => {
  it('leaves out what .gitignore files ignore, at any depth, and the usual build folders', async () => {
    const root = tree({
      '.gitignore': 'generated/\n*.local.ts\n',
      'web/.gitignore': 'legacy.js\n',
      'src/a.ts': '',
      'src/b.local.ts': '',
      'generated/types.ts': '',
      'web/legacy.js': '',
      'web/keep.mjs': '',
      'node_modules/x/index.js': '',
      'tools/build.cjs': '',
    });
    const rels = (await walkFiles(root)).map((f) => f.rel);
    assert.deepEqual(rels, ['src/a.ts', 'tools/build.cjs', 'web/keep.mjs']);
    assert.deepEqual(
      (await walkFiles(root, { exclude: ['tools'] })).map((f) => f.rel),
      ['src/a.ts', 'web/keep.mjs'],
    );
  });
});

describe('component files', () => {
  it('parses the script blocks of .vue, .svelte and .astro files, keeping line numbers', async () => {
    const root = tree({
      'src/Upload.vue': [
        '<template>',
        '  <input type="file" @change="up" />',
        '</template>',
        '<script setup lang="ts">',
        "import { supabase } from '../lib/supabase';",
        "const up = (f: File) => supabase.storage.from('images').upload('k', f);",
        '</script>',
      ].join('\n'),
      'src/routes/Login.svelte': [
        '<script>',
        "  import { supabase } from '$lib/supabase';",
        '  const login = () => supabase.auth.signInWithPassword({ email, password });',
        '</script>',
        '<button on:click={login}>Sign in</button>',
      ].join('\n'),
      'src/pages/projects.astro': [
        '---',
        "import { supabase } from '../lib/supabase';",
        "const { data } = await supabase.from('projects').select('id, title');",
        '---',
        '<ul>{data.map((p) => <li>{p.title}</li>)}</ul>',
      ].join('\n'),
    });
    const report = await scanCodebase(root);
    assert.deepEqual(
      report.findings
        .filter((f) => f.kind !== 'import')
        .map((f) => `${f.file}:${f.line} ${f.kind} ${f.side}`),
      [
        'src/Upload.vue:6 storage browser',
        'src/pages/projects.astro:3 query server',
        'src/routes/Login.svelte:3 auth browser',
      ],
    );
    assert.equal(parseSource('x.vue', '<template><a/></template>').statements.length, 0);
  });
});
