/**
 * `supa2aws migrate-code`, the plan: reads the codebase as `supa2aws scan` does, rewrites each file in
 * memory (rewrite-file.ts), adds the imports of the runtime handles it now uses and the generated modules
 * that create them, and drops client imports nothing uses any more. Writes nothing: apply does.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { silentReporter, type Reporter } from '../core/reporter.ts';
import {
  analyzeCodeSites,
  CLIENT_NAME_PATTERN,
  fileSide,
  readCodebase,
  RUNTIME_IMPORT,
  runtimeModule,
  supabasePackage,
  type ForeignKey,
  type ScanOptions,
} from '../scan/index.ts';
import { importBrowserAuthTypes } from './browser-auth-types.ts';
import { type BrowserBundler, generatedModule, type RuntimeHandle } from './generated-module.ts';
import {
  NEXT_UPLOAD_ROUTE_FILE,
  nextUploadRouteModule,
  UPLOAD_ROUTE_FILE,
  uploadRouteModule,
} from './presigned-upload.ts';
import { planAdditions, runtimeRange, variablesReadByRuntime, type Additions } from './add-runtime.ts';
import { envFileKind, planRemovals, type Removals } from './remove-unused.ts';
import {
  addImport,
  dropUnusedClientImports,
  importSpecifier,
  moduleDirFor,
  rewriteFile,
  type SiteOutcome,
} from './rewrite-file.ts';

export interface CodeMigrationOptions extends Pick<ScanOptions, 'exclude' | 'signal'> {
  /**
   * The schema's foreign keys (readForeignKeys), so embedded relations become subqueries.
   * @default none: embedded relations are marked for a hand-written JOIN
   */
  foreignKeys?: readonly ForeignKey[];
  /** Where the app imports the runtime from. @default RUNTIME_IMPORT ('@supa2aws/runtime') */
  runtimeImport?: string;
  /** The range the app's package.json gets for the runtime. @default the supa2aws CLI's own dependency range */
  runtimeRange?: string;
  reporter?: Reporter;
}

export interface FileChange {
  /** Relative to the root, forward slashes. */
  file: string;
  /** Absent for a file the migration creates. */
  before?: string;
  /** Empty for a file the migration deletes. */
  after: string;
  /** The migration deletes the file (a client module nothing imports any more). */
  deleted?: true;
  sites: SiteOutcome[];
}

export interface CodeMigrationPlan {
  version: 1;
  root: string;
  changes: FileChange[];
  /** Call sites by outcome. */
  totals: { sites: number; rewritten: number; marked: number };
  /** Per side, so a backend's and a front end's rates can be read apart. */
  bySide: Record<string, { sites: number; rewritten: number; marked: number }>;
  /** Files that could not be read or parsed (reported, never rewritten). */
  skipped: Array<{ file: string; reason: string }>;
  /** What goes once nothing uses it: client modules, supabase-js packages, Supabase env variables. */
  removals: Pick<Removals, 'deleted' | 'dependencies' | 'env'>;
  /** What the migrated code needs: the runtime (and aws-amplify) in package.json, the runtime's variables. */
  additions: Pick<Additions, 'dependencies' | 'env'>;
}

const SERVER_MODULE = 'supa2aws.server.ts';
const BROWSER_MODULE = 'supa2aws.browser.ts';

