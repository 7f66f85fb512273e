/**
 * Finds SUPABASE_* names, Supabase URLs and @supabase/* dependencies in config files (.env, JSON, YAML, TOML,
 * Dockerfiles, ECS task definitions, shell scripts). These are not code, so they are read line by line with
 * patterns for names and URLs only.
 */
import path from 'node:path';
import { dependencyReplacement, envReplacement, urlPhase, urlReplacement } from './replacements.ts';
import type { Finding } from './types.ts';

const ENV = /\b[A-Z][A-Z0-9_]*SUPABASE[A-Z0-9_]*\b|\bSUPABASE_[A-Z0-9_]+\b/g;
const URL = /(?:[a-z][a-z0-9+.-]*:\/\/)?[\w.@:%-]*\.supabase\.(?:co|com|in|net)\b[^\s'"`<>),]*/gi;
const DEPENDENCY = /"(@supabase\/[\w.-]+)"\s*:/g;

function snippet(line: string): string {
  const t = line.trim();
  return t.length > 200 ? `${t.slice(0, 197)}...` : t;
}

/**
 * supa2aws's own saved plans (`storage plan --out`, `auth plan --out`): they name the Supabase project they
 * were made from by design, and nothing reads them but `supa2aws ... --plan`.
 */
const SUPA2AWS_PLAN_FILE = /^\s*\{\s*"kind"\s*:\s*"supa2aws\//;

/** Every Supabase name, URL and dependency in one config file. */
export function analyzeConfig(rel: string, text: string): Finding[] {
  if (SUPA2AWS_PLAN_FILE.test(text)) return [];
  const out: Finding[] = [];
  const isPackageJson = path.posix.basename(rel) === 'package.json';
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const seen = new Set<string>();
    const add = (index: number, f: Pick<Finding, 'phase' | 'kind' | 'api' | 'replacement'>) => {
      const key = `${f.kind}:${f.api}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ file: rel, line: i + 1, column: index + 1, snippet: snippet(line), side: 'unknown', ...f });
    };
    for (const m of line.matchAll(ENV)) {
      add(m.index ?? 0, { phase: 'config', kind: 'env', api: m[0], replacement: envReplacement(m[0]) });
    }
    for (const m of line.matchAll(URL)) {
      const phase = urlPhase(m[0]);
      add(m.index ?? 0, { phase, kind: 'url', api: m[0], replacement: urlReplacement(phase) });
    }
    if (isPackageJson) {
      for (const m of line.matchAll(DEPENDENCY)) {
        const pkg = m[1] ?? '';
        add(m.index ?? 0, {
          phase: 'config',
          kind: 'dependency',
          api: pkg,
          replacement: dependencyReplacement(pkg),
        });
      }
    }
  });
  return out;
}
