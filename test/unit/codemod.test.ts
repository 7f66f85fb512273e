/** `supa2aws migrate-code`: what it rewrites exactly, what it marks, and that it converges (issue 21). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { applyCodeMigration, planCodeMigration, planDiff, typeCheckChange } from '../../src/codemod/index.ts';
import type { ConfigError } from '../../src/core/errors.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

function app(files: Record<string, string>): string {
  const root = tempDir('codemod');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const SERVER_CLIENT = `import { createClient } from '@supabase/supabase-js';
export const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_SERVICE_ROLE_KEY!);
`;
const ROUTES = `import { supabase } from '../config/supabase.js';

export async function list(uid: string) {
  const { data, error } = await supabase
    .from('projects')
    .select('id, title')
    .eq('user_id', uid)
    .order('created_at', { ascending: false });
  if (error) throw error;
  return data;
}

export async function one(id: string) {
  const { data } = await supabase.from('projects').select('*').eq('id', id).single();
  return data.title as string;
}

export async function create(title: string, uid: string) {
  const { data } = await supabase.from('projects').insert({ title, user_id: uid }).select().single();
  await supabase.from('audit_events').insert({ event: 'create' });
  const { count } = await supabase.from('projects').select('*', { count: 'exact', head: true }).eq('user_id', uid);
  const { data: left } = await supabase.rpc('spend_credits', { p_user_id: uid, p_amount: 5 });
  await supabase.storage.from('images').upload(\`p/\${data.id}.png\`, new Uint8Array(1), { contentType: 'image/png' });
  const url = supabase.storage.from('images').getPublicUrl(\`p/\${data.id}.png\`).data.publicUrl;
  const tags = await supabase.from('projects').upsert({ id: data.id, tags: ['a'] });
  return { data, count, left, url, tags };
}

export async function whoAmI(token: string) {
  return supabase.auth.getUser(token);
}
`;

describe('migrate-code', () => {
  it('rewrites server from()/rpc() chains into sqlResult, storage into the facade; marks the rest; the dry run writes nothing', async () => {
    const root = app({
      'backend/src/config/supabase.ts': SERVER_CLIENT,
      'backend/src/routes/projects.ts': ROUTES,
    });
    const plan = await planCodeMigration(root);
    assert.ok(!existsSync(path.join(root, 'backend/src/supa2aws.server.ts')), 'a dry run writes no file');
    assert.equal(readFileSync(path.join(root, 'backend/src/routes/projects.ts'), 'utf8'), ROUTES);
    const routes = plan.changes.find((c) => c.file === 'backend/src/routes/projects.ts')!.after;
    for (const expected of [
      "import { auth, db, sqlResult, storage } from '../supa2aws.server.js';",
      "await sqlResult(db, 'SELECT id, title FROM projects WHERE user_id = $1 ORDER BY created_at DESC', [uid], 'rows');",
      "await sqlResult(db, 'SELECT * FROM projects WHERE id = $1', [id], 'single');",
      "await sqlResult(db, 'INSERT INTO projects (title, user_id) VALUES ($1, $2) RETURNING *', [title, uid], 'single');",
      "await sqlResult(db, 'INSERT INTO audit_events (event) VALUES ($1)', ['create'], 'none');",
      "await sqlResult(db, 'SELECT count(*) FROM projects WHERE user_id = $1', [uid], 'count');",
      "await sqlResult(db, 'SELECT * FROM spend_credits(p_user_id => $1, p_amount => $2)', [uid, 5], { rpc: 'spend_credits' });",
      "await storage.from('images').upload(`p/${data.id}.png`",
      "const url = storage.from('images').getPublicUrl(",
      '  // supa2aws: tags is bound from a JS array',
      '  return auth.getUser(token);',
    ])
      assert.ok(routes.includes(expected), `missing: ${expected}\n---\n${routes}`);
    assert.deepEqual(plan.bySide.server, { sites: 10, rewritten: 9, marked: 1 });
    assert.ok(
      plan.changes.some((c) => c.file === 'backend/src/supa2aws.server.ts' && c.before === undefined),
    );
    assert.match(
      planDiff(plan),
      /^--- a\/backend\/src\/routes\/projects\.ts\n\+\+\+ b\/backend\/src\/routes\/projects\.ts\n@@/m,
    );
  });

  it('leaves RLS-scoped and browser queries marked, rewrites browser auth calls browser-auth shapes like supabase.auth', async () => {
    const root = app({
      'web/src/lib/supabase.ts': `import { createClient } from '@supabase/supabase-js';\nexport const supabase = createClient(import.meta.env.VITE_SUPABASE_URL, import.meta.env.VITE_SUPABASE_ANON_KEY);\n`,
      'web/src/lib/auth.ts': [
        "import { supabase } from './supabase';",
        'export const signIn = (email: string, password: string) => supabase.auth.signInWithPassword({ email, password });',
        'export const signOut = () => supabase.auth.signOut();',
        "export const mine = () => supabase.from('projects').select('id');",
        "export const upload = (f: File) => supabase.storage.from('images').upload('k', f);",
        "export const fetchImage = () => supabase.storage.from('images').download('k');",
        '',
      ].join('\n'),
      'api/src/user-client.ts': [
        "import { createClient } from '@supabase/supabase-js';",
        'export const forUser = (jwt: string) => createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_ANON_KEY!, { global: { headers: { Authorization: jwt } } });',
        "export const rows = (supabaseUser: ReturnType<typeof forUser>) => supabaseUser.from('notes').select('id');",
        '',
      ].join('\n'),
    });
    const plan = await planCodeMigration(root);
    const auth = plan.changes.find((c) => c.file === 'web/src/lib/auth.ts')!.after;
    assert.ok(auth.includes('=> auth.signInWithPassword({ email, password })'));
    assert.ok(auth.includes('=> auth.signOut()'));
    assert.ok(auth.includes("import { auth, presignedUpload } from '../supa2aws.browser';"));
    assert.ok(auth.includes("=> presignedUpload('images', 'k', f);"));
    assert.match(auth, /\/\/ supa2aws: browser code cannot reach RDS/);
    assert.match(auth, /\/\/ supa2aws: no S3 credentials in the browser/);
    const api = plan.changes.find((c) => c.file === 'api/src/user-client.ts')!.after;
    assert.match(
      api,
      /\/\/ supa2aws: this client carries the user's token, so RLS must hold: run "SELECT id FROM notes" inside withUser/,
    );
  });

  it('GIVEN a row built at run time, a write count and a local named storage THEN rowSql, the count shape and an aliased handle', async () => {
    const root = app({
      'backend/src/config/supabase.ts': SERVER_CLIENT,
      'backend/src/routes/edit.ts': [
        "import { supabase } from '../config/supabase.js';",
        'export async function edit(id: string, fields: Record<string, unknown>) {',
        '  const storage = { ok: true };',
        "  const { data } = await supabase.from('projects').update(fields).eq('id', id).select('id').maybeSingle();",
        "  const { count } = await supabase.from('projects').delete({ count: 'exact' }).eq('id', id);",
        "  await supabase.storage.from('images').remove([id]);",
        '  return { data, count, storage };',
        '}',
        '',
      ].join('\n'),
    });
    const plan = await planCodeMigration(root);
    const edit = plan.changes.find((c) => c.file === 'backend/src/routes/edit.ts')!.after;
    for (const expected of [
      "import { db, rowSql, sqlResult, storage as runtimeStorage } from '../supa2aws.server.js';",
      "await sqlResult(db, ...rowSql('update', 'projects', fields, { where: ' WHERE id = $1', params: [id], returning: ' RETURNING id' }), 'maybeSingle');",
      "await sqlResult(db, 'WITH written AS (DELETE FROM projects WHERE id = $1 RETURNING 1) SELECT count(*) FROM written', [id], 'count');",
      "await runtimeStorage.from('images').remove([id]);",
    ])
      assert.ok(edit.includes(expected), `missing: ${expected}\n---\n${edit}`);
    const generated = plan.changes.find((c) => c.file === 'backend/src/supa2aws.server.ts')!.after;
    assert.match(generated, /export function rowSql\(/);
    assert.doesNotMatch(generated, /createAuthVerifierFromEnv/, 'only the handles some file uses');
  });

  it('converges: after --write a second run changes nothing; it refuses to write over uncommitted changes', async () => {
    const root = app({
      'backend/src/config/supabase.ts': SERVER_CLIENT,
      'backend/src/routes/projects.ts': ROUTES,
    });
    execFileSync('git', ['init', '-q'], { cwd: root });
    execFileSync('git', ['add', '-A'], { cwd: root });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'before'], {
      cwd: root,
    });
    writeFileSync(path.join(root, 'backend/src/routes/projects.ts'), `${ROUTES}// edited\n`);
    const dirty = await planCodeMigration(root);
    assert.throws(
      () => applyCodeMigration(dirty),
      (e: ConfigError) => e.code === 'CODE_UNCOMMITTED_CHANGES' && e.exitCode === 2,
    );
    execFileSync('git', ['checkout', '--', '.'], { cwd: root });
    applyCodeMigration(await planCodeMigration(root));
    const again = await planCodeMigration(root);
    assert.deepEqual(again.changes, []);
    assert.equal(again.totals.rewritten, 0);
  });

  it('reports a file it cannot parse and leaves it alone', async () => {
    const broken = "import { supabase } from './supabase';\nexport const x = supabase.from('a').select(;\n";
    const root = app({ 'src/lib/supabase.ts': SERVER_CLIENT, 'src/lib/broken.ts': broken });
    const plan = await planCodeMigration(root);
    assert.ok(plan.changes.every((c) => c.file !== 'src/lib/broken.ts'));
    assert.match(
      plan.skipped.find((s) => s.file === 'src/lib/broken.ts')?.reason ?? '',
      /does not parse \(line 2/,
    );
  });

  it("type-checks the result with the app's tsconfig and reports only the errors it introduced", async () => {
    const root = app({
      'backend/tsconfig.json': JSON.stringify({
        compilerOptions: {
          strict: true,
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          allowImportingTsExtensions: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [path.join(REPO, 'node_modules/@types')],
          paths: {
            '@supa2aws/runtime/*': [path.join(REPO, 'packages/runtime/src/*/index.ts')],
            '@supabase/supabase-js': ['./supabase-stub.d.ts'],
          },
        },
        include: ['src'],
      }),
      'backend/supabase-stub.d.ts': 'export declare function createClient(url: string, key: string): any;\n',
      'backend/src/config/supabase.ts': SERVER_CLIENT,
      'backend/src/routes/projects.ts': `${ROUTES}export const broken: number = 'already wrong';\n`,
    });
    cpSync(path.join(root, 'backend/supabase-stub.d.ts'), path.join(root, 'backend/src/supabase-stub.d.ts'));
    const plan = await planCodeMigration(root);
    const check = typeCheckChange(plan);
    assert.deepEqual(check.projects, ['backend/tsconfig.json']);
    assert.deepEqual(check.introduced, [], 'the pre-existing error is not reported; the rewrite adds none');
    const bad = {
      ...plan,
      changes: plan.changes.map((c) =>
        c.file.endsWith('projects.ts') ? { ...c, after: `${c.after}export const n: number = db;\n` } : c,
      ),
    };
    assert.match(
      typeCheckChange(bad).introduced.join('\n'),
      /projects\.ts:\d+: Type 'Pool' is not assignable to type 'number'/,
    );
  });
});
