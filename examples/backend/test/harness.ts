/**
 * Test support: the backend wired to the sandbox's AWS side — a fresh RDS-like database with the
 * migrated schema, three fresh buckets in the target s3rver, and a token verifier accepting Supabase
 * HS256 tokens (the migration window), with a helper that signs them.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { SignJWT } from 'jose';
import type pg from 'pg';
import type { TestSandbox, TestDatabase } from '../../../test/helpers/sandbox.ts';
import type { S3Settings } from '../src/config.ts';
import { createStorage, type Storage } from '../src/storage.ts';
import { createAuthVerifier, requireAuth } from '@supa2aws/runtime/auth';
import { createPool } from '@supa2aws/runtime/db';
import type { Authenticate } from '../src/app.ts';
import { installBackendSchema, insertUsers } from './target-schema.ts';

export const SUPABASE_URL = 'http://127.0.0.1:54321';
/** The Supabase project's JWT secret the test tokens are signed with (SUPABASE_JWT_SECRET of an app under test). */
export const JWT_SECRET = 'test-only-supabase-jwt-secret-0123456789abcdef';

export interface Backend {
  db: TestDatabase;
  pool: pg.Pool;
  storage: Storage;
  settings: S3Settings;
  authenticate: Authenticate;
  /** A Supabase-style access token for the user. */
  token(userId: string, email?: string): Promise<string>;
  /** Exact header and payload text, HS256-signed with the project secret (for hostile-token tests). */
  signText(header: string, payload: string | Buffer): string;
  /** The claims `token` signs for a user, valid for 10 minutes. */
  claims(userId: string): Record<string, unknown>;
  users: { a: string; b: string };
}

export function s3Endpoint(sb: TestSandbox): string {
  return `http://127.0.0.1:${sb.state.targetS3!.port}`;
}

export async function setUpBackend(sb: TestSandbox, options: { poolMax?: number } = {}): Promise<Backend> {
  const db = await sb.freshTargetDb();
  await installBackendSchema(db.url);
  const users = { a: randomUUID(), b: randomUUID() };
  await insertUsers(db.url, [
    { id: users.a, email: 'a@example.com' },
    { id: users.b, email: 'b@example.com' },
  ]);
  const prefix = sb.uniqueName('be');
  const settings: S3Settings = {
    region: 'us-east-1',
    endpoint: s3Endpoint(sb),
    buckets: {
      videos: `${prefix}-videos`,
      images: `${prefix}-images`,
      assetImages: `${prefix}-asset-images`,
    },
    presignExpiresSeconds: 300,
  };
  const storage = createStorage(settings, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  for (const bucket of Object.values(settings.buckets)) {
    await storage.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  const pool = createPool({ connectionString: db.url, max: options.poolMax ?? 5 });
  const verifier = createAuthVerifier({
    supabase: { url: SUPABASE_URL, jwtSecret: JWT_SECRET, jwks: false },
  });
  const secret = new TextEncoder().encode(JWT_SECRET);
  return {
    db,
    pool,
    storage,
    settings,
    users,
    authenticate: requireAuth(verifier) as Authenticate,
    token: (userId, email) =>
      new SignJWT({ role: 'authenticated', ...(email ? { email } : {}) })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(`${SUPABASE_URL}/auth/v1`)
        .setAudience('authenticated')
        .setSubject(userId)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(secret),
    signText: (header, payload) => {
      const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
      return `${input}.${createHmac('sha256', JWT_SECRET).update(input).digest('base64url')}`;
    },
    claims: (userId) => {
      const now = Math.floor(Date.now() / 1000);
      return {
        iss: `${SUPABASE_URL}/auth/v1`,
        aud: 'authenticated',
        sub: userId,
        role: 'authenticated',
        iat: now,
        exp: now + 600,
      };
    },
  };
}
