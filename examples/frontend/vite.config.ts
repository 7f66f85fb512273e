import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// The example imports supa2aws/runtime/browser-auth as an adopting app would; in this repository that
// resolves to the TypeScript sources.
export default defineConfig({
  root: here,
  resolve: {
    alias: { 'supa2aws/runtime/browser-auth': path.resolve(here, '../../src/runtime/browser-auth/index.ts') },
  },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true },
});
