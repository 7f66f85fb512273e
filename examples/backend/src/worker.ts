/**
 * The worker process: the same image as the API, started with `node dist/examples/backend/src/worker.js`
 * (a second ECS service or task). On SIGTERM it stops polling, lets the current job finish for up to
 * WORKER_STOP_TIMEOUT_MS (default 25 s, under ECS's 30 s stopTimeout), else releases it, and exits.
 */
import { boot } from './boot.ts';
import { jsonLogger } from './http.ts';
import { closePool } from '@supa2aws/runtime/db';
import { LocalVideoProvider } from './worker/local-video-provider.ts';
import { Veo3Provider } from './worker/veo3-provider.ts';
import { createVideoJobExecutor } from './worker/video-job-executor.ts';
import type { VideoProvider } from './worker/video-provider.ts';

const logger = jsonLogger;

async function main(): Promise<void> {
  const { config, pool, storage } = await boot(logger);
  const provider: VideoProvider =
    config.worker.provider === 'veo3'
      ? new Veo3Provider({
          projectId: process.env.GOOGLE_CLOUD_PROJECT ?? '',
          ...(process.env.GOOGLE_CLOUD_LOCATION ? { location: process.env.GOOGLE_CLOUD_LOCATION } : {}),
          ...(process.env.GOOGLE_APPLICATION_CREDENTIALS_JSON
            ? { credentialsJson: process.env.GOOGLE_APPLICATION_CREDENTIALS_JSON }
            : {}),
        })
      : new LocalVideoProvider({ delayMs: config.worker.localDelayMs });
  const { provider: _name, localDelayMs: _delay, ...workerSettings } = config.worker;
  const executor = createVideoJobExecutor({ pool, storage, provider, ...workerSettings, logger });
  executor.start();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal, inFlight: executor.inFlight });
    const result = await executor.stop();
    const closed = await closePool(pool, { timeoutMs: 3_000 });
    storage.s3.destroy();
    logger.info('stopped', { released: result.released, poolDrained: closed.drained });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: Error & { code?: string; hint?: string }) => {
  logger.error('failed to start', { code: error.code, error: error.message, hint: error.hint });
  process.exit(1);
});
