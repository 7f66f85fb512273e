/**
 * cognito-local's migrate-user trigger in the sandbox. cognito-local reads its triggers from
 * `.cognito/config.json` once, at start (globally, not per pool), and calls them through an AWS SDK v2
 * Lambda client: so before it starts we write that file, pointing `LambdaClient.endpoint` at our own
 * Lambda-Invoke stand-in (services/lambda-main.ts), which runs src/auth/migrate-user/handler.ts.
 *
 * Which database the handler reads depends on the pool: tests use a fresh target database (and pool) each.
 * `<dataDir>/lambda/routes/<userPoolId>.json` (mode 0600, one file per pool so parallel tests never
 * overwrite each other) names the legacy store's connection for that pool:
 *   { "databaseUrl": "postgresql://supa2aws_migrate_user:…@127.0.0.1:…/db",
 *     "schema": "supa2aws_legacy_auth", "userIdAttribute": "custom:supabase_id" }
 * Write it with registerLambdaRoute(). A pool without a route reads the sandbox's own target database
 * as its owner (sandbox convenience for the demo; tests register routes with the least-privilege role).
 * Every invocation is appended to `<dataDir>/lambda/invocations.jsonl` (pool, trigger, result: no user
 * names, no secrets); lambdaInvocations() counts them.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startNodeService } from './node-service.ts';
import { freePort } from './ports.ts';
import { privateDir } from './private-dir.ts';
import { STATE_FILE, type SandboxState } from './state.ts';

/** The function name cognito-local invokes (and the real stack's function is called). */
export const MIGRATE_USER_FUNCTION = 'supa2aws-migrate-user';

export interface LambdaRoute {
  /** The legacy store's database, as the role the Lambda uses. */
  databaseUrl: string;
  /** @default 'supa2aws_legacy_auth' */
  schema?: string;
  /** @default 'custom:supabase_id' */
  userIdAttribute?: 'custom:supabase_id' | 'username';
}

export interface LambdaInvocation {
  at: string;
  functionName: string;
  userPoolId: string;
  triggerSource: string;
  result: string;
  /** Why a sign-in was refused (handler.ts RefusalReason). */
  reason?: string;
}

/** `<dataDir>/lambda`: the Lambda-Invoke stand-in's directory (routes, log, invocations). */
export function lambdaDir(dataDir: string): string {
  return path.join(dataDir, 'lambda');
}

/**
 * Writes cognito-local's `.cognito/config.json` in `cognitoDir` (before cognito-local starts) and returns
 * `start`, which starts the Lambda-Invoke stand-in once cognito-local runs; it exits when cognito-local does.
 */
export async function prepareCognitoTriggers(
  state: SandboxState,
  cognitoDir: string,
): Promise<{ port: number; start(cognitoPid: number, detached: boolean): Promise<number> }> {
  const port = await freePort();
  const configDir = path.join(cognitoDir, '.cognito');
  privateDir(cognitoDir);
  mkdirSync(configDir, { recursive: true });
  writeFileSync(
    path.join(configDir, 'config.json'),
    `${JSON.stringify(
      {
        LambdaClient: {
          endpoint: `http://127.0.0.1:${port}`,
          region: 'local',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        },
        TriggerFunctions: { UserMigration: MIGRATE_USER_FUNCTION },
      },
      null,
      2,
    )}\n`,
  );
  const dir = lambdaDir(state.dataDir);
  privateDir(dir);
  mkdirSync(path.join(dir, 'routes'), { recursive: true });
  return {
    port,
    start: (cognitoPid, detached) =>
      startNodeService({
        entry: 'lambda-main',
        port,
        dir,
        detached,
        env: {
          SUPA2AWS_WATCH_PID: String(cognitoPid),
          SUPA2AWS_SANDBOX_STATE_FILE: path.join(state.stateDir, STATE_FILE),
        },
      }),
  };
}

/** Where one pool's route lives (pool IDs are `[\w-]+`; anything else is refused). */
function routeFile(dir: string, userPoolId: string): string {
  if (!/^[\w-]+$/.test(userPoolId)) throw new Error(`not a user pool ID: ${userPoolId}`);
  return path.join(dir, 'routes', `${userPoolId}.json`);
}

export function readRoute(dir: string, userPoolId: string): LambdaRoute | undefined {
  try {
    return JSON.parse(readFileSync(routeFile(dir, userPoolId), 'utf8')) as LambdaRoute;
  } catch {
    return undefined;
  }
}

/** Points the migrate-user trigger of one pool at a database (tests: a fresh target DB per pool). */
export function registerLambdaRoute(
  state: Pick<SandboxState, 'dataDir'>,
  userPoolId: string,
  route: LambdaRoute,
): void {
  const file = routeFile(lambdaDir(state.dataDir), userPoolId);
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(route, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** The invocations the stand-in served, optionally for one pool only. */
export function lambdaInvocations(
  state: Pick<SandboxState, 'dataDir'>,
  userPoolId?: string,
): LambdaInvocation[] {
  let text: string;
  try {
    text = readFileSync(path.join(lambdaDir(state.dataDir), 'invocations.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LambdaInvocation)
    .filter((i) => userPoolId === undefined || i.userPoolId === userPoolId);
}
