/**
 * Finds a pg_dump at least as new as the source server and runs `pg_dump --schema-only` with it.
 * Order of search: the --pg-dump flag, config `db.pgDump`, the PG_DUMP variable, PATH, then Debian's
 * /usr/lib/postgresql/<major>/bin. The password goes through PGPASSWORD, never the command line.
 */
import { libpqSslEnv } from '../../core/pg-settings.ts';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DbError } from '../../core/errors.ts';
import { redactText } from '../../core/redact.ts';
import { MANAGED_SCHEMA_PATTERNS, MANAGED_SCHEMAS, SUPA2AWS_SCHEMA } from '../supabase-facts.ts';

const run = promisify(execFile);

export interface PgDumpBinary {
  path: string;
  major: number;
  version: string;
  /** Where it was found: flag, config, env, PATH or debian. */
  from: 'flag' | 'config' | 'env' | 'path' | 'debian';
}

export interface FindPgDumpOptions {
  /** --pg-dump */
  flag?: string;
  /** config db.pgDump */
  config?: string;
  env?: Record<string, string | undefined>;
  /** Where Debian keeps versioned clients. @default '/usr/lib/postgresql' */
  debianRoot?: string;
}

async function pgDumpVersion(binary: string): Promise<{ major: number; version: string } | undefined> {
  try {
    const { stdout } = await run(binary, ['--version']);
    const match = /(\d+)(?:\.(\d+))?/.exec(stdout);
    if (!match) return undefined;
    return { major: Number(match[1]), version: stdout.trim() };
  } catch {
    return undefined;
  }
}

function onPath(env: Record<string, string | undefined>): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'pg_dump');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Every pg_dump we can find, in order of preference. */
async function findPgDumps(options: FindPgDumpOptions = {}): Promise<PgDumpBinary[]> {
  const env = options.env ?? process.env;
  const candidates: Array<[string | undefined, PgDumpBinary['from']]> = [
    [options.flag, 'flag'],
    [options.config, 'config'],
    [env.PG_DUMP, 'env'],
    [onPath(env), 'path'],
  ];
  const root = options.debianRoot ?? '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const dir of readdirSync(root).sort((a, b) => Number(b) - Number(a))) {
      candidates.push([path.join(root, dir, 'bin', 'pg_dump'), 'debian']);
    }
  }
  const found: PgDumpBinary[] = [];
  const seen = new Set<string>();
  for (const [candidate, from] of candidates) {
    if (!candidate || seen.has(candidate)) continue;
    seen.add(candidate);
    const version = await pgDumpVersion(candidate);
    if (version) found.push({ path: candidate, from, ...version });
    else if (from === 'flag' || from === 'config' || from === 'env') {
      throw new DbError('DB_PG_DUMP_NOT_RUNNABLE', `pg_dump at ${candidate} (${from}) does not run`, {
        exit: 'environment',
        hint: 'Point --pg-dump (or db.pgDump / PG_DUMP) at a working pg_dump binary.',
      });
    }
  }
  return found;
}

/** The pg_dump to use for a server of `serverMajor`: an explicit choice must be new enough; else the newest found. */
export async function choosePgDump(
  serverMajor: number,
  options: FindPgDumpOptions = {},
): Promise<PgDumpBinary> {
  const found = await findPgDumps(options);
  const explicit = found.find((f) => f.from === 'flag' || f.from === 'config' || f.from === 'env');
  const pick =
    explicit ?? found.filter((f) => f.major >= serverMajor).sort((a, b) => b.major - a.major)[0] ?? found[0];
  const install = `Install PostgreSQL ${serverMajor}'s client (Debian/Ubuntu: apt-get install postgresql-client-${serverMajor} from apt.postgresql.org; macOS: brew install postgresql@${serverMajor}) and pass it with --pg-dump /usr/lib/postgresql/${serverMajor}/bin/pg_dump (or PG_DUMP=...).`;
  if (!pick) {
    throw new DbError(
      'DB_PG_DUMP_MISSING',
      'no pg_dump found (flag, db.pgDump, PG_DUMP, PATH, /usr/lib/postgresql)',
      {
        exit: 'environment',
        hint: `${install} Or take the schema from migration files: supa2aws db schema --from-migrations supabase/migrations`,
      },
    );
  }
  if (pick.major < serverMajor) {
    throw new DbError(
      'DB_PG_DUMP_TOO_OLD',
      `pg_dump ${pick.major} (${pick.path}) cannot dump a PostgreSQL ${serverMajor} server: pg_dump must be at least the server's major version`,
      {
        exit: 'environment',
        hint: install,
        details: { pgDump: pick.path, pgDumpMajor: pick.major, serverMajor },
      },
    );
  }
  return pick;
}

/** libpq environment for a connection string, so the password never appears on a command line. */
export function libpqEnv(url: string): Record<string, string> {
  const u = new URL(url);
  const env: Record<string, string> = {
    PGHOST: decodeURIComponent(u.hostname.replace(/^\[|\]$/g, '')),
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    PGDATABASE: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
  };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  return { ...env, ...libpqSslEnv(url, 'source') };
}

/** Arguments for a schema-only dump of the app, leaving out what Supabase manages (as the Supabase CLI does). */
export function schemaDumpArgs(): string[] {
  return [
    '--schema-only',
    '--no-password',
    ...[...MANAGED_SCHEMAS, ...MANAGED_SCHEMA_PATTERNS, SUPA2AWS_SCHEMA].map((s) => `--exclude-schema=${s}`),
  ];
}

/** Runs pg_dump and returns its output (a schema dump is small; it is read whole). */
export async function dumpSchema(
  binary: PgDumpBinary,
  sourceUrl: string,
  signal?: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary.path, schemaDumpArgs(), {
      env: { ...process.env, ...libpqEnv(sourceUrl) },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal ? { signal } : {}),
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', (error) => reject(error));
    child.on('close', (code) => {
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      reject(
        new DbError(
          'DB_PG_DUMP_FAILED',
          `pg_dump exited with ${code}: ${redactText(err.trim()).slice(0, 2000)}`,
          {
            exit: err.includes('permission denied') ? 'permission' : 'environment',
            hint: err.includes('server version mismatch')
              ? 'Use a pg_dump at least as new as the server: --pg-dump <path>.'
              : err.includes('permission denied')
                ? 'The source user cannot read every object pg_dump locks; use the postgres user (session pooler: postgres.<ref>).'
                : 'Check source.db.url; Supabase needs the session pooler (port 5432), not the transaction pooler (6543).',
          },
        ),
      );
    });
  });
}
