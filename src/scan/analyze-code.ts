/**
 * Finds Supabase uses in one source file by walking its TypeScript AST (ts.createSourceFile, no type checker):
 * @supabase/* imports, client creation, calls on a client (from/rpc/auth/storage/functions/channel), SUPABASE_*
 * environment variables and Supabase URLs in string literals.
 *
 * A client is recognised by where it comes from (createClient, an import of a module that exports one) or,
 * failing that, by a name containing "supabase" (`supabase`, `supabaseAdmin`, `this.supabase`, `getSupabase()`).
 */
import path from 'node:path';
import ts from 'typescript';
import { classifyChain, type ClientRoot } from './classify-chain.ts';
import { clientFactories } from './client-factories.ts';
import type { ForeignKey } from './embed.ts';
import { componentScript, isComponentFile } from './component-scripts.ts';
import {
  edgeFunctionReplacement,
  envReplacement,
  importReplacement,
  clientReplacement,
  urlPhase,
  urlReplacement,
} from './replacements.ts';
import { flattenChain, isOutermost, position, unwrap, type Chain, type Segment } from './ts-chain.ts';
import type { CodeSide, Finding } from './types.ts';

export const CLIENT_NAME = /supabase/i;
/** A type annotation naming a Supabase client. */
const CLIENT_TYPE = /\bSupabaseClient\b|ReturnType<typeof create\w*Client>/;
const CREATE_FNS = new Set([
  'createClient',
  'createBrowserClient',
  'createServerClient',
  'createPagesBrowserClient',
  'createPagesServerClient',
  'createClientComponentClient',
  'createServerComponentClient',
  'createRouteHandlerClient',
  'createMiddlewareClient',
]);
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const SUPABASE_URL = /(?:[a-z][a-z0-9+.-]*:\/\/)?[\w.@:%-]*\.supabase\.(?:co|com|in|net)\b[^\s'"`<>)]*/gi;
const STORAGE_PATH = /\/storage\/v1\/(?:object|render|s3)\b[^\s'"`<>)]*/g;
const SERVER_LIBS =
  /^(express|fastify|koa|hono|@nestjs\/|node:|fs$|path$|http$|https$|pg$|@aws-sdk\/|dotenv|multer|bullmq|next\/headers$|next\/server$|server-only$)/;
const BROWSER_LIBS =
  /^(react|react-dom|vue|svelte|zustand|@tanstack\/|react-router|@remix-run\/react|next\/router|pinia|client-only$)/;
/** Creators that say where their module runs, whatever else it reads. */
const BROWSER_CREATORS = new Set([
  'createBrowserClient',
  'createPagesBrowserClient',
  'createClientComponentClient',
]);
const SERVER_CREATORS = new Set([
  'createServerClient',
  'createPagesServerClient',
  'createServerComponentClient',
  'createRouteHandlerClient',
  'createMiddlewareClient',
]);
/** Next.js App Router files that are server code unless they say 'use client'. */
const NEXT_SERVER_FILE =
  /(^|\/)app\/(.*\/)?(page|layout|template|loading|error|not-found|default|route|opengraph-image|sitemap)\.(tsx|jsx|ts|js)$|(^|\/)(src\/)?middleware\.(ts|js)$/;
/** A Supabase Edge Function's entry point: `supabase/functions/<name>/index.ts`. */
const EDGE_FUNCTION = /(^|\/)supabase\/functions\/([^/_][^/]*)\/index\.(ts|js|mjs|tsx)$/;

/**
 * The @supabase package an import specifier names, however it is written: `@supabase/ssr`, Deno's
 * `npm:@supabase/supabase-js@2` and `jsr:@supabase/supabase-js`, or a CDN URL (`https://esm.sh/@supabase/supabase-js@2`).
 */
export function supabasePackage(specifier: string): string | undefined {
  const m =
    /^(?:npm:|jsr:|https?:\/\/[^/]+\/(?:npm\/|v\d+\/)?)?(@supabase\/[a-z0-9-]+)(?:@[^/]*)?(?:\/.*)?$/i.exec(
      specifier,
    );
  return m?.[1];
}

/** What a module exports that is a Supabase client (or makes one), and where that client runs. */
export interface ModuleClients {
  names: Set<string>;
  hasDefault: boolean;
  /** Exported functions that only create a client and return it (client-factories.ts). */
  factories: Set<string>;
  side: CodeSide;
  /** The module creates its client with the service-role key (RLS bypassed). */
  serviceRole: boolean;
}

/** A client made with the service-role key (or the new secret key): it bypasses RLS. */
const SERVICE_KEY = /service[_-]?role|service[_-]?key|secret[_-]?key|sb_secret/i;
/** A client whose name says it is the admin one. */
const ADMIN_NAME = /admin|service/i;

/** Whether the file creates a client with the service-role key. */
function createsServiceClient(sf: ts.SourceFile, c: Creators): boolean {
  let found = false;
  walk(sf, (n) => {
    if (!found && isCreateCall(n, c))
      found = SERVICE_KEY.test((n as ts.CallExpression).arguments.map((a) => a.getText(sf)).join(','));
  });
  return found;
}

function scriptKind(file: string): ts.ScriptKind {
  switch (path.extname(file).toLowerCase()) {
    case '.tsx':
      return ts.ScriptKind.TSX;
    case '.jsx':
      return ts.ScriptKind.JSX;
    case '.js':
    case '.mjs':
    case '.cjs':
      return ts.ScriptKind.JS;
    default:
      return ts.ScriptKind.TS;
  }
}

/** Parses a code file; for .vue, .svelte and .astro files, only their script code (same positions). */
export function parseSource(file: string, text: string): ts.SourceFile {
  const code = isComponentFile(file) ? componentScript(file, text) : text;
  return ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, scriptKind(file));
}

function walk(node: ts.Node, fn: (n: ts.Node) => void): void {
  fn(node);
  ts.forEachChild(node, (child) => walk(child, fn));
}

function isEnvObject(node: ts.Expression): 'process.env' | 'import.meta.env' | undefined {
  const n = unwrap(node);
  if (!ts.isPropertyAccessExpression(n) || n.name.text !== 'env') return undefined;
  const obj = unwrap(n.expression);
  if (ts.isIdentifier(obj) && obj.text === 'process') return 'process.env';
  if (ts.isMetaProperty(obj) && obj.keywordToken === ts.SyntaxKind.ImportKeyword) return 'import.meta.env';
  return undefined;
}

function requireSpecifier(node: ts.Node): string | undefined {
  if (
    ts.isCallExpression(node) &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'require' &&
    node.arguments[0] &&
    ts.isStringLiteralLike(node.arguments[0])
  ) {
    return node.arguments[0].text;
  }
  return undefined;
}

/** Module specifiers a file imports (ESM and require). */
function importedModules(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  walk(sf, (n) => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) out.push(n.moduleSpecifier.text);
    const req = requireSpecifier(n);
    if (req) out.push(req);
  });
  return out;
}

