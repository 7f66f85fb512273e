/**
 * `db schema`, the read-and-transform half: takes the schema from the live source (pg_dump --schema-only),
 * from a dump file, or from the app's migration files in order, and transforms it for RDS.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DbError } from '../../core/errors.ts';
import { logger, silentReporter, step, type Reporter } from '../../core/reporter.ts';
import { defaultConnect, serverMajor, withClient, type ConnectFn } from '../../core/pg.ts';
import { rangeVar } from '../sql/analyze.ts';
import { loadParser } from '../sql/parser.ts';
import { SUPA2AWS_SCHEMA } from '../supabase-facts.ts';
import { splitSql } from '../sql/split.ts';
import {
  checksumOf,
  renderSchema,
  SUMMARY_MARKER,
  type SchemaScript,
  type SchemaSummary,
  type ScriptStatement,
} from '../transform/render.ts';
import { transformSchema, type SqlScript } from '../transform/transform.ts';
import type { Finding, TransformResult } from '../transform/types.ts';
import { choosePgDump, dumpSchema, type FindPgDumpOptions, type PgDumpBinary } from './pg-dump.ts';
import { readMigrations, type SkippedFile } from './migration-files.ts';
import { extensionFunctionMap, managedSchemaExtras } from './source-extras.ts';

export type SchemaSource =
  | { kind: 'pg_dump'; sourceUrl: string; pgDump?: FindPgDumpOptions }
  | { kind: 'dump-file'; file: string }
  | {
      kind: 'migrations';
      dir: string;
      /** Also apply `seed.sql` beside `dir`, last (as `supabase db push --include-seed`). @default false */
      seed?: boolean;
    };

export interface BuildSchemaOptions {
  source: SchemaSource;
  /** The role that owns everything on the target. @default 'postgres' */
  ownerRole?: string;
  /** @default 'keep' */
  rls?: 'keep' | 'drop';
  /**
   * Reproduce Supabase's default privileges for anon, authenticated and service_role on `public` (see
   * prelude.ts). Migration files do not carry them, a dump does. Turn off for a project whose "Default
   * privileges for new entities" setting is off. @default true for migrations, false otherwise
   */
  apiDefaultPrivileges?: boolean;
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
  /** @default new Date() */
  now?: Date;
}

export interface SchemaBuild {
  version: 1;
  script: SchemaScript;
  blockers: Finding[];
  warnings: Finding[];
  fixes: Finding[];
  /** Counts per rule of what was dropped or rewritten. */
  rules: Record<string, { dropped: number; rewritten: number; blocked: number }>;
  pgDump?: Pick<PgDumpBinary, 'path' | 'major' | 'from'>;
  sourceLabel: string;
}

function skippedWarning(skipped: SkippedFile[]): Finding[] {
  if (skipped.length === 0) return [];
  return [
    {
      severity: 'warning',
      code: 'DB_MIGRATION_FILES_SKIPPED',
      message: `${skipped.length} file(s) in the migrations folder are not read, as \`supabase db push\` does not apply them.`,
      objects: skipped.map((s) => `${s.file}: ${s.reason}`),
    },
  ];
}

function ruleCounts(result: TransformResult): SchemaBuild['rules'] {
  const out: SchemaBuild['rules'] = {};
  for (const d of result.decisions) {
    if (d.action === 'keep' || !d.rule) continue;
    const entry = (out[d.rule] ??= { dropped: 0, rewritten: 0, blocked: 0 });
    if (d.action === 'drop') entry.dropped++;
    else if (d.action === 'rewrite') entry.rewritten++;
    else entry.blocked++;
  }
  return out;
}

