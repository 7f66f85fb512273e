/**
 * One file of `supa2aws migrate-code`: each Supabase call site found by the scanner is either rewritten
 * exactly into the supa2aws runtime (server `from()`/`rpc()` chains into `sqlResult(db, sql, params,
 * shape)`, which answers `{ data, error }` as supabase-js did; `<client>.storage` into the runtime storage
 * facade, whose methods have the same names; browser `<client>.auth` calls that browser-auth shapes like
 * supabase.auth) or marked with a one-line `// supa2aws:` comment saying why and what to do. A client the
 * rewritten sites were the only users of goes (dead-clients.ts). Rewriting is idempotent: a rewritten site
 * is no longer a Supabase call, a marked one is not marked twice, and a client that went is not there.
 */
import path from 'node:path';
import ts from 'typescript';
import { runtimeModule, type CodeSite, type ModuleClients } from '../scan/index.ts';
import type { Segment } from '../scan/ts-chain.ts';
import { objectEntries, stringValue, unwrap } from '../scan/ts-chain.ts';
import type { RuntimeHandle } from './generated-module.ts';
import { deadClientEdits } from './dead-clients.ts';
import { declaredNames } from './declared-names.ts';
import { nextServerAuth, type ModuleImport } from './next-server-auth.ts';
import { jsString } from './js-string.ts';

export interface SiteOutcome {
  line: number;
  api: string;
  kind: string;
  side: string;
  action: 'rewritten' | 'marked';
  /** For a marked site, the comment's text. */
  reason?: string;
}

export interface FileRewrite {
  text: string;
  sites: SiteOutcome[];
  /** Handles the rewritten text imports, by the side whose generated module serves them. */
  imports: { server: RuntimeHandle[]; browser: RuntimeHandle[] };
  /** The name each handle goes by in this file: `storage as runtimeStorage` where the file has a `storage` of its own. */
  localNames: Map<RuntimeHandle, string>;
  /** Buckets browser uploads now reach through presigned URLs (the upload route signs for them). */
  uploadBuckets: string[];
  /** Imports straight from a runtime module or a framework (Next.js server code's session), not the generated module. */
  moduleImports: ModuleImport[];
  /** The file signs in through Cognito's hosted UI: its browser module needs the domain and redirect URLs. */
  oauth: boolean;
}

/** The facade's methods (packages/runtime/src/storage/storage-bucket.ts), named as supabase-js names them. */
export const STORAGE_METHODS = new Set([
  'upload',
  'update',
  'download',
  'exists',
  'info',
  'getPublicUrl',
  'createSignedUrl',
  'createSignedUrls',
  'createSignedUploadUrl',
  'uploadToSignedUrl',
  'remove',
  'list',
  'move',
  'copy',
]);
/** The browser-auth methods that go through Cognito's hosted UI (runtime/browser-auth/oauth.ts). */
export const OAUTH_METHODS = ['signInWithOAuth', 'exchangeCodeForSession'];
/** Methods of runtime/browser-auth, shaped as supabase.auth's. */
export const BROWSER_AUTH_METHODS = new Set([
  'signUp',
  'signInWithPassword',
  'signOut',
  'getSession',
  'getUser',
  'onAuthStateChange',
  ...OAUTH_METHODS,
]);
/** Methods of runtime/browser-auth's `auth.mfa`, shaped as supabase.auth.mfa's (on Cognito TOTP). */
export const BROWSER_AUTH_MFA_METHODS = new Set([
  'enroll',
  'challenge',
  'verify',
  'challengeAndVerify',
  'unenroll',
  'listFactors',
  'getAuthenticatorAssuranceLevel',
]);
/** Call sites: what a migration must change. Imports, env names, URLs and client creation go last, once unused. */
export const CALL_KINDS = new Set(['query', 'rpc', 'storage', 'auth', 'functions', 'realtime', 'other']);

