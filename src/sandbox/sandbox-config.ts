/**
 * The supa2aws config that points every phase at the sandbox. Passwords stay out of the config file:
 * it references ${ENV} variables, which the sandbox writes to a .env beside it (mode 0600).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import type { SandboxState } from './state.ts';

/** The sandbox's AWS region. */
export const SANDBOX_REGION = 'eu-west-1';

/** s3rver accepts only this key pair; it is not a secret. */
export const S3RVER_KEY = 'S3RVER';

const SANDBOX_BUCKETS = {
  videos: { target: 'aiuteur-videos', access: 'private' as const },
  images: { target: 'aiuteur-images', access: 'public-read' as const },
  'asset-images': { target: 'aiuteur-asset-images', access: 'public-read' as const },
};

/** A sandbox server: its port and the CA that signed its certificate. */
export interface SandboxPg {
  port: number;
  caFile?: string;
}

/** `sslmode=verify-full` against the server's own CA, as production should be; plaintext for a pre-TLS state. */
function tlsQuery(db: SandboxPg): string {
  return db.caFile ? `?sslmode=verify-full&sslrootcert=${encodeURIComponent(db.caFile)}` : '';
}

export function pgUrl(db: SandboxPg, user: string, password: string, database: string): string {
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${db.port}/${database}${tlsQuery(db)}`;
}

/** The raw (un-interpolated) config file for a sandbox, with ${ENV} references for secrets. */
export function sandboxConfigFile(state: SandboxState): Record<string, unknown> {
  const { sourceDb, targetDb, sourceS3, targetS3, cognito } = requireUp(state);
  return {
    version: 1,
    source: {
      projectUrl: state.projectUrl,
      db: {
        url: `postgresql://${sourceDb.appUser}:\${SUPA2AWS_SOURCE_DB_PASSWORD}@127.0.0.1:${sourceDb.port}/${sourceDb.database}${tlsQuery(sourceDb)}`,
      },
      storage: {
        endpoint: `http://127.0.0.1:${sourceS3.port}`,
        region: 'us-east-1',
        accessKeyId: S3RVER_KEY,
        secretAccessKey: '${SUPA2AWS_SOURCE_S3_SECRET}',
        s3rver: true,
      },
    },
    target: {
      // Not us-east-1: every AWS client must inherit it (and S3 needs a LocationConstraint for it).
      region: SANDBOX_REGION,
      db: {
        url: `postgresql://${targetDb.appUser}:\${SUPA2AWS_TARGET_DB_PASSWORD}@127.0.0.1:${targetDb.port}/${targetDb.database}${tlsQuery(targetDb)}`,
      },
      s3: {
        endpoint: `http://127.0.0.1:${targetS3.port}`,
        accessKeyId: S3RVER_KEY,
        secretAccessKey: '${SUPA2AWS_TARGET_S3_SECRET}',
        s3rver: true,
      },
      ...(cognito.userPoolId && cognito.clientId
        ? {
            cognito: {
              endpoint: `http://127.0.0.1:${cognito.port}`,
              userPoolId: cognito.userPoolId,
              clientId: cognito.clientId,
            },
          }
        : {}),
    },
    storage: { buckets: SANDBOX_BUCKETS, ...(state.urlColumns ? { urlColumns: state.urlColumns } : {}) },
    ...(state.migrateUserPassword
      ? { auth: { migrateRolePassword: '${SUPA2AWS_MIGRATE_USER_PASSWORD}' } }
      : {}),
    ...(state.appDbPassword ? { db: { appRole: { password: '${SUPA2AWS_APP_DB_PASSWORD}' } } } : {}),
  };
}

/** The environment the config file's ${ENV} references need. */
export function sandboxEnv(state: SandboxState): Record<string, string> {
  const { sourceDb, targetDb } = requireUp(state);
  return {
    SUPA2AWS_SOURCE_DB_PASSWORD: sourceDb.appPassword,
    SUPA2AWS_TARGET_DB_PASSWORD: targetDb.appPassword,
    SUPA2AWS_SOURCE_S3_SECRET: S3RVER_KEY,
    SUPA2AWS_TARGET_S3_SECRET: S3RVER_KEY,
    ...(state.migrateUserPassword ? { SUPA2AWS_MIGRATE_USER_PASSWORD: state.migrateUserPassword } : {}),
    ...(state.appDbPassword ? { SUPA2AWS_APP_DB_PASSWORD: state.appDbPassword } : {}),
  };
}

/** Writes supa2aws.config.json and .env (0600) into the state dir; returns the config path. */
export function writeSandboxConfig(state: SandboxState): string {
  const file = path.join(state.stateDir, 'supa2aws.config.json');
  writeFileSync(file, `${JSON.stringify(sandboxConfigFile(state), null, 2)}\n`);
  const env = Object.entries(sandboxEnv(state))
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
  writeFileSync(
    path.join(state.stateDir, '.env'),
    `# sandbox-only credentials, written by supa2aws sandbox up\n${env}\n`,
    {
      mode: 0o600,
    },
  );
  return file;
}

type Up = Required<Pick<SandboxState, 'sourceDb' | 'targetDb' | 'sourceS3' | 'targetS3' | 'cognito'>>;

function requireUp(state: SandboxState): Up {
  const { sourceDb, targetDb, sourceS3, targetS3, cognito } = state;
  if (!sourceDb || !targetDb || !sourceS3 || !targetS3 || !cognito) {
    throw new Error('the sandbox is not fully started');
  }
  return { sourceDb, targetDb, sourceS3, targetS3, cognito };
}

export type { Config };
