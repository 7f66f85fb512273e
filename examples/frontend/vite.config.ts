import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// The example imports @supa2aws/runtime/browser-auth as an adopting app would; in this repository that
// resolves to the workspace package's TypeScript sources, so the example needs no build of the runtime.
export default defineConfig({
  root: here,
  resolve: {
    alias: {
      '@supa2aws/runtime/browser-auth': path.resolve(
        here,
        '../../packages/runtime/src/browser-auth/index.ts',
      ),
    },
  },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true },
});
