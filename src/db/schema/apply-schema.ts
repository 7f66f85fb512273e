/**
 * Applies a schema script to the target in ONE transaction, as the owner role, statement by statement so
 * a failure names the statement, where it is in the file and in the source, and what to do. The record row
 * is written in the same transaction; a second run finds it and does nothing. A dry run makes the same checks
 * and stops before the first statement.
 */
import { DbError } from '../../core/errors.ts';
import { logger, silentReporter, type Reporter } from '../../core/reporter.ts';
import { defaultConnect, pgErrorFields, withClient, type ConnectFn, type PgClient } from '../../core/pg.ts';
import { parseSql } from '../sql/parser.ts';
import { extensionVerdict, missingExtensionHint, SUPA2AWS_SCHEMA } from '../supabase-facts.ts';
import { recordSql, type SchemaScript, type ScriptStatement } from '../transform/render.ts';

export interface ApplySchemaOptions {
  /** The owner role's connection string (RDS master user or a role like it). */
  targetUrl: string;
  /** Apply although the script has blockers (their statements are already left out). @default false */
  allowBlocked?: boolean;
  /** Check the script and the target, then apply nothing (status `would-apply`). @default false */
  dryRun?: boolean;
  reporter?: Reporter;
  signal?: AbortSignal;
  connect?: ConnectFn;
}

export interface ApplySchemaResult {
  /** `would-apply`: a dry run found this script not applied yet (`statements` is how many it holds). */
  status: 'applied' | 'already-applied' | 'would-apply';
  checksum: string;
  statements: number;
  elapsedMs: number;
}

const LOCK_KEY = 0x5a2a3500;

/** The extension a CREATE EXTENSION statement creates, read with the parser. */
function createdExtension(sql: string): string | undefined {
  try {
    const node = parseSql(sql).stmts[0]?.stmt.CreateExtensionStmt as { extname?: string } | undefined;
    return node?.extname;
  } catch {
    return undefined;
  }
}

function hintFor(code: string | undefined, statement: ScriptStatement): string {
  const sql = statement.sql.trimStart().slice(0, 40).toUpperCase();
  const extension = createdExtension(statement.sql);
  if (code === '0A000' && extension !== undefined) return missingExtensionHint(extension);
  switch (code) {
    case '42501':
      if (extension !== undefined && extensionVerdict(extension).rds16 !== 'supported')
        return missingExtensionHint(extension);
      return sql.startsWith('CREATE EXTENSION')
        ? 'Creating this extension needs rds_superuser: on RDS run as the master user; elsewhere run the privileged step first: `supa2aws db schema --privileged-url <superuser url>`.'
        : 'The role lacks this privilege. If it is not the RDS master user, connect as the master user (target.db.url) and run again; the master user is the most privileged role RDS has, so if it is already that, RDS does not allow the statement: leave it out of the schema file and apply it with `supa2aws db schema --apply-file <file>`.';
    case '42P07':
    case '42710':
    case '42723':
      return 'The target already holds objects with these names. Apply to an empty database (drop and re-create it), then run again.';
    case '42704':
      return 'A role, type or object the statement names does not exist on the target. Create it, or edit the schema file and apply it with `supa2aws db schema --apply-file <file>`.';
    case '0A000':
      return 'RDS (PostgreSQL 16) does not support this. Edit the statement in the schema file, then `supa2aws db schema --apply-file <file>`.';
    case '42883':
      return 'A function the statement calls does not exist on the target: is its extension installed (see the schema file header)?';
    default:
      return 'Fix the statement in the schema file (written with --out), then apply it with `supa2aws db schema --apply-file <file>`.';
  }
}

