/**
 * Lists the files a scan reads: source code (parsed with the TypeScript compiler; the script blocks of
 * .vue, .svelte and .astro components) and config files (read as text). Files the repository's
 * .gitignore files ignore are left out, as git would (globby reads them).
 */
import { globby } from 'globby';
import path from 'node:path';

export type FileClass = 'code' | 'config';

export interface ScanFile {
  abs: string;
  /** Relative to the root, forward slashes. */
  rel: string;
  kind: FileClass;
  size: number;
}

/** Directories never scanned: dependencies, build output, caches. */
const DEFAULT_EXCLUDED_DIRS = [
  'node_modules',
  '.git',
  'dist',
  'build',
  'coverage',
  '.next',
  '.nuxt',
  '.output',
  '.svelte-kit',
  '.vercel',
  '.turbo',
  '.cache',
  'out',
  'cdk.out',
  '.sandbox',
];

const CODE_EXT = new Set([
  '.ts',
  '.tsx',
  '.mts',
  '.cts',
  '.js',
  '.jsx',
  '.mjs',
  '.cjs',
  '.vue',
  '.svelte',
  '.astro',
]);
const CONFIG_EXT = new Set([
  '.json',
  '.yaml',
  '.yml',
  '.toml',
  '.tf',
  '.tfvars',
  '.ini',
  '.conf',
  '.properties',
  '.sh',
]);
const SKIP_FILES = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml']);

/** Whether a file name is code, config, or neither. */
export function classify(name: string): FileClass | null {
  const lower = name.toLowerCase();
  if (SKIP_FILES.has(lower)) return null;
  if (lower.endsWith('.d.ts') || lower.endsWith('.d.mts') || lower.endsWith('.d.cts')) return null;
  if (lower.endsWith('.min.js')) return null;
  const ext = path.extname(lower);
  if (CODE_EXT.has(ext)) return 'code';
  if (lower === '.env' || lower.startsWith('.env.') || lower.endsWith('.env')) return 'config';
  if (lower === 'dockerfile' || lower.startsWith('dockerfile.') || lower.endsWith('.dockerfile'))
    return 'config';
  if (lower.startsWith('docker-compose') || lower === 'compose.yaml' || lower === 'compose.yml')
    return 'config';
  if (lower === 'procfile') return 'config';
  if (CONFIG_EXT.has(ext)) return 'config';
  return null;
}

export interface WalkOptions {
  /** More directory names, or paths relative to the root, to leave out. */
  exclude?: string[];
}

/** Every code and config file under root, sorted by relative path. Symbolic links are not followed. */
export async function walkFiles(root: string, options: WalkOptions = {}): Promise<ScanFile[]> {
  const extra = (options.exclude ?? []).map((e) => e.replace(/\/+$/, ''));
  const entries = await globby('**', {
    cwd: root,
    dot: true,
    gitignore: true,
    followSymbolicLinks: false,
    onlyFiles: true,
    stats: true,
    ignore: [...DEFAULT_EXCLUDED_DIRS, ...extra].flatMap((e) =>
      e.includes('/') ? [e, `${e}/**`] : [`**/${e}`, `**/${e}/**`],
    ),
  });
  const out: ScanFile[] = [];
  for (const entry of entries) {
    if (entry.dirent.isSymbolicLink()) continue;
    const kind = classify(path.posix.basename(entry.path));
    if (!kind) continue;
    out.push({ abs: path.join(root, entry.path), rel: entry.path, kind, size: entry.stats?.size ?? 0 });
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}
