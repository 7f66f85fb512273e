/**
 * Where a migrated app imports the supa2aws runtime from: the one place the specifier is spelled, for the
 * scanner's advice and the modules `supa2aws migrate-code` writes.
 */
export const RUNTIME_IMPORT = '@supa2aws/runtime';

/** The runtime's modules, by subpath. */
export type RuntimeModule = 'db' | 'storage' | 'auth' | 'secrets' | 'browser-auth' | 'server-session';

/** `db` → `@supa2aws/runtime/db` (or under the given base, for `migrate-code --runtime-import`). */
export function runtimeModule(module: RuntimeModule, base: string = RUNTIME_IMPORT): string {
  return `${base}/${module}`;
}
