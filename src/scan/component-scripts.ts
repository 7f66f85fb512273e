/**
 * Single-file components (.vue, .svelte, .astro) hold their code in `<script>` blocks (and, for Astro, in
 * the `---` frontmatter). The scanner parses only that code, with everything else blanked out so that
 * every line and column stays where it is in the file.
 */

const COMPONENT_EXTENSIONS = ['.vue', '.svelte', '.astro'] as const;

export function isComponentFile(file: string): boolean {
  const lower = file.toLowerCase();
  return COMPONENT_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Spaces for every character but line breaks. */
const blank = (s: string) => s.replace(/[^\r\n]/g, ' ');

/** The file's text with only its script code kept, at the same positions. */
export function componentScript(file: string, text: string): string {
  const keep: Array<[number, number]> = [];
  if (file.toLowerCase().endsWith('.astro')) {
    const front = /^(\s*---\r?\n)([\s\S]*?)\r?\n---/.exec(text);
    if (front) keep.push([front[1]!.length, front[1]!.length + front[2]!.length]);
  }
  for (const m of text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script\s*>/gi)) {
    const start = m.index + m[0].indexOf('>') + 1;
    keep.push([start, start + m[1]!.length]);
  }
  let out = '';
  let at = 0;
  for (const [from, to] of keep.sort((a, b) => a[0] - b[0])) {
    out += blank(text.slice(at, from)) + text.slice(from, to);
    at = to;
  }
  return out + blank(text.slice(at));
}
