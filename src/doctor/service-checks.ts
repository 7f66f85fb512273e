/** Phase 0 checks of the services: the Supabase database (direct host or pooler), its storage, and the targets. */
import { DescribeUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import dns from 'node:dns/promises';
import type pg from 'pg';
import { defaultConnect, withClient, type DbRole } from '../core/pg.ts';
import { choosePgDump, type FindPgDumpOptions } from '../db/schema/pg-dump.ts';
import type { Config } from '../config/schema.ts';
import type { S3EndpointConfig } from '../core/config/schema.ts';
import { isSupa2awsError } from '../core/errors.ts';
import { redactText } from '../core/redact.ts';
import { s3ClientFromConfig } from '../core/s3-from-config.ts';
import { cognitoClient } from '../sandbox/cognito-pool.ts';
import type { DoctorCheck } from './types.ts';

export interface SourceFacts {
  version?: string;
  major?: number;
  walLevel?: string;
}

/** What kind of Supabase host a connection string names, and what that means for reaching it. */
export function classifyHost(url: string): {
  kind: 'direct' | 'session-pooler' | 'transaction-pooler' | 'other';
  host: string;
  port: number;
} {
  const parsed = new URL(url);
  const host = parsed.hostname;
  const port = Number(parsed.port || 5432);
  if (/\.pooler\.supabase\.com$/.test(host))
    return { kind: port === 6543 ? 'transaction-pooler' : 'session-pooler', host, port };
  if (/^db\.[a-z0-9]+\.supabase\.co$/.test(host)) return { kind: 'direct', host, port };
  return { kind: 'other', host, port };
}

function query<T extends pg.QueryResultRow>(url: string, role: DbRole, sql: string): Promise<T[]> {
  return withClient(defaultConnect, url, role, async (client) => (await client.query<T>(sql)).rows, {
    connectTimeoutMs: 5000,
    applicationName: 'supa2aws-doctor',
  });
}

function errorText(error: unknown): string {
  return redactText(error instanceof Error ? error.message : String(error)).slice(0, 200);
}

export async function checkSourceDb(url: string): Promise<{ checks: DoctorCheck[]; facts: SourceFacts }> {
  const checks: DoctorCheck[] = [];
  const where = classifyHost(url);
  if (where.kind === 'transaction-pooler') {
    checks.push({
      id: 'source-host',
      title: 'Supabase connection route',
      status: 'fail',
      detail: `${where.host}:${where.port} is the transaction pooler`,
      fix: 'Use the session pooler (port 5432 on the same host) or the direct host: the transaction pooler breaks pg_dump and COPY.',
    });
  } else if (where.kind === 'direct') {
    const v4 = await dns.resolve4(where.host).then(
      (a) => a.length > 0,
      () => false,
    );
    checks.push(
      v4
        ? {
            id: 'source-host',
            title: 'Supabase connection route',
            status: 'pass',
            detail: `direct host ${where.host} has an IPv4 address`,
          }
        : {
            id: 'source-host',
            title: 'Supabase connection route',
            status: 'warn',
            detail: `direct host ${where.host} is IPv6-only (no IPv4 add-on)`,
            fix: 'If this machine has no IPv6, use the session pooler: aws-0-<region>.pooler.supabase.com:5432, user postgres.<ref>. Logical replication (later) needs the direct host.',
          },
    );
  } else if (where.kind === 'session-pooler') {
    checks.push({
      id: 'source-host',
      title: 'Supabase connection route',
      status: 'pass',
      detail: `session pooler ${where.host} (fine for pg_dump and COPY; replication needs the direct host)`,
    });
  }
  const facts: SourceFacts = {};
  try {
    const rows = await query<{ v: string; num: string; wal: string }>(
      url,
      'source',
      `SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS num, current_setting('wal_level') AS wal`,
    );
    const row = rows[0];
    facts.version = row?.v;
    facts.major = Math.floor(Number(row?.num) / 10000);
    facts.walLevel = row?.wal;
    checks.push({
      id: 'source-db',
      title: 'Supabase database',
      status: 'pass',
      detail: `PostgreSQL ${facts.version}`,
    });
    checks.push(
      facts.walLevel === 'logical'
        ? {
            id: 'source-wal',
            title: 'Supabase wal_level',
            status: 'pass',
            detail: 'logical (the live-migration checks below say what else replication needs)',
          }
        : {
            id: 'source-wal',
            title: 'Supabase wal_level',
            status: 'warn',
            detail: `${facts.walLevel} (logical replication not possible)`,
            fix: 'Only needed for zero-downtime replication; the copy works without it.',
          },
    );
  } catch (error) {
    checks.push({
      id: 'source-db',
      title: 'Supabase database',
      status: 'fail',
      detail: `cannot connect: ${errorText(error)}`,
      fix: 'Check source.db.url and its password variable; from an IPv4-only network use the session pooler.',
    });
  }
  return { checks, facts };
}

/**
 * The pg_dump `db schema` will run, chosen the same way (flag, db.pgDump, PG_DUMP, PATH, Debian's versioned
 * clients): doctor passes only a binary that `db schema` would use for this source.
 */
export async function checkPgDump(
  options: FindPgDumpOptions,
  sourceMajor: number | undefined,
): Promise<DoctorCheck> {
  const base = { id: 'pg-dump', title: 'pg_dump' };
  try {
    const pick = await choosePgDump(sourceMajor ?? 0, options);
    return {
      ...base,
      status: 'pass',
      detail: `pg_dump ${pick.major} (${pick.path}, from ${pick.from})${sourceMajor ? ` for a PostgreSQL ${sourceMajor} source` : ''}`,
    };
  } catch (error) {
    if (!isSupa2awsError(error)) throw error;
    return { ...base, status: 'fail', detail: error.message, ...(error.hint ? { fix: error.hint } : {}) };
  }
}

export async function checkS3(id: string, title: string, endpoint: S3EndpointConfig): Promise<DoctorCheck> {
  let client: ReturnType<typeof s3ClientFromConfig>;
  try {
    client = s3ClientFromConfig(endpoint, { maxAttempts: 1 });
  } catch (error) {
    return {
      id,
      title,
      status: 'fail',
      detail: errorText(error),
      fix: isSupa2awsError(error) && error.hint ? error.hint : 'Check the endpoint and region in the config.',
    };
  }
  try {
    const out = await client.send(new ListBucketsCommand({}));
    return {
      id,
      title,
      status: 'pass',
      detail: `${endpoint.endpoint ?? 'AWS S3'}: ${out.Buckets?.length ?? 0} bucket(s)`,
    };
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (name === 'AccessDenied') {
      return {
        id,
        title,
        status: 'warn',
        detail: 'reachable, but listing buckets is denied',
        fix: 'Fine if the key may only use the migration buckets.',
      };
    }
    return {
      id,
      title,
      status: 'fail',
      detail: `cannot list buckets: ${errorText(error)}`,
      fix: 'Check the endpoint, region and keys in the config.',
    };
  } finally {
    client.destroy();
  }
}

export async function checkTargetDb(url: string): Promise<DoctorCheck> {
  const base = { id: 'target-db', title: 'RDS database' };
  try {
    const rows = await query<{ v: string; num: string; su: boolean }>(
      url,
      'target',
      `SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS num,
              (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su`,
    );
    const row = rows[0];
    const major = Math.floor(Number(row?.num) / 10000);
    if (major < 16) {
      return {
        ...base,
        status: 'warn',
        detail: `PostgreSQL ${row?.v}`,
        fix: 'The guide targets RDS PostgreSQL 16.',
      };
    }
    return {
      ...base,
      status: 'pass',
      detail: `PostgreSQL ${row?.v}${row?.su ? ' (connected as a superuser: RDS will not allow this)' : ''}`,
    };
  } catch (error) {
    return {
      ...base,
      status: 'fail',
      detail: `cannot connect: ${errorText(error)}`,
      fix: 'Check target.db.url; RDS must allow your IP in its security group during the migration (or run from inside the VPC).',
    };
  }
}

export async function checkCognito(config: Config): Promise<DoctorCheck> {
  const base = { id: 'target-cognito', title: 'Cognito user pool' };
  const cognito = config.target.cognito;
  if (!cognito)
    return {
      ...base,
      status: 'warn',
      detail: 'not configured yet',
      fix: 'Needed for phase 3: deploy the auth stack, then `supa2aws config from-stack`.',
    };
  const client = cognito.endpoint ? cognitoClient(cognito.endpoint, cognito.region) : undefined;
  try {
    if (!client)
      return {
        ...base,
        status: 'pass',
        detail: `${cognito.userPoolId} (checked in phase 3 by \`auth plan\`)`,
      };
    const out = await client.send(new DescribeUserPoolCommand({ UserPoolId: cognito.userPoolId }));
    return { ...base, status: 'pass', detail: `${out.UserPool?.Name ?? cognito.userPoolId}` };
  } catch (error) {
    return {
      ...base,
      status: 'fail',
      detail: `cannot describe ${cognito.userPoolId}: ${errorText(error)}`,
      fix: 'Check target.cognito in the config.',
    };
  } finally {
    client?.destroy();
  }
}
