/**
 * `supa2aws migrate-code`, what goes once nothing uses it: the modules whose only job was to create and
 * export a Supabase client, or functions that create one (when no file imports them any more), the
 * supabase-js packages in package.json (when no file imports them), and the Supabase variables of
 * `.env.example`-style files (when no code names them). A real env file is never edited: its variable names
 * are reported, never its values. Pure: it reads the texts the migration leaves and returns what to delete
 * and change.
 */
import path from 'node:path';
import ts from 'typescript';
import { exportedClients, importCandidates, parseSource, supabasePackage } from '../scan/index.ts';

export interface RemovalInput {
  /** Every code file as the migration leaves it: path relative to the root → text. */
  code: ReadonlyMap<string, string>;
  /** The package.json and env files: path relative to the root → text. */
  config: ReadonlyMap<string, string>;
  /** Variables the runtime reads for the migrated code (name → entry point): kept in env examples. */
  readByRuntime?: ReadonlyMap<string, string>;
}

export interface EnvVariableOutcome {
  file: string;
  name: string;
  /** removed from an example file; kept there because code still names it; reported in a real env file. */
  action: 'removed' | 'kept' | 'reported';
  reason: string;
}

export interface Removals {
  /** Client modules no file imports any more. */
  deleted: string[];
  /** Config files changed (package.json, env examples): path → new text. */
  edits: Map<string, string>;
  /** Per package.json, the Supabase packages removed and those still imported (with one importer). */
  dependencies: Array<{ file: string; removed: string[]; kept: Array<{ name: string; importedBy: string }> }>;
  env: EnvVariableOutcome[];
}

/** The packages a supabase-js app depends on to reach Supabase. */
const CLIENT_PACKAGE =
  /^@supabase\/(supabase-js|ssr|auth-helpers-[a-z-]+|auth-js|gotrue-js|postgrest-js|storage-js|realtime-js|functions-js)$/;
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
/** SUPABASE_URL, VITE_SUPABASE_ANON_KEY, NEXT_PUBLIC_SUPABASE_URL... */
const ENV_NAME = /^(?:VITE_|NEXT_PUBLIC_|PUBLIC_|EXPO_PUBLIC_|REACT_APP_)?SUPABASE_[A-Z0-9_]+$/;
const ENV_LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;

/** `.env`, `.env.local`, `prod.env`: an env file; with example/sample/template in its name, an example one. */
export function envFileKind(rel: string): 'example' | 'real' | undefined {
  const name = path.posix.basename(rel).toLowerCase();
  if (!(name === '.env' || name.startsWith('.env.') || name.endsWith('.env'))) return undefined;
  return /(^|[.-])(example|sample|template|dist|defaults?)([.-]|$)/.test(name) ? 'example' : 'real';
}