/** The file's leading directive ('use client' / 'use server'), if any. */
export function directive(sf: ts.SourceFile): 'use client' | 'use server' | undefined {
  for (const stmt of sf.statements) {
    if (!ts.isExpressionStatement(stmt) || !ts.isStringLiteral(stmt.expression)) return undefined;
    const text = stmt.expression.text;
    if (text === 'use client' || text === 'use server') return text;
  }
  return undefined;
}

/** Names of the functions a file calls (`createBrowserClient(...)`, `ns.createServerClient(...)`). */
function calledNames(sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  walk(sf, (n) => {
    if (!ts.isCallExpression(n)) return;
    const callee = unwrap(n.expression);
    if (ts.isIdentifier(callee)) out.add(callee.text);
    if (ts.isPropertyAccessExpression(callee)) out.add(callee.name.text);
  });
  return out;
}

/**
 * Where a file's code runs. In order: its directive; imports that only one side has (`next/headers`,
 * `server-only`, express…); the Supabase creator it calls (createBrowserClient is browser code even when
 * it reads process.env); Next.js App Router conventions (pages, layouts and route handlers are server
 * components unless they say 'use client'); Edge Functions; browser libraries, import.meta.env and .tsx;
 * process.env; the path.
 */
export function fileSide(sf: ts.SourceFile, rel: string): CodeSide {
  const said = directive(sf);
  if (said === 'use client') return 'browser';
  if (said === 'use server') return 'server';
  const mods = importedModules(sf);
  if (mods.some((m) => SERVER_LIBS.test(m))) return 'server';
  if (mods.includes('client-only')) return 'browser';
  const called = calledNames(sf);
  if ([...called].some((c) => BROWSER_CREATORS.has(c))) return 'browser';
  if ([...called].some((c) => SERVER_CREATORS.has(c))) return 'server';
  if (NEXT_SERVER_FILE.test(rel) || EDGE_FUNCTION.test(rel)) return 'server';
  let metaEnv = false;
  let processEnv = false;
  walk(sf, (n) => {
    if (ts.isPropertyAccessExpression(n) && n.name.text === 'env') {
      const kind = isEnvObject(n);
      if (kind === 'import.meta.env') metaEnv = true;
      if (kind === 'process.env') processEnv = true;
    }
  });
  // An Astro component's frontmatter runs on the server; Vue and Svelte components in the browser.
  if (/\.astro$/i.test(rel)) return 'server';
  if (metaEnv || mods.some((m) => BROWSER_LIBS.test(m)) || /\.(tsx|jsx|vue|svelte)$/i.test(rel))
    return 'browser';
  if (processEnv) return 'server';
  if (/(^|\/)(backend|server|api|functions|lambdas?|workers?)\//i.test(rel)) return 'server';
  if (
    /(^|\/)(frontend|client|web)\//i.test(rel) ||
    /^src\/(lib|components|pages|hooks|stores|app)\//.test(rel)
  ) {
    return 'browser';
  }
  return 'unknown';
}

interface Creators {
  names: Set<string>;
  namespaces: Set<string>;
}

function creators(sf: ts.SourceFile): Creators {
  const names = new Set<string>();
  const namespaces = new Set<string>();
  walk(sf, (n) => {
    if (
      ts.isImportDeclaration(n) &&
      ts.isStringLiteral(n.moduleSpecifier) &&
      supabasePackage(n.moduleSpecifier.text)
    ) {
      const bindings = n.importClause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) namespaces.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) {
          const imported = (el.propertyName ?? el.name).text;
          if (CREATE_FNS.has(imported)) names.add(el.name.text);
        }
      }
    }
    if (
      ts.isVariableDeclaration(n) &&
      n.initializer &&
      supabasePackage(requireSpecifier(unwrap(n.initializer)) ?? '')
    ) {
      if (ts.isObjectBindingPattern(n.name)) {
        for (const el of n.name.elements) {
          const imported =
            el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : undefined;
          if (ts.isIdentifier(el.name) && CREATE_FNS.has(imported ?? el.name.text)) names.add(el.name.text);
        }
      } else if (ts.isIdentifier(n.name)) {
        namespaces.add(n.name.text);
      }
    }
  });
  return { names, namespaces };
}