/** Reads the schema from its source and transforms it. Touches no target. */
export async function buildSchema(options: BuildSchemaOptions): Promise<SchemaBuild> {
  const reporter = options.reporter ?? silentReporter;
  const source = options.source;
  let scripts: SqlScript[];
  let catalog: Record<string, string> = {};
  let pgDump: PgDumpBinary | undefined;
  let sourceLabel: string;
  let skipped: SkippedFile[] = [];
  if (source.kind === 'migrations') {
    const files = readMigrations(source.dir, { seed: source.seed === true });
    scripts = files.scripts;
    skipped = files.skipped;
    sourceLabel = `${scripts.length} migration file(s) in ${source.dir}`;
  } else if (source.kind === 'dump-file') {
    scripts = [{ source: path.basename(source.file), sql: readFileSync(source.file, 'utf8') }];
    sourceLabel = `dump file ${source.file}`;
  } else {
    const connect = options.connect ?? defaultConnect;
    const read = await step(reporter, 'read the source schema (pg_dump --schema-only)', () =>
      withClient(connect, source.sourceUrl, 'source', async (client) => {
        const major = await serverMajor(client);
        const binary = await choosePgDump(major, source.pgDump);
        logger(reporter).info(
          `pg_dump ${binary.major} (${binary.path}, from ${binary.from}) for a PostgreSQL ${major} source`,
        );
        const dump = await dumpSchema(binary, source.sourceUrl, options.signal);
        const extras = await managedSchemaExtras(client);
        const map = await extensionFunctionMap(client);
        return { dump, extras, map, binary };
      }),
    );
    pgDump = read.binary;
    catalog = read.map;
    scripts = [
      { source: 'pg_dump', sql: read.dump },
      { source: 'catalog', sql: read.extras },
    ];
    sourceLabel = `pg_dump ${read.binary.major} --schema-only of the source`;
  }
  const result = await step(reporter, 'transform the schema for RDS', () =>
    transformSchema(scripts, {
      ownerRole: options.ownerRole ?? 'postgres',
      rls: options.rls ?? 'keep',
      extensionFunctions: catalog,
      apiDefaultPrivileges: options.apiDefaultPrivileges ?? source.kind === 'migrations',
    }),
  );
  const script = renderSchema(result, { source: sourceLabel, ...(options.now ? { now: options.now } : {}) });
  return {
    version: 1,
    script,
    blockers: result.blockers,
    warnings: [...skippedWarning(skipped), ...result.warnings],
    fixes: result.fixes,
    rules: ruleCounts(result),
    sourceLabel,
    ...(pgDump ? { pgDump: { path: pgDump.path, major: pgDump.major, from: pgDump.from } } : {}),
  };
}

/** Reads a reviewed (possibly edited) schema file back into a script to apply. */
export async function loadSchemaFile(file: string): Promise<SchemaScript> {
  await loadParser();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DbError(
      'DB_SCHEMA_FILE_UNREADABLE',
      `cannot read the schema file ${file}: ${(error as Error).message}`,
      {
        exit: 'usage',
        hint: 'Write one with `supa2aws db schema --dry-run --out <file>`, review it, then pass that file to --apply-file.',
      },
    );
  }
  const marker = text.split('\n').find((line) => line.startsWith(SUMMARY_MARKER));
  const { statements } = splitSql(text, path.basename(file));
  const isRecord = (s: (typeof statements)[number]) => {
    const rv = s.node === 'InsertStmt' ? rangeVar(s.ast.relation) : undefined;
    return rv?.schema === SUPA2AWS_SCHEMA && rv.name === 'schema_migrations';
  };
  const kept = statements.filter((s) => !isRecord(s));
  const script: ScriptStatement[] = kept.map((s) => ({
    sql: s.text,
    origin: `${s.source}:${s.line}`,
    fileLine: s.line,
  }));
  const checksum = checksumOf(script);
  let summary: SchemaSummary;
  if (marker) {
    // A reviewed file: its blocked statements are already left out, so they no longer stop the apply.
    const parsed = JSON.parse(marker.slice(SUMMARY_MARKER.length)) as SchemaSummary;
    summary = { ...parsed, checksum, source: `file ${file}`, blockers: [] };
  } else {
    summary = {
      version: 1,
      checksum,
      source: `file ${file}`,
      ownerRole: 'postgres',
      rls: 'keep',
      counts: { kept: script.length, rewritten: 0, dropped: 0, blocked: 0, prelude: 0 },
      extensions: [],
      dropped: [],
      blockers: [],
    };
  }
  return { version: 1, statements: script, checksum, summary, text };
}
