/**
 * Which sandbox stand-in a config reaches, and whether its process is still there: a phase that finds its
 * endpoint unreachable on the sandbox says which stand-in died and how to bring it back, instead of only
 * "unreachable, run again".
 */
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { SandboxError, type Supa2awsError } from '../core/errors.ts';
import { isRunning } from './processes.ts';
import { readState, registeredStateDirs, type SandboxState } from './state.ts';

export interface StandIn {
  /** As `sandbox status` names it. */
  name: 'supabase-db' | 'supabase-storage' | 'rds' | 's3' | 'cognito';
  role: string;
  port: number;
  pid?: number;
}

/** The sandbox's five stand-ins, as its state records them. */
export function standInsOf(state: SandboxState): StandIn[] {
  const out: StandIn[] = [];
  const add = (name: StandIn['name'], role: string, s?: { port: number; pid?: number }) => {
    if (s) out.push({ name, role, port: s.port, ...(s.pid ? { pid: s.pid } : {}) });
  };
  add('supabase-db', 'Supabase PostgreSQL', state.sourceDb);
  add('supabase-storage', 'Supabase Storage S3 endpoint', state.sourceS3);
  add('rds', 'Amazon RDS PostgreSQL', state.targetDb);
  add('s3', 'Amazon S3', state.targetS3);
  add('cognito', 'Amazon Cognito', state.cognito);
  return out;
}

/** A recorded stand-in whose process is gone. */
export function isDead(standIn: StandIn): boolean {
  return standIn.pid !== undefined && !isRunning(standIn.pid);
}

function loopbackPort(url: string | undefined): number | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return undefined;
    return u.port ? Number(u.port) : undefined;
  } catch {
    return undefined;
  }
}

/** The loopback ports a config's endpoints use. */
function configPorts(config: Config): Set<number> {
  const urls = [
    config.source.db.url,
    config.source.storage?.endpoint,
    config.target.db.url,
    config.target.s3.endpoint,
    config.target.cognito?.endpoint,
  ];
  return new Set(urls.map(loopbackPort).filter((p): p is number => p !== undefined));
}

export interface DeadStandIn extends StandIn {
  stateDir: string;
}

/** The dead stand-ins of any sandbox on this machine that `config` points at. */
export function deadStandInsFor(config: Config, stateDirs = registeredStateDirs()): DeadStandIn[] {
  const ports = configPorts(config);
  if (ports.size === 0) return [];
  const out: DeadStandIn[] = [];
  for (const stateDir of stateDirs) {
    const state = readState(stateDir);
    if (!state) continue;
    for (const s of standInsOf(state))
      if (ports.has(s.port) && isDead(s)) out.push({ ...s, stateDir: path.resolve(stateDir) });
  }
  return out;
}

/** The error a phase hit, told as the sandbox stand-in that is down, with the way to bring it back. */
export function standInDownError(error: Supa2awsError, dead: DeadStandIn[]): SandboxError {
  const names = dead.map((d) => `the ${d.role} stand-in (${d.name}, process ${d.pid}, port ${d.port})`);
  const dirs = [...new Set(dead.map((d) => d.stateDir))];
  const flag = (dir: string) => ` --state-dir ${dir}`;
  return new SandboxError(
    'SANDBOX_STAND_IN_DOWN',
    `${names.join(' and ')} of the sandbox ${dead.length === 1 ? 'is' : 'are'} not running: ${error.message}`,
    {
      exit: 'environment',
      hint: `Restart the sandbox: ${dirs.map((d) => `supa2aws sandbox down${flag(d)} && supa2aws sandbox up${flag(d)}`).join('; ')} (its data starts afresh), then run the same command again.`,
      details: { code: error.code, standIns: dead.map((d) => d.name) },
      cause: error,
    },
  );
}