function isCreateCall(node: ts.Node, c: Creators): boolean {
  let n = ts.isExpression(node) ? unwrap(node) : node;
  if (ts.isAwaitExpression(n)) n = unwrap(n.expression);
  if (ts.isNewExpression(n)) return ts.isIdentifier(n.expression) && n.expression.text === 'SupabaseClient';
  if (!ts.isCallExpression(n)) return false;
  const callee = unwrap(n.expression);
  if (ts.isIdentifier(callee)) return c.names.has(callee.text);
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
    return c.namespaces.has(callee.expression.text) && CREATE_FNS.has(callee.name.text);
  }
  return false;
}

/** Variables holding a client created in this file (`const supabase = createClient(...)`). */
function localClients(sf: ts.SourceFile, c: Creators): Set<string> {
  const out = new Set<string>();
  walk(sf, (n) => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
      const init = unwrap(n.initializer);
      if (isCreateCall(init, c) || (ts.isIdentifier(init) && out.has(init.text))) out.add(n.name.text);
    }
  });
  return out;
}

function hasExport(node: ts.Node): boolean {
  return (
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  );
}

/** The clients a module exports (and the functions that make one), for files that import them. */
export function exportedClients(sf: ts.SourceFile, rel: string): ModuleClients {
  const c = creators(sf);
  const locals = localClients(sf, c);
  const names = new Set<string>();
  let hasDefault = false;
  const isClientExpr = (e: ts.Expression) => {
    const u = unwrap(e);
    return isCreateCall(u, c) || (ts.isIdentifier(u) && locals.has(u.text));
  };
  for (const stmt of sf.statements) {
    if (ts.isVariableStatement(stmt) && hasExport(stmt)) {
      for (const d of stmt.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && locals.has(d.name.text)) names.add(d.name.text);
      }
    }
    if (
      ts.isExportDeclaration(stmt) &&
      !stmt.moduleSpecifier &&
      stmt.exportClause &&
      ts.isNamedExports(stmt.exportClause)
    ) {
      for (const el of stmt.exportClause.elements) {
        if (locals.has((el.propertyName ?? el.name).text)) names.add(el.name.text);
      }
    }
    if (ts.isExportAssignment(stmt) && isClientExpr(stmt.expression)) hasDefault = true;
    if (ts.isExpressionStatement(stmt) && ts.isBinaryExpression(stmt.expression)) {
      const { left, right } = stmt.expression;
      const target = left.getText(sf);
      if (target === 'module.exports' && isClientExpr(right)) hasDefault = true;
      if (/^(module\.)?exports\.\w+$/.test(target) && isClientExpr(right))
        names.add(target.split('.').pop() ?? '');
    }
  }
  return {
    names,
    hasDefault,
    factories: clientFactories(sf, (n) => isCreateCall(n, c)),
    side: fileSide(sf, rel),
    serviceRole: createsServiceClient(sf, c),
  };
}

