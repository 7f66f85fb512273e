/**
 * Next.js middleware on the Edge runtime, stood in for: a module bundled as Next compiles the edge (esbuild
 * for the browser platform, Next's edge export conditions first) and evaluated in Vercel's Edge runtime VM
 * (@edge-runtime/vm, what Next's own sandbox runs middleware in: Web APIs only, no Node globals), with the
 * `process` Next gives it: `env` alone, every other member of Node's process throwing when called.
 */
import { EdgeVM } from '@edge-runtime/vm';
import { build } from 'esbuild';

/** Next's `edgeConditionNames` (edge-light, worker), then webpack's defaults for its web target. */
export const NEXT_EDGE_CONDITIONS = ['edge-light', 'worker', 'browser', 'module', 'import', 'default'];

const GLOBAL_NAME = 'edgeModule';

/**
 * One module and everything it imports, as one script for the edge. Fails (esbuild's errors) on what Next's
 * edge compiler refuses too, such as a `node:` import. `alias` maps an import to a file (a package the
 * module imports that is not installed here, e.g. `next/server`, to its stand-in).
 */
export async function bundleForEdge(entry: string, alias: Record<string, string> = {}): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: GLOBAL_NAME,
    platform: 'browser',
    conditions: NEXT_EDGE_CONDITIONS,
    target: 'es2022',
    logLevel: 'silent',
    alias,
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild wrote nothing for ${entry}`);
  return output.text;
}

/** Next's edge `process`: the environment, NEXT_RUNTIME=edge, and nothing else of Node's. */
function edgeProcess(env: Record<string, string>): Record<string, unknown> {
  const polyfill: Record<string, unknown> = { env: { ...env, NEXT_RUNTIME: 'edge' } };
  for (const key of Object.keys(process)) {
    if (key === 'env') continue;
    Object.defineProperty(polyfill, key, {
      get: () =>
        typeof (process as unknown as Record<string, unknown>)[key] === 'function'
          ? () => {
              throw new Error(
                `A Node.js API is used (process.${key}) which is not supported in the Edge Runtime.`,
              );
            }
          : undefined,
    });
  }
  return polyfill;
}

/** A bundled module evaluated in a fresh Edge runtime whose `process.env` is `env`. */
export interface EdgeModule {
  vm: EdgeVM;
  /** An export of the module, a value of the VM's realm. */
  get<T>(name: string): T;
}

export function loadInEdge(code: string, env: Record<string, string>): EdgeModule {
  const vm = new EdgeVM({ extend: (context) => Object.assign(context, { process: edgeProcess(env) }) });
  vm.evaluate(code);
  return { vm, get: <T>(name: string) => vm.evaluate<T>(`${GLOBAL_NAME}[${JSON.stringify(name)}]`) };
}