const MARK = '// supa2aws:';

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** What `sqlResult` should return, from the chain after `from(...)`, or why it cannot say exactly. */
function resultShape(segments: Segment[]): { shape: string } | { manual: string } {
  const names = segments.map((s) => s.name);
  const write = names.find((n) => ['insert', 'upsert', 'update', 'delete'].includes(n));
  const writeCall = segments.find((s) => s.name === write)?.call;
  const writeOptions = writeCall?.arguments[write === 'delete' ? 0 : 1];
  if (objectEntries(writeOptions)?.some(([k]) => k === 'count')) return { shape: "'count'" };
  const select = segments.find((s) => s.name === 'select');
  const options = select?.call?.arguments[1];
  if (options && ts.isObjectLiteralExpression(unwrap(options))) {
    const text = options.getText();
    if (/\bcount\b/.test(text)) {
      if (!/head\s*:\s*true/.test(text))
        return { manual: 'a count with rows needs a second SELECT count(*) with the same WHERE' };
      return { shape: "'count'" };
    }
  }
  if (names.includes('single')) return { shape: "'single'" };
  if (names.includes('maybeSingle')) return { shape: "'maybeSingle'" };
  if (write && !select) return { shape: "'none'" };
  return { shape: "'rows'" };
}

/** The statement a node stands in, for a comment above it. */
function statementOf(node: ts.Node): ts.Node {
  let cur: ts.Node = node;
  while (
    cur.parent &&
    !ts.isSourceFile(cur.parent) &&
    !ts.isBlock(cur.parent) &&
    !ts.isCaseClause(cur.parent)
  )
    cur = cur.parent;
  return cur;
}

function chainRange(site: CodeSite, sf: ts.SourceFile, upTo: number): { start: number; end: number } {
  const chain = site.chain!;
  return { start: chain.root.getStart(sf), end: chain.segments[upTo]!.node.getEnd() };
}

/** Index in the chain's segments where the resolved client's own segments start. */
function clientOffset(site: CodeSite): number {
  const chain = site.chain!;
  const first = site.finding.kind === 'query' || site.finding.kind === 'rpc' ? ['from', 'rpc', 'schema'] : [];
  const name =
    site.finding.kind === 'storage' ? 'storage' : site.finding.kind === 'auth' ? 'auth' : undefined;
  const at = chain.segments.findIndex((s) => (name ? s.name === name : first.includes(s.name)));
  return at;
}

