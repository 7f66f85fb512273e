/**
 * `supa2aws migrate-code`, what the migrated code needs that the app did not have: the runtime package in the
 * package.json over the files that import it (and aws-amplify, browser-auth's peer, where browser code signs in
 * through it), and the variables the runtime reads in that package's `.env.example`-style files, so that
 * `npm install` and a filled-in env file are all the migrated app asks for. Pure, like remove-unused.ts: it
 * reads the texts the migration leaves and returns what to change. A real env file is never edited.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envFileKind } from './remove-unused.ts';

/** The range of aws-amplify that @supa2aws/runtime/browser-auth names as its peer (a test keeps them equal). */
export const AMPLIFY_RANGE = '^6.22.1';

const VERIFIER_ENV = ['COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID', 'AWS_REGION', 'SUPABASE_URL'];
/**
 * The variables each server entry point reads without the app naming them (the generated modules call its
 * `*FromEnv` functions), the required ones: see packages/runtime/src/{db,auth,storage,server-session}/. The
 * auth verifier also accepts Supabase tokens during the switch, which needs SUPABASE_URL. The browser module
 * names its own (VITE_ or NEXT_PUBLIC_), read from its text.
 */
export const RUNTIME_ENV: Readonly<Record<string, readonly string[]>> = {
  db: ['DATABASE_URL'],
  auth: VERIFIER_ENV,
  'server-session': VERIFIER_ENV,
  storage: ['AWS_REGION'],
};
/**
 * The pool and client a generated browser module reads (its endpoint is for local stand-ins only), and the
 * hosted UI's domain and redirect URLs where the app signs in with signInWithOAuth.
 */
const BROWSER_ENV =
  /(?:import\.meta\.env|process\.env)\.((?:VITE|NEXT_PUBLIC)_COGNITO_(?:USER_POOL_ID|CLIENT_ID|DOMAIN|REDIRECT_SIGN_IN|REDIRECT_SIGN_OUT))\b/g;

/** The range the supa2aws CLI itself depends on the runtime with (its package.json, two levels up). */
export function runtimeRange(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return manifest.dependencies?.['@supa2aws/runtime'] ?? '*';
}

export interface AdditionInput {
  /** Every code file as the migration leaves it (deleted ones gone): path relative to the root → text. */
  code: ReadonlyMap<string, string>;
  /** The package.json and env files as the removals leave them: path → text. */
  config: ReadonlyMap<string, string>;
  /** Where the app imports the runtime from, e.g. '@supa2aws/runtime'. */
  runtimeImport: string;
  /** The version range to depend on it with. */
  runtimeRange: string;
}

