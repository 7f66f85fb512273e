import { z } from 'zod';

const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier (letters, digits, _; at most 63)');

export const authConfigSchema = z
  .object({
    /**
     * Where the Supabase UUID is carried in Cognito. `custom:supabase_id` (an immutable custom attribute)
     * works whatever the pool signs in with; `username` needs a pool whose usernames can be chosen (email
     * and phone as *alias* attributes, not username attributes). See src/auth/user-id.ts.
     * @default 'custom:supabase_id'
     */
    userIdAttribute: z.enum(['username', 'custom:supabase_id']).default('custom:supabase_id'),
    /** Cognito admin calls per second at the most (AdminCreateUser's shared quota is 50/s). @default 20 */
    maxRequestsPerSecond: z.number().positive().max(50).default(20),
    /** Schema on the target holding the legacy credential store. @default 'supa2aws_legacy_auth' */
    legacySchema: identifier.default('supa2aws_legacy_auth'),
    /** The LOGIN role the migrate-user Lambda connects as; the only role that may read the store. @default 'supa2aws_migrate_user' */
    migrateRole: identifier.default('supa2aws_migrate_user'),
    /** That role's password (use a ${ENV} reference); without it the role cannot log in. */
    migrateRolePassword: z.string().min(12).optional(),
    /**
     * Roles that must never read the store (REVOKEd explicitly, besides PUBLIC), when they exist.
     * @default ['anon', 'authenticated', 'service_role', 'authenticator']
     */
    appRoles: z.array(identifier).default(['anon', 'authenticated', 'service_role', 'authenticator']),
    /**
     * Migrate users who never confirmed their email (Supabase refuses their sign-in while confirmations
     * are on). @default false
     */
    migrateUnconfirmed: z.boolean().default(false),
    /**
     * Supabase OAuth provider → Cognito identity provider name (e.g. `{ "google": "Google" }`): `auth import`
     * links each OAuth user's identity to the user it creates (AdminLinkProviderForUser). @default {}
     */
    providers: z.record(z.string().min(1)).default({}),
    /**
     * EXPERIMENTAL: the CSV column that carries the bcrypt hash for CreateUserImportJob with
     * PasswordHashingAlgorithm=BCRYPT, when GetCSVHeader does not name one. Unverified on a real account.
     * @default 'password_hash'
     */
    csvPasswordHashColumn: z.string().min(1).default('password_hash'),
  })
  .strict();

export type AuthConfig = z.infer<typeof authConfigSchema>;