export function rewriteFile(input: {
  rel: string;
  sf: ts.SourceFile;
  sites: CodeSite[];
  /** Where the app imports the runtime from, e.g. RUNTIME_IMPORT. */
  runtime: string;
  /** The clients (and client factories) of the module an import names (readCodebase's resolver). */
  resolveImport: (spec: string) => ModuleClients | undefined;
}): FileRewrite {
  const { sf } = input;
  const edits: Edit[] = [];
  const marks = new Map<number, string>();
  /** Comments explaining a rewrite, each once per file: line start → comment. */
  const notes = new Map<number, string>();
  const noted = new Set<readonly string[]>();
  const server = new Set<RuntimeHandle>();
  const browser = new Set<RuntimeHandle>();
  const uploadBuckets: string[] = [];
  const moduleImports: ModuleImport[] = [];
  let oauth = false;
  const taken = declaredNames(sf);
  const localNames = new Map<RuntimeHandle, string>();
  const local = (h: RuntimeHandle): string => {
    let name = localNames.get(h);
    if (!name) {
      name = h;
      for (let i = 2; taken.has(name); i++)
        name = `runtime${h[0]!.toUpperCase()}${h.slice(1)}${i === 2 ? '' : i}`;
      localNames.set(h, name);
    }
    return name;
  };

  /** The start of the line of the statement `site` stands in, and that line's indentation. */
  const lineOf = (site: CodeSite) => {
    const stmt = statementOf(site.node);
    const lineStart = sf.getLineStarts()[sf.getLineAndCharacterOfPosition(stmt.getStart(sf)).line]!;
    return { lineStart, indent: /^[ \t]*/.exec(sf.text.slice(lineStart))![0] };
  };
  const mark = (site: CodeSite, reason: string) => {
    const { lineStart, indent } = lineOf(site);
    const comment = `${indent}${MARK} ${reason.replace(/\s+/g, ' ').trim()}\n`;
    const previous = sf.text.slice(0, lineStart).split('\n').at(-2) ?? '';
    if (previous.trim() !== comment.trim() && !marks.has(lineStart)) marks.set(lineStart, comment);
    record(site, { action: 'marked', reason });
  };
  /** Each site's outcome, with where the site starts (a site in code that goes has none). */
  const outcomes: Array<{ at: number; outcome: SiteOutcome }> = [];
  const record = (site: CodeSite, how: Pick<SiteOutcome, 'action' | 'reason'>) =>
    outcomes.push({
      at: site.node.getStart(sf),
      outcome: {
        line: site.finding.line,
        api: site.finding.api,
        kind: site.finding.kind,
        side: site.finding.side,
        ...how,
      },
    });
  const rewritten = (site: CodeSite) => record(site, { action: 'rewritten' });

  for (const site of input.sites) {
    const f = site.finding;
    if (!CALL_KINDS.has(f.kind)) continue;
    const chain = site.chain;
    const offset = chain ? clientOffset(site) : -1;
    if (f.kind === 'query' || f.kind === 'rpc') {
      if (f.side === 'browser') {
        mark(
          site,
          `browser code cannot reach RDS: move this ${f.kind} to an API route${f.sql ? ` that runs: ${f.sql.text}` : ''}`,
        );
        continue;
      }
      if (!f.sql || !chain || site.derived || offset < 0) {
        mark(
          site,
          `${f.sqlSkipped ?? 'not translated'}: write it with sqlResult(db, sql, params) from ${runtimeModule('db')}`,
        );
        continue;
      }
      if (!site.root?.serviceRole) {
        mark(
          site,
          `this client carries the user's token, so RLS must hold: run ${JSON.stringify(f.sql.text)} inside withUser(db, req.user, (c) => sqlResult(c, ...))`,
        );
        continue;
      }
      const risky = f.sql.notes.find((n) => /assumed|JS array/.test(n));
      if (risky) {
        mark(site, `${risky}; SQL: ${f.sql.text}`);
        continue;
      }
      const after = chain.segments.slice(offset + 1);
      const shape =
        f.kind === 'rpc'
          ? { shape: `{ rpc: ${jsString(stringValue(chain.segments[offset]!.call?.arguments[0]) ?? '')} }` }
          : resultShape(after);
      if ('manual' in shape) {
        mark(site, `${shape.manual}; SQL: ${f.sql.text}`);
        continue;
      }
      const row = f.sql.row;
      const params = (list: string[]) => (list.length ? `[${list.join(', ')}]` : '[]');
      const clauses = row && [
        ...(row.where ? [`where: ${jsString(row.where)}, params: ${params(f.sql.params.slice(0, -1))}`] : []),
        ...(row.returning ? [`returning: ${jsString(row.returning)}`] : []),
      ];
      edits.push({
        ...chainRange(site, sf, chain.segments.length - 1),
        text: row
          ? `${local('sqlResult')}(${local('db')}, ...${local('rowSql')}(${jsString(row.op)}, ${jsString(row.table)}, ${row.expression}${clauses?.length ? `, { ${clauses.join(', ')} }` : ''}), ${shape.shape})`
          : `${local('sqlResult')}(${local('db')}, ${jsString(f.sql.text)}, ${params(f.sql.params)}, ${shape.shape})`,
      });
      server.add('db').add('sqlResult');
      if (row) server.add('rowSql');
      rewritten(site);
      continue;
    }
    if (f.kind === 'storage' && chain && offset >= 0) {
      const method = chain.segments[offset + 2]?.name;
      const viaFrom = chain.segments[offset + 1]?.name === 'from';
      const bucket = viaFrom ? stringValue(chain.segments[offset + 1]!.call?.arguments[0]) : undefined;
      const upload = chain.segments[offset + 2];
      if (
        f.side === 'browser' &&
        bucket !== undefined &&
        (method === 'upload' || method === 'update') &&
        upload?.call &&
        chain.segments.length === offset + 3 &&
        upload.call.arguments.length >= 2 &&
        upload.call.arguments.length <= 3
      ) {
        // upload(path, body, options) → presignedUpload(bucket, path, body, options); update() overwrites.
        const args = upload.call.arguments.map((a) => a.getText(sf));
        if (method === 'update') args[2] = args[2] ? `{ ...${args[2]}, upsert: true }` : '{ upsert: true }';
        edits.push({
          ...chainRange(site, sf, offset + 2),
          text: `${local('presignedUpload')}(${jsString(bucket)}, ${args.join(', ')})`,
        });
        browser.add('presignedUpload');
        uploadBuckets.push(bucket);
        rewritten(site);
        continue;
      }
      if (f.side === 'browser') {
        mark(
          site,
          method === 'getPublicUrl'
            ? `use publicObjectUrl(bucket, key) from ${runtimeModule('storage')} (no credentials needed)`
            : 'no S3 credentials in the browser: ask an API route for a presigned URL (storage.from(bucket).createSignedUploadUrl / createSignedUrl) and use it here',
        );
        continue;
      }
      if (!viaFrom || !method || !STORAGE_METHODS.has(method)) {
        mark(site, `${f.replacement} (the runtime storage facade covers storage.from(bucket).<method> only)`);
        continue;
      }
      edits.push({ ...chainRange(site, sf, offset), text: local('storage') });
      server.add('storage');
      rewritten(site);
      continue;
    }
    if (f.kind === 'auth' && chain && offset >= 0) {
      const next = nextServerAuth(site, sf, input.rel, offset, input.runtime);
      if (next && 'mark' in next) {
        mark(site, next.mark);
        continue;
      }
      if (next) {
        edits.push(next.rewrite);
        moduleImports.push(...next.imports);
        if (next.note && !noted.has(next.note)) {
          noted.add(next.note);
          const { lineStart, indent } = lineOf(site);
          notes.set(lineStart, next.note.map((line) => `${indent}// ${line}\n`).join(''));
        }
        rewritten(site);
        continue;
      }
      const method = chain.segments[offset + 1]?.name ?? '';
      const mfa = chain.segments[offset + 2];
      const sameShape =
        method === 'mfa'
          ? BROWSER_AUTH_MFA_METHODS.has(mfa?.name ?? '') && mfa?.call !== undefined
          : BROWSER_AUTH_METHODS.has(method) && chain.segments[offset + 1]?.call !== undefined;
      if (f.side === 'browser' && sameShape) {
        edits.push({ ...chainRange(site, sf, offset), text: local('auth') });
        browser.add('auth');
        if (OAUTH_METHODS.includes(method)) oauth = true;
        rewritten(site);
        continue;
      }
      // Server code checking a bearer token: the same { data: { user }, error } from the runtime's verifier.
      const getUser = chain.segments[offset + 1];
      if (
        f.side === 'server' &&
        method === 'getUser' &&
        getUser?.call?.arguments.length === 1 &&
        chain.segments.length === offset + 2
      ) {
        edits.push({ ...chainRange(site, sf, offset), text: local('auth') });
        server.add('auth');
        rewritten(site);
        continue;
      }
    }
    mark(site, f.replacement);
  }

  // The clients the rewrite left unused go, and with them what was rewritten or marked inside them.
  const dead = deadClientEdits({
    sf,
    creations: input.sites.filter((s) => s.finding.kind === 'client').map((s) => s.node),
    resolveImport: input.resolveImport,
    edits,
  });
  const removed = dead.filter((e) => e.text === '');
  const inRemoved = (at: number) => removed.some((r) => r.start <= at && at < r.end);
  let text = sf.text;
  const all: Edit[] = [
    ...edits.filter((e) => !removed.some((r) => e.start < r.end && r.start < e.end) && !inRemoved(e.start)),
    ...dead,
    ...[...marks.entries(), ...notes.entries()]
      .filter(([at]) => !inRemoved(at))
      .map(([at, comment]) => ({ start: at, end: at, text: comment })),
  ].sort((a, b) => b.start - a.start || b.end - a.end);
  for (const e of all) text = text.slice(0, e.start) + e.text + text.slice(e.end);
  return {
    text,
    sites: outcomes.filter((o) => !inRemoved(o.at)).map((o) => o.outcome),
    imports: { server: [...server], browser: [...browser] },
    localNames,
    uploadBuckets,
    moduleImports,
    oauth,
  };
}

