/**
 * The API process: `node dist/examples/backend/src/server.js` in the image, `npm run dev` locally.
 * On SIGTERM (ECS stopping the task; the ALB has already begun draining it) the server stops accepting
 * connections, finishes in-flight requests, closes the pool and exits before ECS's stop timeout.
 */
import { createApp } from './app.ts';
import { boot } from './boot.ts';
import { jsonLogger } from './http.ts';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import {
  adminGetUserAttributes,
  createAuthVerifierFromEnv,
  createCognitoUserIdResolver,
  requireAuth,
} from '@supa2aws/runtime/auth';
import { closePool } from '@supa2aws/runtime/db';

const logger = jsonLogger;

async function main(): Promise<void> {
  const { config, pool, storage } = await boot(logger);
  // Cognito access tokens carry no custom attributes: map each identity to the app user ID (the Supabase
  // UUID) through auth.users.cognito_sub, asking Cognito (AdminGetUser) for custom:supabase_id on first sight.
  const poolId = process.env.COGNITO_USER_POOL_ID;
  const cognito = poolId
    ? new CognitoIdentityProviderClient({
        region: process.env.COGNITO_REGION ?? process.env.AWS_REGION ?? poolId.split('_')[0],
        ...(process.env.COGNITO_ENDPOINT ? { endpoint: process.env.COGNITO_ENDPOINT } : {}),
      })
    : undefined;
  // A user disabled or deleted in Cognito loses access within COGNITO_USER_STATE_TTL_SECONDS (default 60).
  const verifier = createAuthVerifierFromEnv(
    cognito && poolId
      ? {
          resolveUserId: createCognitoUserIdResolver({
            pool,
            lookupAttributes: adminGetUserAttributes(cognito, poolId),
          }),
          cognitoClient: cognito,
        }
      : {},
  );
  await verifier
    .warm()
    .catch((error: Error) =>
      logger.warn('JWKS warm-up failed; will fetch on first request', { error: error.message }),
    );
  const app = createApp({
    pool,
    storage,
    authenticate: requireAuth(verifier, {
      // The client gets the code; the details (issuers, client IDs, clock) stay in this log.
      onRefused: (error) => logger.info('token refused', { code: error.code, detail: error.message }),
    }),
    corsOrigins: config.corsOrigins,
    healthTimeoutMs: config.healthTimeoutMs,
    logger,
  });
  const server = app.listen(config.port, () => logger.info('api listening', { port: config.port }));
  // Longer than the ALB's idle timeout (60 s), so the ALB closes idle connections first.
  server.keepAliveTimeout = 65_000;

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 25_000);
    force.unref();
    server.close(async () => {
      const closed = await closePool(pool, { timeoutMs: 5_000 });
      storage.s3.destroy();
      logger.info('stopped', { poolDrained: closed.drained });
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: Error & { code?: string; hint?: string }) => {
  logger.error('failed to start', { code: error.code, error: error.message, hint: error.hint });
  process.exit(1);
});
