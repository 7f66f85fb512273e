import type { Config } from '../core/config/schema.ts';
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
  /** pg_dump to check: --pg-dump, else config db.pgDump, else PG_DUMP, else `pg_dump` on PATH. */
  pgDump?: string;
}

/** Everything the migration needs before it starts; works offline (unreachable things warn or fail). */
export async function runDoctor(config: Config | undefined, deps: DoctorDeps = {}): Promise<DoctorReport> {
  const exec = deps.exec ?? execProgram;
  const env = deps.env ?? process.env;
  const checks: DoctorCheck[] = [checkNode()];
  const [cli, credentials, docker, jq] = await Promise.all([
    checkAwsCli(exec),
    checkAwsCredentials(exec, env),
    checkDocker(exec),
    checkJq(exec),
  ]);
  checks.push(cli, credentials, checkRegion(config?.target.region, env), docker, jq);
  const pgDump = deps.pgDump ?? config?.db.pgDump ?? env.PG_DUMP ?? 'pg_dump';
  if (!config) {
    checks.push(await checkPgDump(exec, pgDump, undefined), {
      id: 'config',
      title: 'supa2aws config',
      status: 'fail',
      detail: 'no config found',
      fix: 'Create supa2aws.config.json (copy .sandbox/supa2aws.config.json after `supa2aws sandbox up`) or pass --config.',
    });
    return { ok: false, checks };
  }
  const source = await checkSourceDb(config);
  checks.push(...source.checks, await checkPgDump(exec, pgDump, source.facts.major));
  const [storage, target, s3, cognito] = await Promise.all([
    checkS3('source-storage', 'Supabase Storage S3 endpoint', config.source.storage),
    checkTargetDb(config),
    checkS3('target-s3', 'Amazon S3', config.target.s3),
    checkCognito(config),
  ]);
  checks.push(storage, target, s3, cognito);
  if (source.checks.some((c) => c.id === 'source-db' && c.status === 'pass') && target.status === 'pass')
    checks.push(...(await checkReplication(config)));
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}