export interface Additions {
  /** Config files changed: path → new text. */
  edits: Map<string, string>;
  /** Per package.json, the packages added. */
  dependencies: Array<{ file: string; added: string[] }>;
  /** Per env example file, the variables added (with an empty value). */
  env: Array<{ file: string; name: string; readBy: string }>;
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
const ENV_LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;

/** The runtime entry points (db, auth, ...) a text imports. */
function entriesImported(text: string, runtimeImport: string): string[] {
  const escaped = runtimeImport.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const pattern = new RegExp(`['"]${escaped}/([a-z-]+)['"]`, 'g');
  return [...text.matchAll(pattern)].map((m) => m[1]!);
}

/** S3_<ID>_BUCKET for each bucket the storage facade is called with (`storage.from('asset-images')`). */
function bucketVariables(text: string): string[] {
  return [...text.matchAll(/\bstorage\s*\.\s*from\(\s*['"]([A-Za-z0-9._-]+)['"]/g)].map(
    (m) => `S3_${m[1]!.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_BUCKET`,
  );
}

/**
 * Which variables the runtime reads in the migrated code, and through which entry point: the names a removal
 * of Supabase variables must keep (SUPABASE_URL while the verifier accepts Supabase tokens).
 */
export function variablesReadByRuntime(
  code: ReadonlyMap<string, string>,
  runtimeImport: string,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const text of code.values())
    for (const entry of entriesImported(text, runtimeImport))
      for (const name of RUNTIME_ENV[entry] ?? [])
        if (!out.has(name)) out.set(name, `${runtimeImport}/${entry}`);
  return out;
}

/** package.json with packages added to `dependencies`, edited line by line so its formatting stays. */
function withDependencies(text: string, added: ReadonlyArray<[string, string]>): string {
  const lines = text.split('\n');
  const entries = (indent: string) =>
    added.map(([name, range]) => `${indent}${JSON.stringify(name)}: ${JSON.stringify(range)}`);
  const open = lines.findIndex((l) => /^\s*"dependencies"\s*:\s*\{\s*$/.test(l));
  if (open >= 0) {
    const next = lines[open + 1] ?? '';
    const closing = /^\s*\}/.test(next);
    const outer = /^(\s*)/.exec(lines[open]!)![1]!;
    const indent = closing ? `${outer}${outer || '  '}` : /^(\s*)/.exec(next)![1]!;
    lines.splice(open + 1, 0, `${entries(indent).join(',\n')}${closing ? '' : ','}`);
    return lines.join('\n');
  }
  // No dependencies object yet: add one before the manifest's closing brace.
  const close = lines.findLastIndex((l) => /^\}\s*$/.test(l));
  if (close < 1) return text;
  const indent = /^(\s*)"/.exec(lines.find((l) => /^\s+"/.test(l)) ?? '  "')?.[1] ?? '  ';
  const last = close - 1;
  lines[last] = lines[last]!.replace(/\s*$/, '').replace(/([^,{])$/, '$1,');
  lines.splice(
    close,
    0,
    `${indent}"dependencies": {`,
    entries(`${indent}${indent}`).join(',\n'),
    `${indent}}`,
  );
  return lines.join('\n');
}

export function planAdditions(input: AdditionInput): Additions {
  const edits = new Map<string, string>();
  const dependencies: Additions['dependencies'] = [];
  const env: Additions['env'] = [];
  const manifests = [...input.config.keys()].filter((f) => path.posix.basename(f) === 'package.json');
  // Each code file belongs to the nearest package.json above it.
  const owner = (rel: string) =>
    manifests
      .map((m) => path.posix.dirname(m))
      .filter((dir) => dir === '.' || rel.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length)[0];
  const packageName = input.runtimeImport;
  const installable = !packageName.startsWith('.') && !path.posix.isAbsolute(packageName);

  const byDir = new Map<string, { entries: Set<string>; variables: Map<string, string> }>();
  for (const [rel, text] of input.code) {
    const entries = entriesImported(text, input.runtimeImport);
    if (entries.length === 0) continue;
    const dir = owner(rel) ?? '.';
    const use = byDir.get(dir) ?? { entries: new Set<string>(), variables: new Map<string, string>() };
    for (const [, name] of text.matchAll(BROWSER_ENV))
      if (!use.variables.has(name!)) use.variables.set(name!, `${packageName}/browser-auth`);
    for (const entry of entries) {
      use.entries.add(entry);
      for (const name of RUNTIME_ENV[entry] ?? [])
        if (!use.variables.has(name)) use.variables.set(name, `${packageName}/${entry}`);
    }
    byDir.set(dir, use);
  }
  for (const [dir, use] of byDir) {
    if (!use.entries.has('storage')) continue;
    for (const [rel, text] of input.code)
      if ((owner(rel) ?? '.') === dir)
        for (const name of bucketVariables(text))
          if (!use.variables.has(name)) use.variables.set(name, `${packageName}/storage`);
  }

  for (const [dir, use] of byDir) {
    const manifest = dir === '.' ? 'package.json' : `${dir}/package.json`;
    const text = input.config.get(manifest);
    if (installable && text !== undefined) {
      let pkg: Record<string, unknown>;
      try {
        pkg = JSON.parse(text) as Record<string, unknown>;
      } catch {
        pkg = {};
      }
      const declared = new Set(
        DEPENDENCY_FIELDS.flatMap((f) => Object.keys((pkg[f] as Record<string, string> | undefined) ?? {})),
      );
      const wanted: Array<[string, string]> = [[packageName, input.runtimeRange]];
      if (use.entries.has('browser-auth')) wanted.push(['aws-amplify', AMPLIFY_RANGE]);
      const added = wanted.filter(([name]) => !declared.has(name));
      if (added.length && Object.keys(pkg).length) {
        const after = withDependencies(text, added);
        try {
          JSON.parse(after);
          edits.set(manifest, after);
          dependencies.push({ file: manifest, added: added.map(([name]) => name) });
        } catch {
          // A manifest laid out in a way the line edit cannot follow is left for the user, named in no list.
        }
      }
    }
    for (const [file, before] of input.config) {
      if (envFileKind(file) !== 'example') continue;
      if (dir !== '.' && !file.startsWith(`${dir}/`)) continue;
      if (owner(file) !== dir) continue;
      const present = new Set(before.split('\n').flatMap((l) => ENV_LINE.exec(l)?.[1] ?? []));
      const missing = [...use.variables].filter(([name]) => !present.has(name));
      if (missing.length === 0) continue;
      const body = before.endsWith('\n') || before === '' ? before : `${before}\n`;
      edits.set(
        file,
        `${body}\n# Read by ${packageName} (added by supa2aws migrate-code)\n${missing.map(([name]) => `${name}=`).join('\n')}\n`,
      );
      for (const [name, readBy] of missing) env.push({ file, name, readBy });
    }
  }
  return { edits, dependencies, env };
}