function positionIn(sql: string, position: string | undefined): { line: number; column: number } | undefined {
  const at = Number(position);
  if (!Number.isInteger(at) || at < 1) return undefined;
  const before = [...sql].slice(0, at - 1).join('');
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

async function alreadyApplied(client: PgClient): Promise<string[]> {
  const { rows } = await client.query<{ t: string | null }>(
    `SELECT to_regclass('${SUPA2AWS_SCHEMA}.schema_migrations')::text AS t`,
  );
  if (!rows[0]?.t) return [];
  const applied = await client.query<{ checksum: string }>(
    `SELECT checksum FROM ${SUPA2AWS_SCHEMA}.schema_migrations ORDER BY applied_at`,
  );
  return applied.rows.map((r) => r.checksum);
}

/** Applies `script` to the target; idempotent through the record row. */
export async function applySchema(
  script: SchemaScript,
  options: ApplySchemaOptions,
): Promise<ApplySchemaResult> {
  const reporter = options.reporter ?? silentReporter;
  const log = logger(reporter);
  const started = Date.now();
  if (script.summary.blockers.length > 0 && options.allowBlocked !== true) {
    throw new DbError(
      'DB_SCHEMA_BLOCKED',
      `the schema has ${script.summary.blockers.length} blocker(s): ${script.summary.blockers.map((b) => b.message).join(' | ')}`,
      {
        exit: 'usage',
        details: { blockers: script.summary.blockers },
        hint: 'Fix them on the source (see the schema file header), or re-run with --skip-blocked to migrate without those objects.',
      },
    );
  }
  const client = await (options.connect ?? defaultConnect)(options.targetUrl, 'target');
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    const applied = await alreadyApplied(client);
    if (applied.includes(script.checksum)) {
      await client.query('ROLLBACK');
      log.info(`schema ${script.checksum.slice(0, 12)} is already applied to the target; nothing to do`);
      return {
        status: 'already-applied',
        checksum: script.checksum,
        statements: 0,
        elapsedMs: Date.now() - started,
      };
    }
    if (applied.length > 0) {
      await client.query('ROLLBACK');
      throw new DbError(
        'DB_SCHEMA_OTHER_VERSION_APPLIED',
        `the target already has a different schema applied (${applied.map((c) => c.slice(0, 12)).join(', ')}); this one is ${script.checksum.slice(0, 12)}`,
        {
          exit: 'usage',
          hint: 'The source schema changed since it was applied. Apply the change by hand, or start again on an empty target database.',
        },
      );
    }
    const total = script.statements.length;
    if (options.dryRun) {
      await client.query('ROLLBACK');
      return {
        status: 'would-apply',
        checksum: script.checksum,
        statements: total,
        elapsedMs: Date.now() - started,
      };
    }
    for (const [i, statement] of script.statements.entries()) {
      if (options.signal?.aborted) throw options.signal.reason;
      try {
        await client.query(statement.sql);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const pgError = pgErrorFields(error);
        const at = positionIn(statement.sql, pgError.position);
        const fileLine =
          statement.fileLine !== undefined && at ? statement.fileLine + at.line - 1 : statement.fileLine;
        throw new DbError(
          'DB_SCHEMA_STATEMENT_FAILED',
          `statement ${i + 1} of ${total} (${statement.origin}${fileLine ? `, schema file line ${fileLine}` : ''}${at ? `, column ${at.column}` : ''}) failed: ${pgError.message}`,
          {
            exit: pgError.code === '42501' ? 'permission' : 'environment',
            cause: error,
            hint: pgError.hint
              ? `${pgError.hint}. ${hintFor(pgError.code, statement)}`
              : hintFor(pgError.code, statement),
            details: {
              statement: statement.sql.length > 2000 ? `${statement.sql.slice(0, 2000)}…` : statement.sql,
              origin: statement.origin,
              fileLine,
              position: at,
              sqlstate: pgError.code,
              detail: pgError.detail,
              where: pgError.where,
            },
          },
        );
      }
      if ((i + 1) % 25 === 0 || i + 1 === total)
        reporter.emit({ type: 'progress', task: 'schema', done: i + 1, total, unit: 'statements' });
    }
    await client.query(recordSql(script.summary, total));
    await client.query('COMMIT');
    log.info(`schema applied: ${total} statements in one transaction`);
    return {
      status: 'applied',
      checksum: script.checksum,
      statements: total,
      elapsedMs: Date.now() - started,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface PrivilegedSetupOptions {
  /** A superuser (or rds_superuser) connection string for the target database. */
  adminUrl: string;
  /** The role that will own the schema objects. */
  ownerRole: string;
  extensions: Array<{ name: string; schema: string }>;
  connect?: ConnectFn;
  reporter?: Reporter;
}

/**
 * The privileged setup step, kept apart on purpose: creates the extension schemas (owned by the owner
 * role) and the extensions that need more than the owner role has. On RDS the master user does this
 * itself; on the sandbox's stand-in, the cluster superuser plays the part RDS's rds_superuser plays.
 */
export async function setupPrivileged(options: PrivilegedSetupOptions): Promise<string[]> {
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const created: string[] = [];
  await withClient(options.connect ?? defaultConnect, options.adminUrl, 'admin', async (client) => {
    for (const schema of new Set(['extensions', ...options.extensions.map((e) => e.schema)])) {
      await client.query(
        `CREATE SCHEMA IF NOT EXISTS ${quote(schema)} AUTHORIZATION ${quote(options.ownerRole)}`,
      );
    }
    for (const ext of options.extensions) {
      try {
        await client.query(
          `CREATE EXTENSION IF NOT EXISTS ${quote(ext.name)} WITH SCHEMA ${quote(ext.schema)}`,
        );
      } catch (error) {
        const pgError = pgErrorFields(error);
        if (pgError.code !== '0A000') throw error;
        throw new DbError('DB_EXTENSION_NOT_AVAILABLE', `extension ${ext.name}: ${pgError.message}`, {
          exit: 'environment',
          cause: error,
          hint: missingExtensionHint(ext.name),
        });
      }
      created.push(ext.name);
    }
  });
  logger(options.reporter ?? silentReporter).info(
    `privileged setup: extensions ${created.join(', ') || '(none)'}`,
  );
  return created;
}
