/**
 * A supabase-js app from test/fixtures/codebases copied into a temp dir for `supa2aws migrate-code --write`:
 * a git checkout (the codemod writes only over committed files) whose node_modules are the repository's,
 * with the runtime as the package the generated code imports; and its type errors under its own tsconfig.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { RUNTIME_IMPORT } from '../../src/scan/index.ts';
import { tempDir } from './temp-dir.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

/**
 * The app's node_modules: the repository's packages, plus the runtime as the package the generated code
 * imports (RUNTIME_IMPORT), its subpaths mapped to the runtime's sources.
 */
function linkNodeModules(app: string): void {
  const modules = path.join(app, 'node_modules');
  mkdirSync(modules);
  const [scopeOrName, ...rest] = RUNTIME_IMPORT.split('/');
  const name = scopeOrName!.startsWith('@') ? `${scopeOrName}/${rest.shift()}` : scopeOrName!;
  for (const entry of readdirSync(path.join(REPO, 'node_modules')))
    if (!entry.startsWith('.') && entry !== scopeOrName)
      symlinkSync(path.join(REPO, 'node_modules', entry), path.join(modules, entry));
  const subpath = rest.length ? `./${rest.join('/')}/*` : './*';
  const pkg = path.join(modules, name);
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({ name, type: 'module', exports: { [subpath]: './runtime/*/index.ts' } }),
  );
  symlinkSync(path.join(REPO, 'packages/runtime/src'), path.join(pkg, 'runtime'));
}

/** A copy of the fixture `before` in a fresh temp dir, committed to git, with its node_modules linked. */
export function checkedOutCopy(before: string, prefix: string): string {
  const app = tempDir(prefix);
  cpSync(before, app, { recursive: true });
  linkNodeModules(app);
  writeFileSync(path.join(app, '.gitignore'), 'node_modules\ndist\n');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: app, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'on supabase');
  return app;
}

/** Every error of the app's own tsconfig program, as `file:line: message`. */
export function typeErrors(app: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(app, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, ' '));
      },
    },
  )!;
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        `${d.file ? path.relative(app, d.file.fileName) : ''}:${d.file?.getLineAndCharacterOfPosition(d.start ?? 0).line ?? 0}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
    );
}

/**
 * A strict tsconfig for a small app written in a test: it compiles against the repository's runtime sources
 * and Node types, with `paths` mapping what the app imports but the repository does not install to stubs.
 */
export function stubbedAppTsconfig(paths: Record<string, string[]>, include: string[]): string {
  return JSON.stringify({
    compilerOptions: {
      strict: true,
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      module: 'ESNext',
      moduleResolution: 'Bundler',
      noEmit: true,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [path.join(REPO, 'node_modules/@types')],
      paths: { '@supa2aws/runtime/*': [path.join(REPO, 'packages/runtime/src/*/index.ts')], ...paths },
    },
    include,
  });
}

/** The app's committed files under src/ that still exist after a migration (removed modules are gone). */
export function sourcesLeft(app: string): string[] {
  return execFileSync('git', ['ls-files', 'src'], { cwd: app, encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter((file) => existsSync(path.join(app, file)));
}
