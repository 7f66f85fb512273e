import { z } from 'zod';

/** Most tables copied or verified at once (config and `--concurrency`). */
export const DB_MAX_CONCURRENCY = 16;
export const dbConfigSchema = z
  .object({
    /**
     * App schemas to copy and verify. @default every schema of the source holding tables that is not
     * managed by Supabase (a named schema the source lacks is an error)
     */
    schemas: z.array(z.string().min(1)).min(1).optional(),
    /** Keep RLS policies (with the compat auth schema) or drop them. @default 'keep' */
    rls: z.enum(['keep', 'drop']).default('keep'),
    /** Tables copied at once. @default 2 */
    concurrency: z.number().int().min(1).max(DB_MAX_CONCURRENCY).default(2),
    /** Path to a pg_dump binary; else PG_DUMP, then PATH. */
    pgDump: z.string().optional(),
    /** Role that owns every object on the target. @default the user of target.db.url */
    ownerRole: z.string().min(1).optional(),
    /** Rows per key range when verifying (a difference is narrowed to one range). @default 50000 */
    verifyChunkRows: z.number().int().min(1).default(50_000),
    /** COPY format: binary when every column allows it (auto), or always text/binary. @default 'auto' */
    copyFormat: z.enum(['auto', 'binary', 'text']).default('auto'),
    /**
     * The app's own login role (API and worker), made by `supa2aws db app-role`: it owns nothing and holds
     * only the grants the app needs. The database stack generates its credentials (DbAppSecretArn).
     */
    appRole: z
      .object({
        /** Its name: the database stack's `database.appUsername`. @default 'aiuteur_app' */
        name: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier (letters, digits, _; at most 63)')
          .default('aiuteur_app'),
        /**
         * Its password: a ${ENV} reference (`${SUPA2AWS_APP_DB_PASSWORD}`), read from the stack's app secret.
         * Without it an existing role keeps its password and a new one cannot log in.
         */
        password: z.string().min(12).optional(),
        /**
         * The NOLOGIN roles the RLS policies name, which the app switches to per transaction (withUser's
         * SET LOCAL ROLE): the role is made a member of each that exists. @default ['anon', 'authenticated', 'service_role']
         */
        memberOf: z
          .array(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/))
          .default(['anon', 'authenticated', 'service_role']),
      })
      .strict()
      .default({}),
    /** Live migration by logical replication (`db replicate`, `db cutover`, `db rollback`). */
    replication: z
      .object({
        /**
         * The source's direct host (db.<ref>.supabase.co:5432): Supabase's poolers cannot carry replication.
         * @default source.db.url
         */
        sourceUrl: z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// connection string')
          .optional(),
        /** `db replicate status` warns when the slot keeps more WAL than this. @default 1 GiB */
        slotWarnBytes: z
          .number()
          .int()
          .min(1)
          .default(1024 ** 3),
        /** Added to every sequence's source value at cutover. @default 1000 */
        sequenceMargin: z.number().int().min(0).default(1000),
        /** Roles made read-only at cutover. @default every login role that can write an app table */
        freezeRoles: z.array(z.string().min(1)).optional(),
        /** Seconds to wait for the target to catch up after the freeze. @default 60 */
        lagTimeoutSeconds: z.number().int().min(1).default(60),
      })
      .strict()
      .default({}),
  })
  .strict();
