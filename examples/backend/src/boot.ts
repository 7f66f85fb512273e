/**
 * Boot, shared by the API and the worker: secrets (when SECRETS_ID is set) into the environment, then
 * the config, the pool and S3. Fails fast, before listening, with a message naming what is wrong.
 */
import type pg from 'pg';
import { loadConfig, type BackendConfig } from './config.ts';
import type { Logger } from './http.ts';
import { createStorage, type Storage } from './storage.ts';
import { createPool, describePool, poolOptionsFromEnv } from '@supa2aws/runtime/db';
import { loadSecrets } from '@supa2aws/runtime/secrets';

export interface Booted {
  config: BackendConfig;
  pool: pg.Pool;
  storage: Storage;
}

export async function boot(logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Booted> {
  if (env.SECRETS_ID) {
    // Values already in the environment (ECS task definition, local .env) win over the secret.
    const loaded = await loadSecrets({
      secretId: env.SECRETS_ID,
      ...(env.SECRETS_ENDPOINT ? { endpoint: env.SECRETS_ENDPOINT } : {}),
      mergeIntoEnv: true,
      env,
    });
    logger.info('secrets loaded', { secretId: loaded.secretId, applied: loaded.applied, kept: loaded.kept });
  }
  const config = loadConfig(env);
  const pool = createPool({
    ...poolOptionsFromEnv(env),
    onError: (error) => logger.warn('idle database connection failed', { error: error.message }),
  });
  logger.info('database pool', { ...describePool(pool) });
  const storage = createStorage(config.s3);
  return { config, pool, storage };
}
