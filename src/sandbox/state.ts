/**
 * The sandbox's state file (ports, PIDs, directories, sandbox-only credentials) and the registry of
 * every sandbox on this machine, so a run killed with SIGKILL is cleaned up by the next start.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { privateDir } from './private-dir.ts';

/** An extension the Supabase side loads from a machine package, or why it could not. */
export interface PackagedExtensionState {
  name: string;
  loaded: boolean;
  reason?: string;
}

export interface PostgresState {
  major: 15 | 16;
  port: number;
  dataDir: string;
  pid?: number;
  superuser: string;
  superPassword: string;
  /** The role the migration connects as: `postgres` on both sides (not a superuser, as on Supabase and RDS). */
  appUser: string;
  appPassword: string;
  database: string;
  /** The CA that signed this server's TLS certificate (each side has its own): clients' `sslrootcert`. */
  caFile?: string;
  /** The Supabase side's extensions from the machine's packages (pg_cron): loaded, or why not. */
  packagedExtensions?: PackagedExtensionState[];
}

export interface NodeServiceState {
  port: number;
  dir: string;
  pid?: number;
}

export interface CognitoState extends NodeServiceState {
  userPoolId?: string;
  clientId?: string;
}

export interface SandboxState {
  version: 1;
  id: string;
  stateDir: string;
  dataDir: string;
  /** The process that owns the sandbox; null once `sandbox up` has handed it over (detached). */
  ownerPid: number | null;
  status: 'starting' | 'up';
  createdAt: string;
  projectUrl: string;
  sourceDb?: PostgresState;
  targetDb?: PostgresState;
  sourceS3?: NodeServiceState;
  targetS3?: NodeServiceState;
  cognito?: CognitoState;
  configFile?: string;
  fixture?: Record<string, unknown>;
  /** The fixture's URL columns, as `storage rewrite-urls --discover` finds them (written into the config). */
  urlColumns?: unknown[];
  /** Password of the migrate-user Lambda's database role (`auth export` creates the role with it). */
  migrateUserPassword?: string;
  /** Password of the app's login role (`db app-role` creates the role with it). */
  appDbPassword?: string;
}

export const STATE_FILE = 'sandbox-state.json';

/** Where every sandbox on this machine registers itself (one small file each). */
function registryDir(): string {
  // One registry per OS user: each user cleans up only their own sandboxes.
  return path.join(os.tmpdir(), `supa2aws-sandboxes-${process.getuid?.() ?? 'user'}`);
}

function registryEntry(stateDir: string): string {
  return path.join(
    registryDir(),
    `${createHash('sha1').update(path.resolve(stateDir)).digest('hex').slice(0, 16)}.json`,
  );
}

export function readState(stateDir: string): SandboxState | undefined {
  const file = path.join(stateDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SandboxState;
  } catch {
    return undefined;
  }
}

/** Written atomically, mode 0600 in a 0700 directory (it holds the sandbox's throwaway passwords). */
export function writeState(state: SandboxState): void {
  privateDir(state.stateDir);
  const file = path.join(state.stateDir, STATE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  mkdirSync(registryDir(), { recursive: true });
  writeFileSync(registryEntry(state.stateDir), JSON.stringify({ stateDir: path.resolve(state.stateDir) }));
}

/** Removes the state file, the sandbox config and its .env (they point at ports that are gone). */
export function removeState(stateDir: string): void {
  for (const name of [STATE_FILE, 'supa2aws.config.json', '.env'])
    rmSync(path.join(stateDir, name), { force: true });
  rmSync(registryEntry(stateDir), { force: true });
}

/** The state dirs of every registered sandbox. */
export function registeredStateDirs(): string[] {
  const dir = registryDir();
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    try {
      const entry = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { stateDir?: string };
      if (entry.stateDir) out.push(entry.stateDir);
      else rmSync(path.join(dir, name), { force: true });
    } catch {
      rmSync(path.join(dir, name), { force: true });
    }
  }
  return out;
}