export interface AnalyzeInput {
  sf: ts.SourceFile;
  /** Relative path, forward slashes. */
  rel: string;
  /** Clients exported by the module an import specifier resolves to, if any. */
  resolveImport: (specifier: string) => ModuleClients | undefined;
  /** The schema's foreign keys, for embedded relations (`select('*, author(*)')`). */
  foreignKeys?: readonly ForeignKey[];
}

interface Derived {
  root: ClientRoot;
  segments: Segment[];
  used: boolean;
}

/** A finding with where it stands in the AST, for the code migration (`supa2aws migrate-code`). */
export interface CodeSite {
  finding: Finding;
  /** The node the finding was made at. */
  node: ts.Node;
  /** For a call chain on a client: the chain as written (without .then/.catch and result reads). */
  chain?: Chain;
  /** Whether the chain's client is reached through a variable built in another statement. */
  derived: boolean;
  /** The chain's client. */
  root?: ClientRoot;
}

type Pending = Finding & {
  derivedInit?: string;
  derivedUse?: string;
  node: ts.Node;
  chain?: Chain;
  root?: ClientRoot;
};

/** Every Supabase use in one file. */
export function analyzeCode(input: AnalyzeInput): Finding[] {
  return analyzeCodeSites(input).map((s) => s.finding);
}

