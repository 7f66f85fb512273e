import { z } from 'zod';

export const dbConfigSchema = z
  .object({
    /** App schemas to migrate. @default ['public'] */
    schemas: z.array(z.string().min(1)).default(['public']),
    /** Keep RLS policies (with the compat auth schema) or drop them. @default 'keep' */
    rls: z.enum(['keep', 'drop']).default('keep'),
    /** Tables copied at once. @default 2 */
    concurrency: z.number().int().min(1).max(16).default(2),
    /** Path to a pg_dump binary; else PG_DUMP, then PATH. */
    pgDump: z.string().optional(),
  })
  .strict();

export type DbConfig = z.infer<typeof dbConfigSchema>;
