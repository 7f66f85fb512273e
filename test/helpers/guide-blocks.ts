/**
 * The fenced code blocks of the migration guide (._docs/aws-migration/NN-*.md), in reading order, and a small
 * shell scanner for what a bash block sets and expands. Shared by the guide's e2e run and its unit checks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const GUIDE_DIR = path.join(REPO_ROOT, '._docs', 'aws-migration');

export interface Block {
  /** The guide file, e.g. `05-ecs-backend-deployment.md`. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's language: `bash`, `ts`, … */
  lang: string;
  /** For bash: `sandbox` (runs against the local sandbox) or `aws` (needs an account). */
  kind: string;
  /** `key=value` words of the info string after the kind, e.g. `exit=1`. */
  attrs: Record<string, string>;
  code: string;
}

/** Every fenced block with a language, in order (indented fences inside lists included). */
export function extractBlocks(file: string, text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(\w+)\s*(.*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const [, lang = '', info = ''] = open;
    const start = i;
    const body: string[] = [];
    const indent = (lines[i] ?? '').indexOf('```');
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i] ?? ''); i++)
      body.push((lines[i] ?? '').slice(indent));
    const words = info.trim().split(/\s+/).filter(Boolean);
    const attrs = Object.fromEntries(words.slice(1).map((w) => w.split('=') as [string, string]));
    blocks.push({ file, line: start + 1, lang, kind: words[0] ?? '', attrs, code: body.join('\n') });
  }
  return blocks;
}

export function guideFiles(): string[] {
  return readdirSync(GUIDE_DIR)
    .filter((f) => /^\d\d-.*\.md$/.test(f))
    .sort();
}

export function guideText(file: string): string {
  return readFileSync(path.join(GUIDE_DIR, file), 'utf8');
}

/** Every block of every guide file, 00 to 07. */
export function guideBlocks(): Block[] {
  return guideFiles().flatMap((f) => extractBlocks(f, guideText(f)));
}

/** A block's lines with backslash continuations joined: one entry per shell line, with its 1-based offset. */
export function shellLines(code: string): Array<{ text: string; offset: number }> {
  const out: Array<{ text: string; offset: number }> = [];
  const lines = code.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const offset = i + 1;
    let text = lines[i] ?? '';
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i] ?? ''}`;
    out.push({ text, offset });
  }
  return out;
}

/**
 * The parameter expansions of one shell line (`$NAME`, `${NAME…}`), outside single quotes and comments.
 * Positional and special parameters (`$1`, `$?`, `$(…)`) are not names and are left out.
 */
export function expandedNames(line: string): string[] {
  const names: string[] = [];
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && quote !== "'") {
      i++;
      continue;
    }
    if (quote === "'") {
      if (c === "'") quote = '';
      continue;
    }
    if (c === '"') quote = quote === '"' ? '' : '"';
    else if (c === "'" && quote === '') quote = "'";
    else if (c === '#' && quote === '' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) break;
    else if (c === '$') {
      const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/.exec(line.slice(i));
      if (m) names.push((m[1] ?? m[2])!);
    }
  }
  return names;
}

/** The variables one shell line sets: `NAME=…` (also after export, `&&`, `;`, `(`), `read … NAME`, `for NAME in`. */
export function assignedNames(line: string): string[] {
  const names: string[] = [];
  for (const m of line.matchAll(/(?:^|[;&|(]\s*|\bexport\s+|\s)([A-Za-z_][A-Za-z0-9_]*)=/g))
    names.push(m[1]!);
  for (const m of line.matchAll(
    /(?:^|[;&|(]\s*)read\s+((?:-\w+\s+(?:'[^']*'\s+)?)*)([A-Za-z_][A-Za-z0-9_]*)/g,
  ))
    names.push(m[2]!);
  for (const m of line.matchAll(/\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b/g)) names.push(m[1]!);
  return names;
}
