#!/usr/bin/env node
// In a checkout (src/ present) runs the TypeScript sources through tsx, with the checkout's tsconfig.json from
// any working directory (its paths map @supa2aws/runtime/* to packages/runtime/src); in an installed package,
// where only dist/ is shipped, the compiled JavaScript.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'src', 'cli', 'main.ts');
if (existsSync(source) && !process.env.SUPA2AWS_FROM_DIST) {
  const { register } = await import('tsx/esm/api');
  process.env.TSX_TSCONFIG_PATH ??= path.join(root, 'tsconfig.json');
  register({ tsconfig: process.env.TSX_TSCONFIG_PATH });
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(path.join(root, 'dist', 'cli', 'main.js')).href);
}
