/**
 * The foreign keys `supa2aws migrate-code --database-url` reads so embedded relations
 * (`select('*, author(*)')`) can become subqueries over the one key between two tables. Reads the
 * catalog only (pg_constraint), as any role that can connect.
 */
import { DbError } from '../core/errors.ts';
import { defaultConnect, withClient, type ConnectFn } from '../core/pg.ts';
import { redactText, redactUrl } from '../core/redact.ts';
import type { ForeignKey } from '../scan/index.ts';

const SQL = `
SELECT c.conname AS name,
       format('%s.%s', tn.nspname, t.relname) AS "table",
       format('%s.%s', rn.nspname, r.relname) AS "refTable",
       ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS columns,
       ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS "refColumns"
  FROM pg_constraint c
  JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
  JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
 WHERE c.contype = 'f' AND tn.nspname NOT IN ('pg_catalog', 'information_schema')
 ORDER BY 1, 2`;

/**
 * Reads them over one connection with libpq's TLS rules (sslmode, sslrootcert, the RDS CA for RDS hosts); a
 * connection that fails throws its own coded error (DB_AUTH_FAILED, DB_TLS_UNTRUSTED...), a query that fails
 * CODE_SCHEMA_UNREADABLE.
 */
export async function readForeignKeys(
  url: string,
  connect: ConnectFn = defaultConnect,
): Promise<ForeignKey[]> {
  return withClient(connect, url, 'database', async (client) => {
    try {
      return (await client.query<ForeignKey>(SQL)).rows;
    } catch (error) {
      throw new DbError(
        'CODE_SCHEMA_UNREADABLE',
        `could not read foreign keys from ${redactUrl(url)}: ${redactText((error as Error).message)}`,
        {
          hint: 'Connect as a role that can read pg_catalog, or run without --database-url (embedded relations are then marked for a hand-written JOIN).',
          cause: error,
        },
      );
    }
  });
}
