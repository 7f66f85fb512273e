/**
 * Child process: one s3rver instance. Must run with NODE_OPTIONS=--openssl-legacy-provider, or every
 * truncated ListObjectsV2 answers 500 (DESIGN §4); the spawner sets it.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import S3rver from 's3rver';
import { decodeKeyPath, encodeKeyPath } from './s3rver-keys.ts';
import { exitWithParent, parseServiceArgs } from './service-args.ts';

// Keys with `..`, empty or over-long segments are legal in S3: lay them out safely (s3rver-keys.ts). Every
// path s3rver's store builds goes through these two static methods.
const FilesystemStore = createRequire(import.meta.url)('s3rver/lib/stores/filesystem.js') as {
  encodeKeyPath(key: string): string;
  decodeKeyPath(keyPath: string): string;
};
FilesystemStore.encodeKeyPath = encodeKeyPath;
FilesystemStore.decodeKeyPath = decodeKeyPath;

const args = parseServiceArgs(process.argv.slice(2));
mkdirSync(args.dir, { recursive: true });
const server = new S3rver({
  port: args.port,
  address: '127.0.0.1',
  directory: args.dir,
  silent: true,
  resetOnClose: false,
  allowMismatchedSignatures: false,
});
await server.run();
exitWithParent(args.parentPid, () => server.close());
