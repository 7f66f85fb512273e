/**
 * `supa2aws migrate-code` type-checks its own result with the app's tsconfig (the nearest one above each
 * changed file): the program is compiled twice, as the files are and as the plan would leave them (in
 * memory, so a dry run checks too), and only the errors the change introduces are reported.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import type { CodeMigrationPlan } from './plan-code-migration.ts';

export interface TypeCheckResult {
  /** The tsconfig files compiled, relative to the root. */
  projects: string[];
  /** Errors the change introduces: `file:line: message`. */
  introduced: string[];
  /** Changed files no tsconfig covers (not checked). */
  unchecked: string[];
}

function nearestTsconfig(root: string, file: string): string | undefined {
  let dir = path.dirname(path.join(root, file));
  for (;;) {
    const candidate = path.join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (dir === root || dir === path.dirname(dir)) return undefined;
    dir = path.dirname(dir);
  }
}

/** `overlay` maps absolute paths to their new text; undefined for a file the change deletes. */
function diagnostics(configFile: string, overlay: Map<string, string | undefined>): Map<string, string> {
  const config = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => undefined,
    },
  );
  if (!config) return new Map();
  const host = ts.createCompilerHost(config.options, true);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const inOverlay = (f: string) => overlay.has(path.resolve(f));
  host.readFile = (f) => (inOverlay(f) ? overlay.get(path.resolve(f)) : readFile(f));
  host.fileExists = (f) => (inOverlay(f) ? overlay.get(path.resolve(f)) !== undefined : fileExists(f));
  const names = [
    ...new Set([
      ...config.fileNames.filter((f) => !inOverlay(f) || overlay.get(path.resolve(f)) !== undefined),
      ...[...overlay].filter(([f, t]) => t !== undefined && /\.(ts|tsx|mts|cts)$/.test(f)).map(([f]) => f),
    ]),
  ];
  const program = ts.createProgram({ rootNames: names, options: { ...config.options, noEmit: true }, host });
  const out = new Map<string, string>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const where = d.file
      ? `${path.relative(path.dirname(configFile), d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : '(config)';
    // Compared without line numbers: the change moves lines.
    out.set(`${d.file?.fileName ?? ''} TS${d.code} ${message}`, `${where}: ${message}`);
  }
  return out;
}

export function typeCheckChange(plan: CodeMigrationPlan): TypeCheckResult {
  const byProject = new Map<string, string[]>();
  const unchecked: string[] = [];
  for (const c of plan.changes) {
    if (!/\.(ts|tsx|mts|cts)$/.test(c.file)) continue;
    const config = nearestTsconfig(plan.root, c.file);
    if (!config) unchecked.push(c.file);
    else byProject.set(config, [...(byProject.get(config) ?? []), c.file]);
  }
  const introduced: string[] = [];
  for (const [config, files] of byProject) {
    const overlay = new Map<string, string | undefined>(
      plan.changes
        .filter((c) => files.includes(c.file))
        .map((c) => [path.resolve(plan.root, c.file), c.deleted ? undefined : c.after]),
    );
    const before = diagnostics(config, new Map());
    for (const [key, text] of diagnostics(config, overlay)) if (!before.has(key)) introduced.push(text);
  }
  return {
    projects: [...byProject.keys()].map((p) => path.relative(plan.root, p)),
    introduced,
    unchecked,
  };
}
