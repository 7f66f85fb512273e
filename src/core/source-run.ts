/**
 * Running one of this checkout's TypeScript entries in a child process (the sandbox's services, the demo's
 * backend): through tsx, with the repository's tsconfig.json whatever the child's working directory, so that
 * `@supa2aws/runtime/*` resolves to the workspace package's sources (the tsconfig's `paths`), never to a
 * `dist/` that is not built or is older than the sources.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_TSCONFIG = path.join(fileURLToPath(new URL('../..', import.meta.url)), 'tsconfig.json');

/** node's arguments that run `entry` (a .ts file) through tsx. */
export function tsxArgs(entry: string): string[] {
  return ['--import', import.meta.resolve('tsx'), entry];
}

/** The environment a tsx child needs on top of its own: the repository's tsconfig.json. */
export const TSX_ENV: Readonly<Record<string, string>> = { TSX_TSCONFIG_PATH: REPO_TSCONFIG };
