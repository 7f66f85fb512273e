import { z } from 'zod';

export const authConfigSchema = z
  .object({
    /** Where the Supabase UUID is carried in Cognito. @default 'username' */
    userIdAttribute: z.enum(['username', 'custom:supabase_id']).default('username'),
    /** AdminCreateUser calls per second at the most (Cognito's shared quota is 50/s). @default 20 */
    maxRequestsPerSecond: z.number().positive().max(50).default(20),
    /** Schema on the target holding the legacy credential store. @default 'supa2aws_legacy_auth' */
    legacySchema: z.string().default('supa2aws_legacy_auth'),
  })
  .strict();

export type AuthConfig = z.infer<typeof authConfigSchema>;
