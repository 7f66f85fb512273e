import type { ConfigInspection } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { s3EndpointSchema, type S3EndpointConfig } from '../core/config/schema.ts';
import { pgDumpChoice } from '../db/from-config.ts';
import {
  checkAwsCli,
  checkAwsCredentials,
  checkDocker,
  checkJq,
  checkNode,
  checkRegion,
} from './tool-checks.ts';
import { checkCognito, checkPgDump, checkS3, checkSourceDb, checkTargetDb } from './service-checks.ts';
import { execProgram } from './exec.ts';
import { checkReplication } from './replication-checks.ts';
import type { DoctorCheck, DoctorReport, Exec } from './types.ts';

export interface DoctorDeps {
  exec?: Exec;
  env?: NodeJS.ProcessEnv;
  /** `--pg-dump`: checked before config db.pgDump, PG_DUMP, PATH and Debian's clients, as `db schema` does. */
  pgDump?: string;
  /** Where Debian keeps versioned clients. @default '/usr/lib/postgresql' */
  debianRoot?: string;
}

/** What doctor knows of the config: valid, partly valid, or missing (see `inspectConfig`). */
export type DoctorConfig = Pick<ConfigInspection, 'config' | 'partial' | 'issues' | 'file' | 'aws'>;

type Partial = {
  source?: { db?: { url?: unknown }; storage?: unknown };
  target?: { region?: unknown; db?: { url?: unknown }; s3?: unknown };
  db?: { pgDump?: unknown };
};

/** A connection string doctor can try: a postgres URL with every ${ENV} filled in. */
function usableUrl(value: unknown): string | undefined {
  return typeof value === 'string' && /^postgres(ql)?:\/\//.test(value) && !value.includes('${')
    ? value
    : undefined;
}

function usableEndpoint(value: unknown, region: unknown): S3EndpointConfig | undefined {
  const parsed = s3EndpointSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const endpoint = parsed.data;
  if (!endpoint.region && typeof region === 'string') endpoint.region = region;
  return JSON.stringify(endpoint).includes('${') ? undefined : endpoint;
}

function configChecks(input: DoctorConfig): DoctorCheck[] {
  if (input.issues.length === 0) {
    return [{ id: 'config', title: 'supa2aws config', status: 'pass', detail: input.file ?? '(none)' }];
  }
  return input.issues.map((issue) => ({
    id: `config:${issue.field}`,
    title: issue.field === '(file)' ? 'supa2aws config' : `config ${issue.field}`,
    status: 'fail' as const,
    detail: `${issue.code}: ${issue.seen === undefined ? '' : `got ${issue.seen}; `}${issue.expected}`,
    fix: issue.fix,
  }));
}

/**
 * Everything the migration needs before it starts; works offline (unreachable things warn or fail), and
 * with any config: each config problem is a failed check, and every check its part of the config allows
 * still runs.
 */
export async function runDoctor(input: DoctorConfig, deps: DoctorDeps = {}): Promise<DoctorReport> {
  const exec = deps.exec ?? execProgram;
  const env = deps.env ?? process.env;
  const config: Config | undefined = input.config;
  const partial = (config ?? input.partial ?? {}) as Partial;
  const checks: DoctorCheck[] = [checkNode(), ...configChecks(input)];
  const [cli, credentials, docker, jq] = await Promise.all([
    checkAwsCli(exec),
    checkAwsCredentials(exec, env),
    checkDocker(exec),
    checkJq(exec),
  ]);
  const region =
    input.aws?.region ?? (typeof partial.target?.region === 'string' ? partial.target.region : undefined);
  checks.push(cli, credentials, checkRegion(region, env), docker, jq);
  const configured = typeof partial.db?.pgDump === 'string' ? partial.db.pgDump : undefined;

  const sourceUrl = usableUrl(partial.source?.db?.url);
  const source = sourceUrl ? await checkSourceDb(sourceUrl) : undefined;
  if (source) checks.push(...source.checks);
  const pgDump = {
    ...pgDumpChoice({ pgDump: configured }, deps.pgDump),
    ...(deps.debianRoot ? { debianRoot: deps.debianRoot } : {}),
    env,
  };
  checks.push(await checkPgDump(pgDump, source?.facts.major));
  const targetUrl = usableUrl(partial.target?.db?.url);
  const sourceStorage = usableEndpoint(partial.source?.storage, 'us-east-1');
  const targetS3 = usableEndpoint(partial.target?.s3, partial.target?.region);
  const later = await Promise.all([
    sourceStorage ? checkS3('source-storage', 'Supabase Storage S3 endpoint', sourceStorage) : undefined,
    targetUrl ? checkTargetDb(targetUrl) : undefined,
    targetS3 ? checkS3('target-s3', 'Amazon S3', targetS3) : undefined,
    config ? checkCognito(config) : undefined,
  ]);
  for (const check of later) if (check) checks.push(check);
  const targetDb = later[1];
  if (
    config &&
    source?.checks.some((c) => c.id === 'source-db' && c.status === 'pass') &&
    targetDb?.status === 'pass'
  )
    checks.push(...(await checkReplication(config)));
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}
