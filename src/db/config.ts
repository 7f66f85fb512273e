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
  })
  .strict();

export type DbConfig = z.infer<typeof dbConfigSchema>;
