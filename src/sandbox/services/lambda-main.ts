/**
 * Child process: a Lambda-Invoke-compatible HTTP endpoint for cognito-local's triggers
 * (POST /2015-03-31/functions/<name>/invocations, the path the AWS SDK's Lambda.invoke calls), running
 * the migrate-user handler (src/auth/migrate-user/handler.ts) against the database the route file names
 * for the event's user pool (see ../cognito-triggers.ts). A thrown error is answered the way Lambda answers
 * it: status 200, `X-Amz-Function-Error: Unhandled`, body {errorMessage, errorType}.
 * Exits when cognito-local (SUPA2AWS_WATCH_PID) or the owning process (--parent-pid) is gone.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { pgPoolConfig } from '../../core/pg.ts';
import {
  createMigrateUserHandler,
  SIGN_IN_REFUSED,
  type MigrateUserEvent,
} from '../../auth/migrate-user/handler.ts';
import { readRoute, type LambdaRoute } from '../cognito-triggers.ts';
import { pgUrl } from '../sandbox-config.ts';
import type { SandboxState } from '../state.ts';
import { exitWithParent, parseServiceArgs } from './service-args.ts';

const args = parseServiceArgs(process.argv.slice(2));
const invocationsFile = path.join(args.dir, 'invocations.jsonl');

type Handler = (event: MigrateUserEvent) => Promise<MigrateUserEvent>;
const handlers = new Map<string, { pool: pg.Pool; handler: Handler }>();

/** No route for the pool: the sandbox's own target database, as its owner (sandbox convenience). */
function defaultRoute(): LambdaRoute | undefined {
  const file = process.env.SUPA2AWS_SANDBOX_STATE_FILE;
  if (!file) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as SandboxState;
    const db = state.targetDb;
    return db ? { databaseUrl: pgUrl(db, db.appUser, db.appPassword, db.database) } : undefined;
  } catch {
    return undefined;
  }
}

function handlerFor(functionName: string, userPoolId: string): Handler {
  const route = readRoute(args.dir, userPoolId) ?? defaultRoute();
  if (!route) throw new Error(`no legacy store route for user pool ${userPoolId}`);
  const key = `${functionName} ${JSON.stringify(route)}`;
  let entry = handlers.get(key);
  if (!entry) {
    const pool = new pg.Pool(
      pgPoolConfig(route.databaseUrl, 'target', { max: 2, applicationName: 'supa2aws-migrate-user' }),
    );
    pool.on('error', () => undefined);
    const handler = createMigrateUserHandler({
      db: pool,
      schema: route.schema ?? 'supa2aws_legacy_auth',
      userIdAttribute: route.userIdAttribute ?? 'custom:supabase_id',
      log: (entry) =>
        appendFileSync(
          invocationsFile,
          `${JSON.stringify({ at: new Date().toISOString(), functionName, ...entry })}\n`,
        ),
    });
    entry = { pool, handler };
    handlers.set(key, entry);
  }
  return entry.handler;
}

function send(res: http.ServerResponse, body: unknown, functionError?: string): void {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amz-executed-version': '$LATEST',
  };
  if (functionError) headers['x-amz-function-error'] = functionError;
  res.writeHead(200, headers).end(JSON.stringify(body));
}

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

const server = http.createServer((req, res) => {
  const match = INVOKE.exec(new URL(req.url ?? '/', 'http://local').pathname);
  if (req.method !== 'POST' || !match) {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'not found' }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    void (async () => {
      let event: MigrateUserEvent | undefined;
      const functionName = decodeURIComponent(match[1]!);
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as MigrateUserEvent;
        send(res, await handlerFor(functionName, event.userPoolId)(event));
      } catch (error) {
        const e = error as Error;
        if (event && e.message !== SIGN_IN_REFUSED && !e.message.startsWith('Bad triggerSource')) {
          appendFileSync(
            invocationsFile,
            `${JSON.stringify({ at: new Date().toISOString(), functionName, userPoolId: event.userPoolId, triggerSource: event.triggerSource, result: 'error' })}\n`,
          );
          process.stderr.write(`migrate-user failed: ${e.name}: ${e.message}\n`);
        }
        send(res, { errorMessage: e.message, errorType: e.name }, 'Unhandled');
      }
    })();
  });
});

server.listen(args.port, '127.0.0.1');

const stop = async () => {
  server.close();
  await Promise.all([...handlers.values()].map((h) => h.pool.end().catch(() => undefined)));
};
exitWithParent(args.parentPid, stop);
// Also go when cognito-local goes (`sandbox down` stops it; we are not in the sandbox state ourselves).
const watched = Number(process.env.SUPA2AWS_WATCH_PID);
if (watched > 0) {
  setInterval(() => {
    try {
      process.kill(watched, 0);
    } catch {
      void stop().then(() => process.exit(0));
    }
  }, 500).unref();
}
