/** Lists the files a scan reads: source code (parsed with the TypeScript compiler) and config files (read as text). */
import { readdir, stat } from 'node:fs/promises';
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
export const DEFAULT_EXCLUDED_DIRS = [
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

const CODE_EXT = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']);
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

function excluded(rel: string, name: string, extra: string[]): boolean {
  if (DEFAULT_EXCLUDED_DIRS.includes(name)) return true;
  return extra.some((e) => {
    const clean = e.replace(/\/+$/, '');
    return clean === name || rel === clean || rel.startsWith(`${clean}/`);
  });
}

/** Every code and config file under root, sorted by relative path. Symbolic links are not followed. */
export async function walkFiles(root: string, options: WalkOptions = {}): Promise<ScanFile[]> {
  const extra = options.exclude ?? [];
  const out: ScanFile[] = [];
  async function visit(dir: string, relDir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        if (!excluded(rel, entry.name, extra)) await visit(path.join(dir, entry.name), rel);
        continue;
      }
      if (!entry.isFile() || excluded(rel, entry.name, extra)) continue;
      const kind = classify(entry.name);
      if (!kind) continue;
      const abs = path.join(dir, entry.name);
      out.push({ abs, rel, kind, size: (await stat(abs)).size });
    }
  }
  await visit(root, '');
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}
