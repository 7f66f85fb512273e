/**
 * Child process: cognito-local. It reads HOST/PORT at module load and keeps its data in ./.cognito,
 * so the spawner sets those env vars and runs us with the service dir as the working directory.
 */
import { createRequire } from 'node:module';
import { exitWithParent, parseServiceArgs } from './service-args.ts';

const args = parseServiceArgs(process.argv.slice(2));
process.chdir(args.dir);
process.env.HOST = '127.0.0.1';
process.env.PORT = String(args.port);

const require = createRequire(import.meta.url);
const cognitoDir = require.resolve('cognito-local/package.json').replace(/package\.json$/, '');
const requireFromCognito = createRequire(require.resolve('cognito-local/package.json'));
const pino = requireFromCognito('pino') as (options: { level: string }) => unknown;
const { createDefaultServer } = require(`${cognitoDir}lib/server/index.js`) as {
  createDefaultServer: (logger: unknown) => Promise<{ start: () => Promise<{ close: () => void }> }>;
};
const server = await createDefaultServer(pino({ level: process.env.COGNITO_LOCAL_LOG ?? 'warn' }));
const http = await server.start();
exitWithParent(args.parentPid, () => http.close());