/** Every Supabase use in one file, with its place in the AST. */
export function analyzeCodeSites(input: AnalyzeInput): CodeSite[] {
  const { sf, rel } = input;
  const side = fileSide(sf, rel);
  const c = creators(sf);
  const clients = new Map<string, CodeSide>();
  for (const name of localClients(sf, c)) clients.set(name, side);
  const serviceClients = new Set<string>(createsServiceClient(sf, c) ? clients.keys() : []);
  const lines = sf.text.split(/\r?\n/);
  const out: Pending[] = [];
  const derived = new Map<string, Derived>();
  const initOf = new Map<ts.Node, string>();

  const add = (
    node: ts.Node,
    f: Omit<Finding, 'file' | 'line' | 'column' | 'snippet' | 'side'> & {
      side?: CodeSide;
      derivedInit?: string;
      derivedUse?: string;
      chain?: Chain;
      root?: ClientRoot;
    },
  ) => {
    const pos = position(sf, node);
    const text = (lines[pos.line - 1] ?? '').trim();
    out.push({
      ...f,
      node,
      file: rel,
      ...pos,
      snippet: text.length > 200 ? `${text.slice(0, 197)}...` : text,
      side: f.side ?? side,
    } as Pending);
  };

  // Imports: @supabase/* and clients from other modules.
  for (const stmt of sf.statements) {
    if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
    const spec = stmt.moduleSpecifier.text;
    const pkg = supabasePackage(spec);
    if (pkg) {
      const r = importReplacement(pkg);
      add(stmt, { phase: r.phase, kind: 'import', api: `import '${spec}'`, replacement: r.text });
      continue;
    }
    const mod = input.resolveImport(spec);
    const clause = stmt.importClause;
    if (!clause) continue;
    if (clause.name && (mod?.hasDefault || CLIENT_NAME.test(clause.name.text))) {
      clients.set(clause.name.text, mod?.side ?? side);
      if (mod?.serviceRole) serviceClients.add(clause.name.text);
    }
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      for (const el of bindings.elements) {
        const imported = (el.propertyName ?? el.name).text;
        if (mod?.names.has(imported) || (mod && CLIENT_NAME.test(imported))) {
          clients.set(el.name.text, mod.side);
          if (mod.serviceRole) serviceClients.add(el.name.text);
        }
      }
    }
  }

  // Clients reached by their type (a parameter, variable or property typed SupabaseClient) or picked by a
  // ternary between clients (`const db = admin ? supabaseAdmin : supabase`).
  const clientProps = new Set<string>();
  // Client-like names bound to something that is not a client (`const supabaseStorage = localStorage`,
  // `const supabaseUrl = process.env.X`): never taken for a client by their name.
  const notClients = new Set<string>();
  const isClientRef = (e: ts.Expression) => {
    const u = unwrap(e);
    return ts.isIdentifier(u) && (clients.has(u.text) || CLIENT_NAME.test(u.text));
  };
  walk(sf, (n) => {
    if (
      (ts.isParameter(n) || ts.isVariableDeclaration(n) || ts.isPropertyDeclaration(n)) &&
      ts.isIdentifier(n.name) &&
      n.type &&
      CLIENT_TYPE.test(n.type.getText(sf))
    ) {
      if (ts.isPropertyDeclaration(n)) clientProps.add(n.name.text);
      else clients.set(n.name.text, side);
    }
    if (ts.isParameter(n) && ts.isIdentifier(n.name) && n.parent && ts.isConstructorDeclaration(n.parent)) {
      // A constructor parameter with an access modifier is also a property: `constructor(private db: SupabaseClient)`.
      const isProp = (ts.getModifiers(n) ?? []).length > 0;
      if (isProp && n.type && CLIENT_TYPE.test(n.type.getText(sf))) clientProps.add(n.name.text);
    }
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
      const init = unwrap(n.initializer);
      if (ts.isConditionalExpression(init) && [init.whenTrue, init.whenFalse].some(isClientRef))
        clients.set(n.name.text, side);
      const plainValue =
        ts.isLiteralExpression(init) ||
        ts.isTemplateExpression(init) ||
        ts.isObjectLiteralExpression(init) ||
        ts.isArrayLiteralExpression(init) ||
        ((ts.isIdentifier(init) || ts.isPropertyAccessExpression(init)) &&
          !CLIENT_NAME.test(init.getText(sf)) &&
          !(ts.isIdentifier(init) && clients.has(init.text))) ||
        ((ts.isPropertyAccessExpression(init) || ts.isElementAccessExpression(init)) &&
          isEnvObject(init.expression) !== undefined) ||
        (ts.isNewExpression(init) && !isCreateCall(init, c));
      if (plainValue && !clients.has(n.name.text)) notClients.add(n.name.text);
    }
  });

  const edge = EDGE_FUNCTION.exec(rel);
  if (edge)
    add(sf.statements[0] ?? sf, {
      phase: 'functions',
      kind: 'functions',
      api: `edge function ${edge[2]}`,
      replacement: edgeFunctionReplacement(),
    });

  const resolveRoot = (chain: {
    root: ts.Expression;
    segments: Segment[];
  }): { root: ClientRoot; segments: Segment[]; derivedName?: string } | undefined => {
    let r = unwrap(chain.root);
    if (ts.isAwaitExpression(r)) r = unwrap(r.expression);
    if (r.kind === ts.SyntaxKind.ThisKeyword) {
      const head = chain.segments[0];
      if (head && !head.call && clientProps.has(head.name))
        return { root: { text: `this.${head.name}`, side }, segments: chain.segments.slice(1) };
      const d = head && !head.call ? derived.get(`this.${head.name}`) : undefined;
      if (d) {
        return {
          root: d.root,
          segments: [...d.segments, ...chain.segments.slice(1)],
          derivedName: `this.${head?.name}`,
        };
      }
    }
    if (ts.isIdentifier(r)) {
      const d = derived.get(r.text);
      if (d) return { root: d.root, segments: [...d.segments, ...chain.segments], derivedName: r.text };
      const known = clients.get(r.text);
      const serviceRole = serviceClients.has(r.text) || ADMIN_NAME.test(r.text);
      if (known) return { root: { text: r.text, side: known, serviceRole }, segments: chain.segments };
      if (CLIENT_NAME.test(r.text) && !notClients.has(r.text))
        return { root: { text: r.text, side, serviceRole }, segments: chain.segments };
    }
    if (ts.isCallExpression(r) || ts.isNewExpression(r)) {
      const callee = unwrap(r.expression);
      if (isCreateCall(r, c))
        return { root: { text: `${callee.getText(sf)}(...)`, side }, segments: chain.segments };
      if (ts.isIdentifier(callee) && CLIENT_NAME.test(callee.text)) {
        return { root: { text: `${callee.text}()`, side }, segments: chain.segments };
      }
    }
    // `this.supabase.from(...)`, `req.app.locals.supabase.auth...`: a client-named property before any call.
    const idx = chain.segments.findIndex((s) => !s.call && CLIENT_NAME.test(s.name));
    if (idx >= 0 && chain.segments.slice(0, idx).every((s) => !s.call)) {
      const seg = chain.segments[idx];
      if (seg)
        return {
          root: { text: seg.node.getText(sf).replace(/\s+/g, ''), side },
          segments: chain.segments.slice(idx + 1),
        };
    }
    return undefined;
  };

  const chainAt = (node: ts.Expression) => {
    const flat = flattenChain(node);
    while (flat.segments.length && ['then', 'catch', 'finally'].includes(flat.segments.at(-1)?.name ?? '')) {
      flat.segments.pop();
    }
    // Reads of the result (`.data.publicUrl`) are not part of the call.
    const lastCall = flat.segments.findLastIndex((s) => s.call !== undefined);
    if (lastCall >= 0) flat.segments.length = lastCall + 1;
    if (!flat.segments.length) return undefined;
    const resolved = resolveRoot(flat);
    if (!resolved || !resolved.segments.length) return undefined;
    return { ...resolved, flat };
  };

  const visit = (node: ts.Node): void => {
    if (
      (ts.isVariableDeclaration(node) || ts.isPropertyDeclaration(node)) &&
      ts.isIdentifier(node.name) &&
      node.initializer
    ) {
      const init = unwrap(node.initializer);
      if (!ts.isAwaitExpression(init) && (ts.isCallExpression(init) || ts.isPropertyAccessExpression(init))) {
        const resolved = chainAt(init);
        if (resolved && !isCreateCall(init, c)) {
          const key = ts.isPropertyDeclaration(node) ? `this.${node.name.text}` : node.name.text;
          derived.set(key, { root: resolved.root, segments: resolved.segments, used: false });
          initOf.set(init, key);
        }
      }
    }
    if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer) {
      const env = isEnvObject(node.initializer);
      if (env) {
        for (const el of node.name.elements) {
          const key =
            el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : el.name.getText(sf);
          if (/SUPABASE/i.test(key)) {
            add(el, { phase: 'config', kind: 'env', api: key, replacement: envReplacement(key) });
          }
        }
      }
    }
    if (isCreateCall(node, c)) {
      add(node, {
        phase: 'config',
        kind: 'client',
        api: `${unwrap((node as ts.CallExpression).expression).getText(sf)}()`,
        replacement: clientReplacement(side),
      });
    }
    const req = requireSpecifier(node);
    const reqPkg = supabasePackage(req ?? '');
    if (req && reqPkg) {
      const r = importReplacement(reqPkg);
      add(node, { phase: r.phase, kind: 'import', api: `require('${req}')`, replacement: r.text });
    }
    if (
      (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) &&
      isEnvObject(node.expression)
    ) {
      const key = ts.isPropertyAccessExpression(node)
        ? node.name.text
        : ts.isStringLiteralLike(node.argumentExpression)
          ? node.argumentExpression.text
          : '';
      if (/SUPABASE/i.test(key)) {
        add(node, {
          phase: 'config',
          kind: 'env',
          api: `${isEnvObject(node.expression)}.${key}`,
          replacement: envReplacement(key),
        });
      }
    }
    if (
      (ts.isPropertyAssignment(node) ||
        ts.isShorthandPropertyAssignment(node) ||
        ts.isPropertySignature(node)) &&
      ts.isIdentifier(node.name) &&
      ENV_NAME.test(node.name.text) &&
      /SUPABASE/.test(node.name.text)
    ) {
      add(node.name, {
        phase: 'config',
        kind: 'env',
        api: node.name.text,
        replacement: envReplacement(node.name.text),
      });
    }
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      literal(node);
    }
    if (
      (ts.isCallExpression(node) ||
        ts.isPropertyAccessExpression(node) ||
        ts.isElementAccessExpression(node)) &&
      isOutermost(node)
    ) {
      const resolved = chainAt(node);
      if (resolved) {
        const f = classifyChain({
          sf,
          root: resolved.root,
          segments: resolved.segments,
          ...(input.foreignKeys ? { foreignKeys: input.foreignKeys } : {}),
        });
        if (resolved.derivedName) {
          const d = derived.get(resolved.derivedName);
          if (d) d.used = true;
        }
        const pending = {
          ...f,
          derivedUse: resolved.derivedName,
          derivedInit: initOf.get(unwrap(node)),
          chain: resolved.flat,
          root: resolved.root,
        };
        add(node, pending);
      }
    }
    ts.forEachChild(node, visit);
  };

  const literal = (
    node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateLiteralLikeNode,
  ) => {
    const text = node.text;
    const parent = node.parent;
    if (
      ts.isImportDeclaration(parent) ||
      ts.isExportDeclaration(parent) ||
      (parent && requireSpecifier(parent))
    )
      return;
    if (ENV_NAME.test(text) && /SUPABASE/.test(text) && !(parent && ts.isElementAccessExpression(parent))) {
      add(node, { phase: 'config', kind: 'env', api: text, replacement: envReplacement(text) });
      return;
    }
    const urls = [...text.matchAll(SUPABASE_URL)].map((m) => m[0]);
    if (urls.length === 0) urls.push(...[...text.matchAll(STORAGE_PATH)].map((m) => m[0]));
    for (const url of new Set(urls)) {
      const phase = urlPhase(url);
      add(node, { phase, kind: 'url', api: url, replacement: urlReplacement(phase) });
    }
  };

  visit(sf);

  return out
    .filter((f) => {
      if (f.derivedInit) {
        const d = derived.get(f.derivedInit);
        if (d?.used) {
          if (f.kind !== 'query' && f.kind !== 'rpc') return false;
          f.sqlSkipped = `the query is built across statements (${f.derivedInit}): translate the final query by hand`;
          delete f.sql;
        }
      }
      if (f.derivedUse) {
        const d = derived.get(f.derivedUse);
        if (d && (f.kind === 'query' || f.kind === 'rpc')) return false;
      }
      return true;
    })
    .map((f) => {
      const { derivedInit, derivedUse, node, chain, root, ...finding } = f;
      return {
        finding: finding as Finding,
        node,
        ...(chain ? { chain } : {}),
        ...(root ? { root } : {}),
        derived: derivedInit !== undefined || derivedUse !== undefined,
      };
    })
    .sort((a, b) => a.finding.line - b.finding.line || a.finding.column - b.finding.column);
}
