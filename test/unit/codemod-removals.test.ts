/** `supa2aws migrate-code` removes what nothing uses once the call sites are rewritten (issue 21). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { applyCodeMigration, planCodeMigration, planDiff, typeCheckChange } from '../../src/codemod/index.ts';
import { envFileKind, isClientModule, planRemovals } from '../../src/codemod/remove-unused.ts';
import { parseSource } from '../../src/scan/index.ts';
import { tempDir } from '../helpers/temp-dir.ts';

function app(files: Record<string, string>): string {
  const root = tempDir('codemod-removals');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const CLIENT = `import { createClient } from '@supabase/supabase-js';
import dotenv from 'dotenv';

dotenv.config();
const url = process.env.SUPABASE_URL;
const serviceKey = process.env.SUPABASE_SERVICE_ROLE_KEY;
if (!url || !serviceKey) throw new Error('SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY must be set');

export const supabase = createClient(url, serviceKey);
`;
const ROUTE = `import { supabase } from '../config/supabase.js';

export async function titles(uid: string) {
  const { data } = await supabase.from('projects').select('title').eq('user_id', uid);
  return data;
}
`;
const PACKAGE = `{
  "name": "api",
  "type": "module",
  "dependencies": {
    "express": "^5.3.0",
    "@supabase/supabase-js": "^2.119.2"
  },
  "devDependencies": {
    "@supabase/ssr": "^0.5.0",
    "tsx": "^4.0.0"
  }
}
`;
const ENV_EXAMPLE =
  'PORT=3001\nSUPABASE_URL=https://abcdefghijklmnop.supabase.co\nSUPABASE_SERVICE_ROLE_KEY=\n';
const REAL_ENV = 'SUPABASE_SERVICE_ROLE_KEY=sb_secret_do-not-print-me\nPORT=3001\n';

function commit(root: string): void {
  execFileSync('git', ['init', '-q'], { cwd: root });
  execFileSync('git', ['add', '-A'], { cwd: root });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'before'], {
    cwd: root,
  });
}

describe('migrate-code removals', () => {
  it('GIVEN a client module only rewritten routes import WHEN planned THEN the module, the packages and the example variables go in the diff, and the dry run writes nothing', async () => {
    const root = app({
      'api/package.json': PACKAGE,
      'api/.env.example': ENV_EXAMPLE,
      'api/.env': REAL_ENV,
      'api/src/config/supabase.ts': CLIENT,
      'api/src/routes/projects.ts': ROUTE,
    });
    const plan = await planCodeMigration(root);
    assert.deepEqual(plan.removals.deleted, ['api/src/config/supabase.ts']);
    const diff = planDiff(plan);
    assert.match(diff, /^--- a\/api\/src\/config\/supabase\.ts\n\+\+\+ \/dev\/null\n/m);
    assert.match(diff, /^-\s+"@supabase\/supabase-js": "\^2\.119\.2"$/m);
    assert.match(diff, /^-\s+"@supabase\/ssr": "\^0\.5\.0",$/m);
    const pkg = plan.changes.find((c) => c.file === 'api/package.json')!.after;
    assert.deepEqual(JSON.parse(pkg), {
      name: 'api',
      type: 'module',
      dependencies: { '@supa2aws/runtime': '^0.1.0', express: '^5.3.0' },
      devDependencies: { tsx: '^4.0.0' },
    });
    assert.equal(
      plan.changes.find((c) => c.file === 'api/.env.example')!.after,
      'PORT=3001\n\n# Read by @supa2aws/runtime (added by supa2aws migrate-code)\nDATABASE_URL=\n',
    );
    assert.deepEqual(plan.additions.dependencies, [
      { file: 'api/package.json', added: ['@supa2aws/runtime'] },
    ]);
    assert.deepEqual(
      plan.removals.env.map((e) => [e.file, e.name, e.action]),
      [
        ['api/.env', 'SUPABASE_SERVICE_ROLE_KEY', 'reported'],
        ['api/.env.example', 'SUPABASE_URL', 'removed'],
        ['api/.env.example', 'SUPABASE_SERVICE_ROLE_KEY', 'removed'],
      ],
    );
    assert.ok(
      plan.changes.every((c) => c.file !== 'api/.env'),
      'a real env file is never edited',
    );
    assert.doesNotMatch(JSON.stringify(plan), /do-not-print-me/, 'values of a real env file stay out');
    assert.ok(existsSync(path.join(root, 'api/src/config/supabase.ts')), 'the dry run deletes nothing');
    assert.equal(readFileSync(path.join(root, 'api/package.json'), 'utf8'), PACKAGE);
    assert.deepEqual(typeCheckChange(plan).introduced, []);
  });

  it('GIVEN the removals WHEN applied with --write THEN the files go and a second run changes nothing', async () => {
    const root = app({
      'api/package.json': PACKAGE,
      'api/.env.example': ENV_EXAMPLE,
      'api/src/config/supabase.ts': CLIENT,
      'api/src/routes/projects.ts': ROUTE,
    });
    commit(root);
    applyCodeMigration(await planCodeMigration(root));
    assert.ok(!existsSync(path.join(root, 'api/src/config/supabase.ts')));
    assert.doesNotMatch(readFileSync(path.join(root, 'api/package.json'), 'utf8'), /@supabase/);
    const again = await planCodeMigration(root);
    assert.deepEqual(again.changes, []);
    assert.deepEqual(again.removals.deleted, []);
  });

  it('GIVEN a client a marked browser call still uses and a type import still used WHEN planned THEN the module, the import and the package stay', async () => {
    const root = app({
      'web/package.json': '{\n  "dependencies": {\n    "@supabase/supabase-js": "^2.0.0"\n  }\n}\n',
      'web/.env.example': 'VITE_SUPABASE_URL=\nVITE_SUPABASE_ANON_KEY=\nVITE_API_URL=\n',
      'web/src/lib/supabase.ts': `import { createClient } from '@supabase/supabase-js';\nexport const supabase = createClient(import.meta.env.VITE_SUPABASE_URL, import.meta.env.VITE_SUPABASE_ANON_KEY);\n`,
      'web/src/lib/projects.ts': `import { supabase } from './supabase';\nexport const mine = () => supabase.from('projects').select('id');\n`,
      'web/src/lib/types.ts': `import type { User } from '@supabase/supabase-js';\nexport const name = (u: User) => u.email;\n`,
    });
    const plan = await planCodeMigration(root);
    assert.deepEqual(plan.removals.deleted, []);
    assert.deepEqual(plan.removals.dependencies, [
      {
        file: 'web/package.json',
        removed: [],
        kept: [{ name: '@supabase/supabase-js', importedBy: 'web/src/lib/supabase.ts' }],
      },
    ]);
    assert.deepEqual(
      plan.removals.env.map((e) => [e.name, e.action, e.reason]),
      [
        ['VITE_SUPABASE_URL', 'kept', 'still named in web/src/lib/supabase.ts'],
        ['VITE_SUPABASE_ANON_KEY', 'kept', 'still named in web/src/lib/supabase.ts'],
      ],
    );
  });

  it('GIVEN a file whose first import, a client nothing uses any more, has a comment above it WHEN planned THEN the import goes and the comment stays', async () => {
    const root = app({
      'web/src/lib/supabase.ts': `import { createClient } from '@supabase/supabase-js';\nexport const supabase = createClient(import.meta.env.VITE_SUPABASE_URL, import.meta.env.VITE_SUPABASE_ANON_KEY);\n`,
      'web/src/lib/session.ts': `// Copyright 2026 Example Ltd. MIT licence.\nimport { supabase } from './supabase';\n\nexport const leave = () => supabase.auth.signOut();\n`,
    });
    const plan = await planCodeMigration(root);
    assert.equal(
      plan.changes.find((c) => c.file === 'web/src/lib/session.ts')?.after,
      `// Copyright 2026 Example Ltd. MIT licence.\nimport { auth } from '../supa2aws.browser';\n\nexport const leave = () => auth.signOut();\n`,
    );
  });

  it('GIVEN modules of several shapes WHEN asked whether each only creates and exports a client THEN helpers and mixed modules are not', () => {
    const is = (text: string) =>
      isClientModule(parseSource('src/lib/supabase.ts', text), 'src/lib/supabase.ts');
    assert.equal(is(CLIENT), true);
    assert.equal(
      is(
        `import { createBrowserClient } from '@supabase/ssr';\nconst client = createBrowserClient('u', 'k');\nexport default client;\nexport type Db = typeof client;\n`,
      ),
      true,
    );
    assert.equal(
      is(`${CLIENT}export function currentUserId() { return 'x'; }\n`),
      false,
      'a module that also exports a helper stays',
    );
    assert.equal(is(`export const config = { url: 'x' };\n`), false);
    const factory = `import { createServerClient } from '@supabase/ssr';\nimport { cookies } from 'next/headers';\nexport async function createClient() {\n  const store = await cookies();\n  return createServerClient('u', 'k', { cookies: { getAll: () => store.getAll() } });\n}\n`;
    assert.equal(
      is(factory),
      true,
      'a module of functions that only create a client (utils/supabase/server.ts)',
    );
    assert.equal(
      is(`${factory}export async function currentUser() { return (await createClient()).auth.getUser(); }\n`),
      false,
      'a module that also exports a function doing something with the client stays',
    );
  });

  it('GIVEN a client module only another unused client module imports WHEN planned THEN both go in one run, and a module a route imports stays', () => {
    const removals = planRemovals({
      code: new Map([
        ['src/lib/supabase.ts', CLIENT],
        [
          'src/lib/admin.ts',
          `import { createClient } from '@supabase/supabase-js';\nimport { supabase } from './supabase';\nexport const admin = createClient('u', String(supabase));\n`,
        ],
        [
          'src/lib/browser.ts',
          `import { createClient } from '@supabase/supabase-js';\nexport const browser = createClient('u', 'k');\n`,
        ],
        ['src/routes/x.ts', `export { browser } from '../lib/browser';\n`],
      ]),
      config: new Map(),
    });
    assert.deepEqual(removals.deleted, ['src/lib/admin.ts', 'src/lib/supabase.ts']);
  });

  it('GIVEN env file names WHEN classified THEN examples are told from real ones', () => {
    assert.equal(envFileKind('.env.example'), 'example');
    assert.equal(envFileKind('web/.env.local.example'), 'example');
    assert.equal(envFileKind('.env.sample'), 'example');
    assert.equal(envFileKind('.env'), 'real');
    assert.equal(envFileKind('.env.production'), 'real');
    assert.equal(envFileKind('package.json'), undefined);
  });
});
