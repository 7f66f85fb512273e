/**
 * The parts of the config core owns: where the source and the target are. The full schema, with each
 * phase's section, is composed above the phases in src/config/schema.ts.
 */
import { z } from 'zod';

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// connection string');

/** An S3-compatible endpoint: Supabase Storage's S3 gateway, AWS S3, or a local stand-in. */
export const s3EndpointSchema = z
  .object({
    /** Endpoint URL; leave out for AWS S3 itself. */
    endpoint: z.string().url().optional(),
    /** @default target.region on the AWS side; the project's region for Supabase Storage */
    region: z.string().min(1).optional(),
    /** Leave out to use the AWS default credential chain. */
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
    /** @default true when an endpoint is given */
    forcePathStyle: z.boolean().optional(),
    /**
     * The endpoint is s3rver: send checksums only when required (DESIGN §4).
     * @default false
     */
    s3rver: z.boolean().default(false),
  })
  .strict();

/** The Supabase project the migration reads from. */
export const sourceConfigSchema = z
  .object({
    /** The Supabase project URL, https://<ref>.supabase.co: recognises storage URLs and token issuers. */
    projectUrl: z.string().url(),
    db: z.object({ url: postgresUrl }).strict(),
    storage: s3EndpointSchema.extend({
      /** The Supabase project's region (Supabase Storage signs with it). */
      region: z.string().min(1).default('us-east-1'),
    }),
    /** Legacy HS256 JWT secret, only while Supabase tokens are still accepted. */
    jwtSecret: z.string().min(1).optional(),
  })
  .strict();

/** The AWS side the migration writes to. */
export const targetConfigSchema = z
  .object({
    /**
     * Every AWS client's region unless it names its own. Overridden, as in the AWS CLI, by --region,
     * AWS_REGION, AWS_DEFAULT_REGION and the profile's region.
     */
    region: z.string().min(1).optional(),
    db: z
      .object({
        /** The owner role's connection string (RDS master user or a role like it). */
        url: postgresUrl,
      })
      .strict(),
    s3: s3EndpointSchema.extend({
      /** Base URL objects are served from publicly, e.g. a CloudFront domain. */
      publicBaseUrl: z.string().url().optional(),
    }),
    cognito: z
      .object({
        endpoint: z.string().url().optional(),
        /** @default target.region */
        region: z.string().min(1).optional(),
        userPoolId: z.string().min(1),
        clientId: z.string().min(1),
      })
      .strict()
      .optional(),
  })
  .strict();

export type S3EndpointConfig = z.infer<typeof s3EndpointSchema>;
