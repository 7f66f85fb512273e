/**
 * Which schemas the database phase copies and verifies. By default every schema the app owns: each schema
 * holding a table that is neither a system schema, a Supabase-managed one (DESIGN §5) nor supa2aws's own.
 * `db.schemas` narrows the set explicitly; a named schema the source does not have is a usage error (never
 * "0 tables copied" without a word).
 */
import { DbError } from '../../core/errors.ts';
import type { PgClient } from '../../core/pg.ts';
import { isManagedSchema, SUPA2AWS_SCHEMA } from '../supabase-facts.ts';

const SYSTEM_SCHEMA = /^(pg_catalog|information_schema|pg_toast|pg_temp_\d+|pg_toast_temp_\d+)$/;

/** An app schema: not PostgreSQL's, not Supabase's, not ours. */
function isAppSchema(schema: string): boolean {
  return !SYSTEM_SCHEMA.test(schema) && !isManagedSchema(schema) && schema !== SUPA2AWS_SCHEMA;
}

/** The app schemas that hold at least one table (ordinary or partitioned), sorted. */
export async function discoverAppSchemas(client: PgClient): Promise<string[]> {
  const { rows } = await client.query<{ schema: string }>(
    `SELECT DISTINCT n.nspname AS schema
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p')
      ORDER BY 1`,
  );
  return rows.map((r) => r.schema).filter(isAppSchema);
}

export interface SchemaSelection {
  /** The schemas to copy and verify. */
  schemas: string[];
  /** How they were chosen. */
  from: 'discovered' | 'config';
  /** App schemas with tables on the source that the selection leaves out (only when narrowed). */
  excluded: string[];
}

/**
 * The schemas to work on, read from the source: `configured` when given (each must exist there), else every
 * app schema with tables.
 */
export async function selectSchemas(
  source: PgClient,
  configured: readonly string[] | undefined,
): Promise<SchemaSelection> {
  const discovered = await discoverAppSchemas(source);
  if (!configured) return { schemas: discovered, from: 'discovered', excluded: [] };
  const { rows } = await source.query<{ nspname: string }>(
    `SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[])`,
    [configured],
  );
  const present = new Set(rows.map((r) => r.nspname));
  const missing = configured.filter((s) => !present.has(s));
  if (missing.length > 0)
    throw new DbError(
      'DB_SCHEMA_NOT_FOUND',
      `db.schemas names ${missing.map((s) => `"${s}"`).join(', ')}, which the source database does not have`,
      {
        exit: 'usage',
        hint:
          discovered.length > 0
            ? `The source's app schemas with tables are: ${discovered.join(', ')}. Fix db.schemas in the config, or remove it to take them all.`
            : 'The source has no app schema with tables: check source.db.url points at the right database.',
        details: { missing, discovered },
      },
    );
  const managed = configured.filter((s) => !isAppSchema(s));
  if (managed.length > 0)
    throw new DbError(
      'DB_SCHEMA_MANAGED',
      `db.schemas names ${managed.join(', ')}, managed by Supabase or PostgreSQL: the database phase does not copy them`,
      {
        exit: 'usage',
        hint: 'Remove them from db.schemas: auth users move with `supa2aws auth`, storage objects with `supa2aws storage`.',
        details: { managed },
      },
    );
  return {
    schemas: [...configured],
    from: 'config',
    excluded: discovered.filter((s) => !configured.includes(s)),
  };
}
