/** The whole config file: what core owns (source, target) and each phase's section. */
import { z } from 'zod';
import { authConfigSchema } from '../auth/config.ts';
import { sourceConfigSchema, targetConfigSchema } from '../core/config/schema.ts';
import { dbConfigSchema } from '../db/config.ts';
import { storageConfigSchema } from '../storage/config.ts';

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1),
    source: sourceConfigSchema,
    target: targetConfigSchema,
    storage: storageConfigSchema.default({}),
    db: dbConfigSchema.default({}),
    auth: authConfigSchema.default({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
