/**
 * `supa2aws migrate-code`, apply and review: the plan as a unified diff (what the dry run prints), and the
 * files written with `--write` — never over uncommitted changes to those files unless told, since the
 * user's review of the diff is the way back (`git checkout -- .` undoes a write).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { ConfigError } from '../core/errors.ts';
import type { CodeMigrationPlan } from './plan-code-migration.ts';

/** The whole change as one unified diff, paths relative to the root (`git apply` takes it). */
export function planDiff(plan: CodeMigrationPlan): string {
  return plan.changes
    .map((c) =>
      createTwoFilesPatch(
        c.before === undefined ? '/dev/null' : `a/${c.file}`,
        c.deleted ? '/dev/null' : `b/${c.file}`,
        c.before ?? '',
        c.after,
        undefined,
        undefined,
        { context: 3 },
      ).replace(/^=+\n/, ''),
    )
    .join('');
}

/** Files among `files` that git reports as modified or untracked under root (empty outside a git checkout). */
export function uncommitted(root: string, files: string[]): string[] {
  // No pathspec would make git report every change in the checkout.
  if (files.length === 0) return [];
  let out: string;
  try {
    out = execFileSync('git', ['status', '--porcelain', '-z', '--', ...files], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return [];
  }
  const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: root, encoding: 'utf8' }).trim();
  return out
    .split('\0')
    .filter(Boolean)
    .map((entry) =>
      path
        .relative(root, path.join(top, entry.slice(3)))
        .split(path.sep)
        .join('/'),
    );
}

export interface ApplyCodeMigrationOptions {
  /** Write over files with uncommitted changes. @default false */
  allowDirty?: boolean;
}

/** Writes every changed and generated file, and deletes the client modules nothing imports any more. */
export function applyCodeMigration(
  plan: CodeMigrationPlan,
  options: ApplyCodeMigrationOptions = {},
): string[] {
  const files = plan.changes.map((c) => c.file);
  const dirty = options.allowDirty
    ? []
    : uncommitted(
        plan.root,
        files.filter((f) => plan.changes.find((c) => c.file === f)?.before !== undefined),
      );
  if (dirty.length > 0)
    throw new ConfigError(
      'CODE_UNCOMMITTED_CHANGES',
      `migrate-code would write over uncommitted changes in ${dirty.length} file(s): ${dirty.slice(0, 5).join(', ')}`,
      {
        exit: 'usage',
        hint: 'Commit or stash them first so the rewrite can be reviewed and undone with git, or pass --allow-dirty.',
        details: { files: dirty },
      },
    );
  for (const c of plan.changes) {
    const abs = path.join(plan.root, c.file);
    if (c.deleted) {
      rmSync(abs, { force: true });
      continue;
    }
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, c.after);
  }
  return files;
}