export async function planCodeMigration(
  dir: string,
  options: CodeMigrationOptions = {},
): Promise<CodeMigrationPlan> {
  const reporter = options.reporter ?? silentReporter;
  const runtime = options.runtimeImport ?? RUNTIME_IMPORT;
  const code = await readCodebase(dir, options);
  const changes: FileChange[] = [];
  const generated = new Map<
    string,
    { side: 'server' | 'browser'; handles: Set<RuntimeHandle>; oauth: boolean }
  >();
  const totals = { sites: 0, rewritten: 0, marked: 0 };
  const bySide: CodeMigrationPlan['bySide'] = {};
  const uploads: Array<{ file: string; bucket: string }> = [];
  let done = 0;
  const candidates = code.readable.filter((f) => f.kind === 'code' && code.parsed.has(f.rel));
  for (const file of candidates) {
    options.signal?.throwIfAborted();
    const sf = code.sourceOf(file.rel)!;
    // A file with syntax errors is reported and left as it is: a rewrite of a half-understood file could corrupt it.
    const broken = (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics?.[0];
    if (broken) {
      const line = sf.getLineAndCharacterOfPosition(broken.start ?? 0).line + 1;
      code.skipped.push({
        file: file.rel,
        reason: `does not parse (line ${line}: ${ts.flattenDiagnosticMessageText(broken.messageText, ' ')}): not rewritten`,
      });
      continue;
    }
    const resolveImport = code.resolverFor(file.rel);
    const sites = analyzeCodeSites({
      sf,
      rel: file.rel,
      resolveImport,
      ...(options.foreignKeys ? { foreignKeys: options.foreignKeys } : {}),
    });
    const rewrite = rewriteFile({ rel: file.rel, sf, sites, runtime, resolveImport });
    for (const bucket of rewrite.uploadBuckets) uploads.push({ file: file.rel, bucket });
    let text = rewrite.text;
    if (fileSide(sf, file.rel) !== 'server')
      text = importBrowserAuthTypes(text, file.rel, runtimeModule('browser-auth', runtime));
    for (const side of ['server', 'browser'] as const) {
      const handles: RuntimeHandle[] = rewrite.imports[side];
      if (handles.length === 0) continue;
      const moduleRel = path.posix.join(
        moduleDirFor(file.rel),
        side === 'server' ? SERVER_MODULE : BROWSER_MODULE,
      );
      if (!code.texts.has(moduleRel)) {
        const module = generated.get(moduleRel) ?? {
          side,
          handles: new Set<RuntimeHandle>(),
          oauth: false,
        };
        for (const h of handles) module.handles.add(h);
        if (side === 'browser' && rewrite.oauth) module.oauth = true;
        generated.set(moduleRel, module);
      }
      const names = handles.map((h) => {
        const name = rewrite.localNames.get(h) ?? h;
        return name === h ? h : `${h} as ${name}`;
      });
      text = addImport(text, file.rel, names, importSpecifier(sf, file.rel, moduleRel));
    }
    for (const m of rewrite.moduleImports)
      text = addImport(
        text,
        file.rel,
        m.names,
        m.from === 'next/headers' ? m.from : runtimeModule(m.from, runtime),
      );
    if (text !== sf.text)
      text = dropUnusedClientImports(
        text,
        file.rel,
        (spec, name) =>
          supabasePackage(spec) !== undefined ||
          resolveImport(spec) !== undefined ||
          CLIENT_NAME_PATTERN.test(name),
      );
    for (const s of rewrite.sites) {
      const side = (bySide[s.side] ??= { sites: 0, rewritten: 0, marked: 0 });
      side.sites++;
      totals.sites++;
      side[s.action]++;
      totals[s.action]++;
    }
    if (text !== code.texts.get(file.rel))
      changes.push({ file: file.rel, before: code.texts.get(file.rel), after: text, sites: rewrite.sites });
    reporter.emit({
      type: 'progress',
      task: 'migrate-code',
      done: ++done,
      total: candidates.length,
      unit: 'files',
    });
  }
  // A Next.js app (a file importing next or next/*) gets its browser module in Next's terms.
  const bundler: BrowserBundler = [...code.texts.values()].some((t) =>
    /\bfrom\s+['"]next(?:\/[^'"]*)?['"]/.test(t),
  )
    ? 'next'
    : 'vite';
  const created: FileChange[] = [...generated].map(([file, m]) => ({
    file,
    after: generatedModule(m.side, m.handles, runtime, bundler, { oauth: m.oauth }),
    sites: [],
  }));
  const route = uploads.length ? uploadRouteFile(code.texts, uploads[0]!.file, bundler) : undefined;
  if (route && !code.texts.has(route)) {
    const buckets = uploads.map((u) => u.bucket);
    created.push({
      file: route,
      after:
        bundler === 'next' ? nextUploadRouteModule(buckets, runtime) : uploadRouteModule(buckets, runtime),
      sites: [],
    });
  }
  const finalCode = new Map(code.texts);
  for (const c of [...changes, ...created]) finalCode.set(c.file, c.after);
  const config = new Map<string, string>();
  for (const f of code.readable)
    if (f.kind === 'config' && (path.posix.basename(f.rel) === 'package.json' || envFileKind(f.rel))) {
      const text = await readFile(f.abs, 'utf8').catch(() => undefined);
      if (text !== undefined) config.set(f.rel, text);
    }
  const removals = planRemovals({
    code: finalCode,
    config,
    readByRuntime: variablesReadByRuntime(finalCode, runtime),
  });
  const afterRemovals = new Map(config);
  for (const [file, after] of removals.edits) afterRemovals.set(file, after);
  const additions = planAdditions({
    code: new Map([...finalCode].filter(([file]) => !removals.deleted.includes(file))),
    config: afterRemovals,
    runtimeImport: runtime,
    runtimeRange: options.runtimeRange ?? runtimeRange(),
  });
  const configEdits = new Map([...removals.edits, ...additions.edits]);
  const removed: FileChange[] = [
    ...removals.deleted.map((file) => ({
      file,
      before: code.texts.get(file)!,
      after: '',
      deleted: true as const,
      sites: changes.find((c) => c.file === file)?.sites ?? [],
    })),
    ...[...configEdits].map(([file, after]) => ({ file, before: config.get(file)!, after, sites: [] })),
  ];
  return {
    version: 1,
    root: code.root,
    changes: [...changes.filter((c) => !removals.deleted.includes(c.file)), ...created, ...removed].sort(
      (a, b) => (a.file < b.file ? -1 : 1),
    ),
    totals,
    bySide,
    skipped: code.skipped,
    removals: { deleted: removals.deleted, dependencies: removals.dependencies, env: removals.env },
    additions: { dependencies: additions.dependencies, env: additions.env },
  };
}

/** A Next.js App Router directory (`app`, `src/app`, `web/app`...), from a page, layout or route in it. */
const APP_ROUTER_DIR = /^((?:.*\/)?app)\/(?:.*\/)?(?:page|layout|route)\.(?:tsx|jsx|ts|js)$/;

/**
 * Where the upload route stub goes, once per app. In a Next.js app, a route handler in its App Router
 * (when it has none yet, `app/` beside its Pages Router: `src/app/` for `src/pages/`, which a root `app/`
 * would switch off). Otherwise next to the Express server's code when the codebase has one (a
 * file importing express), else next to the browser code that uploads, for the user to move.
 */
function uploadRouteFile(
  texts: ReadonlyMap<string, string>,
  uploader: string,
  bundler: BrowserBundler,
): string {
  if (bundler === 'next') {
    const appDir = [...texts.keys()]
      .map((rel) => APP_ROUTER_DIR.exec(rel)?.[1])
      .find((dir) => dir !== undefined);
    // Next ignores src/app and src/pages when app/ or pages/ is at the root: a new app/ goes where pages/ is.
    const pagesInSrc = [...texts.keys()].some((rel) => /^src\/pages\//.test(rel));
    return path.posix.join(appDir ?? (pagesInSrc ? 'src/app' : 'app'), NEXT_UPLOAD_ROUTE_FILE);
  }
  const server = [...texts].find(([, text]) =>
    /\bfrom\s+['"]express['"]|require\(\s*['"]express['"]\s*\)/.test(text),
  );
  return path.posix.join(moduleDirFor(server?.[0] ?? uploader), UPLOAD_ROUTE_FILE);
}
