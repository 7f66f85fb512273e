/**
 * Child process: one s3rver instance. Must run with NODE_OPTIONS=--openssl-legacy-provider, or every
 * truncated ListObjectsV2 answers 500 (DESIGN §4); the spawner sets it.
 */
import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';
import { exitWithParent, parseServiceArgs } from './service-args.ts';

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