/** Where a file's generated runtime module goes: the nearest `src` folder above it, else its top folder. */
export function moduleDirFor(rel: string): string {
  const parts = path.posix.dirname(rel).split('/');
  const src = parts.lastIndexOf('src');
  if (src >= 0) return parts.slice(0, src + 1).join('/');
  return parts[0] === '.' ? '.' : parts[0]!;
}

/** A relative import specifier from `fromRel` to `toRel`, with the extension style the file already uses. */
export function importSpecifier(sf: ts.SourceFile, fromRel: string, toRel: string): string {
  const relative = path.posix.relative(path.posix.dirname(fromRel), toRel).replace(/\.ts$/, '');
  const spec = relative.startsWith('.') ? relative : `./${relative}`;
  const used = sf.statements
    .filter(ts.isImportDeclaration)
    .map((d) => (d.moduleSpecifier as ts.StringLiteral).text)
    .filter((s) => s.startsWith('.'));
  if (used.some((s) => s.endsWith('.js'))) return `${spec}.js`;
  if (used.some((s) => s.endsWith('.ts'))) return `${spec}.ts`;
  return spec;
}

/** Adds `import { a, b } from 'spec'` after the file's last import (or merges into an existing one). */
export function addImport(text: string, rel: string, names: string[], spec: string): string {
  if (names.length === 0) return text;
  const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true);
  const existing = sf.statements
    .filter(ts.isImportDeclaration)
    .find((d) => (d.moduleSpecifier as ts.StringLiteral).text === spec);
  const bindings = existing?.importClause?.namedBindings;
  if (existing && bindings && ts.isNamedImports(bindings)) {
    const have = new Set(bindings.elements.map((e) => e.getText(sf)));
    const all = [...have, ...names.filter((n) => !have.has(n))].sort();
    return text.slice(0, bindings.getStart(sf)) + `{ ${all.join(', ')} }` + text.slice(bindings.getEnd());
  }
  const imports = sf.statements.filter(ts.isImportDeclaration);
  const line = `import { ${[...names].sort().join(', ')} } from ${jsString(spec)};\n`;
  const at = imports.length ? imports.at(-1)!.getEnd() + 1 : firstCodeLine(sf);
  return text.slice(0, at) + line + text.slice(at);
}