/** Every module specifier a file names: imports, re-exports, `import()` and `require()`. */
function specifiers(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (
      (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) &&
      n.moduleSpecifier &&
      ts.isStringLiteral(n.moduleSpecifier)
    )
      out.push(n.moduleSpecifier.text);
    if (
      ts.isCallExpression(n) &&
      (n.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(n.expression) && n.expression.text === 'require')) &&
      n.arguments[0] &&
      ts.isStringLiteralLike(n.arguments[0])
    )
      out.push(n.arguments[0].text);
    if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) {
      const e = n.moduleReference.expression;
      if (ts.isStringLiteral(e)) out.push(e.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const isExported = (s: ts.Statement) =>
  ts.canHaveModifiers(s) && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/**
 * Whether a module's only job is to create a Supabase client and export it (or export functions that
 * create one, as `utils/supabase/server.ts` does): every value it exports is a client or such a function;
 * what else it has (reading env variables, checking them) only serves that.
 */
export function isClientModule(sf: ts.SourceFile, rel: string): boolean {
  const clients = exportedClients(sf, rel);
  const exports = new Set([...clients.names, ...clients.factories]);
  if (exports.size === 0 && !clients.hasDefault) return false;
  return sf.statements.every((s) => {
    if (ts.isVariableStatement(s))
      return (
        !isExported(s) ||
        s.declarationList.declarations.every((d) => ts.isIdentifier(d.name) && exports.has(d.name.text))
      );
    if (ts.isExportDeclaration(s))
      return (
        s.isTypeOnly ||
        (!s.moduleSpecifier &&
          !!s.exportClause &&
          ts.isNamedExports(s.exportClause) &&
          s.exportClause.elements.every((e) => e.isTypeOnly || clients.names.has(e.name.text)))
      );
    if (ts.isExportAssignment(s)) return clients.hasDefault;
    if (ts.isFunctionDeclaration(s))
      return !isExported(s) || (s.name !== undefined && clients.factories.has(s.name.text));
    if (ts.isClassDeclaration(s) || ts.isEnumDeclaration(s)) return !isExported(s);
    return (
      ts.isImportDeclaration(s) ||
      ts.isExpressionStatement(s) ||
      ts.isIfStatement(s) ||
      ts.isTypeAliasDeclaration(s) ||
      ts.isInterfaceDeclaration(s)
    );
  });
}

/** package.json without the named dependencies, edited line by line so its formatting stays. */
function withoutDependencies(text: string, names: ReadonlySet<string>): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (const line of lines) {
    const m = /^\s*"([^"]+)"\s*:\s*"[^"]*"\s*(,?)\s*$/.exec(line);
    if (!m || !names.has(m[1]!)) {
      out.push(line);
      continue;
    }
    // The last entry of its object: the entry before it loses its comma.
    if (!m[2] && out.length && /,\s*$/.test(out.at(-1)!) && !/[{[]\s*$/.test(out.at(-1)!))
      out[out.length - 1] = out.at(-1)!.replace(/,(\s*)$/, '$1');
  }
  return out.join('\n');
}

export function planRemovals(input: RemovalInput): Removals {
  const sources = new Map([...input.code].map(([rel, text]) => [rel, parseSource(rel, text)]));
  const imports = new Map([...sources].map(([rel, sf]) => [rel, specifiers(sf)]));

  const candidates = [...sources]
    .filter(([rel, sf]) => /supabase/i.test(sf.text) && isClientModule(sf, rel))
    .map(([rel]) => rel);
  // Until nothing more goes: a client module re-exported only by another one goes with it.
  const deleted: string[] = [];
  for (let more = true; more;) {
    more = false;
    for (const mod of candidates.filter((c) => !deleted.includes(c))) {
      const imported = [...imports].some(
        ([from, specs]) =>
          from !== mod &&
          !deleted.includes(from) &&
          specs.some((spec) => importCandidates(from, spec).includes(mod)),
      );
      if (!imported) {
        deleted.push(mod);
        more = true;
      }
    }
  }
  deleted.sort();
  const remaining = [...sources.keys()].filter((rel) => !deleted.includes(rel));

  const edits = new Map<string, string>();
  const dependencies: Removals['dependencies'] = [];
  for (const [file, text] of input.config) {
    if (path.posix.basename(file) !== 'package.json') continue;
    let pkg: Record<string, unknown>;
    try {
      pkg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      continue;
    }
    const declared = new Set(
      DEPENDENCY_FIELDS.flatMap((f) =>
        Object.keys((pkg[f] as Record<string, string> | undefined) ?? {}),
      ).filter((n) => CLIENT_PACKAGE.test(n)),
    );
    if (declared.size === 0) continue;
    const dir = path.posix.dirname(file);
    const importerOf = (name: string) =>
      remaining.find(
        (rel) =>
          (dir === '.' || rel.startsWith(`${dir}/`)) &&
          imports.get(rel)!.some((spec) => supabasePackage(spec) === name),
      );
    const removed = [...declared].filter((n) => !importerOf(n));
    const kept = [...declared]
      .filter((n) => importerOf(n))
      .map((name) => ({ name, importedBy: importerOf(name)! }));
    if (removed.length) {
      const after = withoutDependencies(text, new Set(removed));
      try {
        JSON.parse(after);
        edits.set(file, after);
      } catch {
        continue;
      }
    }
    dependencies.push({ file, removed, kept });
  }

  const env: EnvVariableOutcome[] = [];
  for (const [file, text] of input.config) {
    const kind = envFileKind(file);
    if (!kind) continue;
    const lines = text.split('\n');
    const keep = lines.filter((line) => {
      const name = ENV_LINE.exec(line)?.[1];
      if (!name || !ENV_NAME.test(name)) return true;
      if (kind === 'real') {
        env.push({
          file,
          name,
          action: 'reported',
          reason:
            'a real env file is not edited: remove it where the app is configured once the cutover is done',
        });
        return true;
      }
      const namedBy = remaining.find((rel) => input.code.get(rel)!.includes(name));
      const readBy = input.readByRuntime?.get(name);
      env.push(
        namedBy
          ? { file, name, action: 'kept', reason: `still named in ${namedBy}` }
          : readBy
            ? { file, name, action: 'kept', reason: `read by ${readBy} while it accepts Supabase tokens` }
            : { file, name, action: 'removed', reason: 'no code names it any more' },
      );
      return namedBy !== undefined || readBy !== undefined;
    });
    if (keep.length !== lines.length) edits.set(file, keep.join('\n'));
  }
  return { deleted, edits, dependencies, env };
}
