/**
 * `scanCodebase(dir)`: every Supabase use in a codebase, file:line, with its phase and replacement.
 * Reads: every code and config file under dir (node_modules, build output and VCS folders left out).
 * Writes nothing. Used by `supa2aws scan` and by the decommission check.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type ts from 'typescript';
import { ConfigError } from '../core/errors.ts';
import { silentReporter, type Reporter } from '../core/reporter.ts';
import { analyzeCode, exportedClients, parseSource, type ModuleClients } from './analyze-code.ts';
import { analyzeConfig } from './analyze-config.ts';
import { SCAN_PHASES, type Finding, type ScanPhase, type ScanReport } from './types.ts';
import { walkFiles, type ScanFile } from './walk-files.ts';

export interface ScanOptions {
  /** More directory names or root-relative paths to leave out (node_modules, dist, .git... always are). */
  exclude?: string[];
  /** Files larger than this are skipped (minified bundles). @default 2 MiB */
  maxFileBytes?: number;
  reporter?: Reporter;
  signal?: AbortSignal;
}

const CODE_EXTS = ['.ts', '.tsx', '.js', '.jsx', '.mts', '.mjs', '.cts', '.cjs', '.vue', '.svelte'];

/** Files a module specifier may point at, relative to the root. */
export function importCandidates(fromRel: string, spec: string): string[] {
  let bases: string[];
  if (spec.startsWith('./') || spec.startsWith('../')) {
    bases = [path.posix.normalize(path.posix.join(path.posix.dirname(fromRel), spec))];
  } else if (spec.startsWith('@/') || spec.startsWith('~/')) {
    bases = [`src/${spec.slice(2)}`, spec.slice(2)];
  } else {
    return [];
  }
  const out: string[] = [];
  for (const base of bases) {
    const stem = base.replace(/\.(js|jsx|mjs|cjs|ts|tsx|mts|cts)$/, '');
    out.push(base, ...CODE_EXTS.map((e) => `${stem}${e}`), ...CODE_EXTS.map((e) => `${stem}/index${e}`));
  }
  return out;
}

function compare(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}

/** A codebase read for analysis: its files, texts, and which modules export or make a Supabase client. */
export interface ReadCodebase {
  root: string;
  files: ScanFile[];
  /** Files read (not over the size limit). */
  readable: ScanFile[];
  texts: Map<string, string>;
  parsed: Map<string, ts.SourceFile>;
  skipped: ScanReport['skipped'];
  /** The clients of the module an import in `fromRel` names. */
  resolverFor(fromRel: string): (spec: string) => ModuleClients | undefined;
  /** The parsed source of a code file. */
  sourceOf(rel: string): ts.SourceFile | undefined;
}

/** Lists and reads a codebase; parses the files that mention Supabase and finds the client modules. */
export async function readCodebase(dir: string, options: ScanOptions = {}): Promise<ReadCodebase> {
  const root = path.resolve(dir);
  const maxBytes = options.maxFileBytes ?? 2 * 1024 * 1024;
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new ConfigError('SCAN_DIR_MISSING', `${root} is not a directory`, {
      exit: 'usage',
      hint: 'Give the app folder to scan, e.g. supa2aws scan ./my-app',
      details: { dir: root },
    });
  }
  const files = await walkFiles(root, { exclude: options.exclude ?? [] });
  const skipped: ScanReport['skipped'] = [];
  const texts = new Map<string, string>();
  const readable: ScanFile[] = [];
  for (const file of files) {
    if (file.size > maxBytes) {
      skipped.push({ file: file.rel, reason: `larger than ${maxBytes} bytes` });
      continue;
    }
    readable.push(file);
  }

  // Which modules export a Supabase client or a function making one (only files that mention Supabase can).
  const parsed = new Map<string, ts.SourceFile>();
  const clientModules = new Map<string, ModuleClients>();
  for (const file of readable.filter((f) => f.kind === 'code')) {
    options.signal?.throwIfAborted();
    const text = await readFile(file.abs, 'utf8').catch((error: NodeJS.ErrnoException) => {
      skipped.push({ file: file.rel, reason: error.code ?? error.message });
      return undefined;
    });
    if (text === undefined) continue;
    texts.set(file.rel, text);
    if (!/supabase/i.test(text)) continue;
    const sf = parseSource(file.rel, text);
    parsed.set(file.rel, sf);
    const exported = exportedClients(sf, file.rel);
    if (exported.names.size > 0 || exported.hasDefault || exported.factories.size > 0)
      clientModules.set(file.rel, exported);
  }
  return {
    root,
    files,
    readable,
    texts,
    parsed,
    skipped,
    resolverFor: (fromRel) => (spec) => {
      for (const candidate of importCandidates(fromRel, spec)) {
        const mod = clientModules.get(candidate);
        if (mod) return mod;
      }
      return undefined;
    },
    sourceOf: (rel) => {
      const known = parsed.get(rel);
      if (known) return known;
      const text = texts.get(rel);
      return text === undefined ? undefined : parseSource(rel, text);
    },
  };
}

export async function scanCodebase(dir: string, options: ScanOptions = {}): Promise<ScanReport> {
  const reporter = options.reporter ?? silentReporter;
  const code = await readCodebase(dir, options);
  const { readable, skipped, files } = code;
  const findings: Finding[] = [];
  let done = 0;
  for (const file of readable) {
    options.signal?.throwIfAborted();
    if (file.kind === 'config') {
      const text = await readFile(file.abs, 'utf8').catch((error: NodeJS.ErrnoException) => {
        skipped.push({ file: file.rel, reason: error.code ?? error.message });
        return undefined;
      });
      if (text !== undefined) findings.push(...analyzeConfig(file.rel, text));
    } else {
      const sf = code.sourceOf(file.rel);
      if (sf) findings.push(...analyzeCode({ sf, rel: file.rel, resolveImport: code.resolverFor(file.rel) }));
    }
    done++;
    reporter.emit({ type: 'progress', task: 'scan', done, total: readable.length, unit: 'files' });
  }

  findings.sort(compare);
  const byPhase = Object.fromEntries(SCAN_PHASES.map((p) => [p, 0])) as Record<ScanPhase, number>;
  for (const f of findings) byPhase[f.phase]++;
  return {
    version: 1,
    root: code.root,
    filesScanned: readable.length - (skipped.length - (files.length - readable.length)),
    codeFiles: readable.filter((f) => f.kind === 'code').length,
    configFiles: readable.filter((f) => f.kind === 'config').length,
    findings,
    byPhase,
    skipped,
  };
}

/** `--fail-on` values: a phase, or `any`. */
export type FailOn = ScanPhase | 'any';

export function parseFailOn(value: string): FailOn {
  if (value === 'any' || (SCAN_PHASES as readonly string[]).includes(value)) return value as FailOn;
  throw new ConfigError('SCAN_UNKNOWN_PHASE', `--fail-on ${value} is not a phase`, {
    exit: 'usage',
    hint: `Use --fail-on ${[...SCAN_PHASES, 'any'].join(' | ')}`,
    details: { value, allowed: [...SCAN_PHASES, 'any'] },
  });
}

/** Findings that make `--fail-on` fail. */
export function failingFindings(report: ScanReport, failOn: FailOn): Finding[] {
  return failOn === 'any' ? report.findings : report.findings.filter((f) => f.phase === failOn);
}

/** The exit code for `--fail-on`: 1 when findings of that phase exist, else 0. */
export function failOnExitCode(report: ScanReport, failOn: FailOn | undefined): 0 | 1 {
  if (!failOn) return 0;
  return failingFindings(report, failOn).length > 0 ? 1 : 0;
}