/** After leading directives ('use server') and comments: where a first import goes. */
function firstCodeLine(sf: ts.SourceFile): number {
  const first = sf.statements[0];
  if (first && ts.isExpressionStatement(first) && ts.isStringLiteral(first.expression))
    return first.getEnd() + 1;
  return first ? first.getStart(sf) : 0;
}

/**
 * Removes import bindings of Supabase clients (and @supabase/* imports) the rewritten file no longer uses;
 * an import left with nothing is removed whole.
 */
export function dropUnusedClientImports(
  text: string,
  rel: string,
  isClientImport: (spec: string, name: string) => boolean,
): string {
  const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true);
  const used = new Map<string, number>();
  const count = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) used.set(n.text, (used.get(n.text) ?? 0) + 1);
    ts.forEachChild(n, count);
  };
  count(sf);
  const edits: Edit[] = [];
  for (const d of sf.statements.filter(ts.isImportDeclaration)) {
    const spec = (d.moduleSpecifier as ts.StringLiteral).text;
    const clause = d.importClause;
    if (!clause) continue;
    const names = [
      ...(clause.name ? [clause.name.text] : []),
      ...(clause.namedBindings && ts.isNamedImports(clause.namedBindings)
        ? clause.namedBindings.elements.map((e) => e.name.text)
        : []),
    ];
    const unused = names.filter((n) => isClientImport(spec, n) && (used.get(n) ?? 0) <= 1);
    if (unused.length === 0) continue;
    if (
      unused.length === names.length &&
      !(clause.namedBindings && ts.isNamespaceImport(clause.namedBindings))
    ) {
      const end = text[d.getEnd()] === '\n' ? d.getEnd() + 1 : d.getEnd();
      edits.push({ start: d.getStart(sf), end, text: '' });
      continue;
    }
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      const keep = bindings.elements.filter((e) => !unused.includes(e.name.text)).map((e) => e.getText(sf));
      edits.push({
        start: bindings.getStart(sf),
        end: bindings.getEnd(),
        text: keep.length ? `{ ${keep.join(', ')} }` : '{}',
      });
    }
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
