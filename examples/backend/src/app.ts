/**
 * The Express API. Everything it talks to arrives in `deps`, so the server, the demo and the tests run
 * the same app against RDS/S3/Cognito or the local sandbox.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type pg from 'pg';
import { cors, errorHandler, HttpError, silentLogger, type Logger } from './http.ts';
import { assetsRouter } from './routes/assets.ts';
import { healthRouter } from './routes/health.ts';
import { projectsRouter } from './routes/projects.ts';
import { videosRouter } from './routes/videos.ts';
import type { Storage } from './storage.ts';

/**
 * Sets `req.user` (whose `id` is the app's user UUID) and calls next, or answers 401 itself.
 * `requireAuth(verifier)` from @supa2aws/runtime/auth is the one the server uses; any middleware with
 * this contract plugs in.
 */
export type Authenticate = (req: Request, res: Response, next: NextFunction) => unknown;

export interface AppDeps {
  pool: pg.Pool;
  storage: Storage;
  authenticate: Authenticate;
  /** Browser origins allowed to call the API (`*` for any). @default none */
  corsOrigins?: readonly string[];
  /** Per-check limit of /health, in ms. @default 2000 */
  healthTimeoutMs?: number;
  /** @default silentLogger */
  logger?: Logger;
}

export function createApp(deps: AppDeps): Express {
  const logger = deps.logger ?? silentLogger;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 1); // behind the ALB
  app.use(cors(deps.corsOrigins ?? []));
  app.use(healthRouter({ pool: deps.pool, storage: deps.storage, timeoutMs: deps.healthTimeoutMs ?? 2000 }));
  app.use(express.json({ limit: '100kb' }));
  app.use(deps.authenticate);
  app.use(projectsRouter({ pool: deps.pool }));
  app.use(assetsRouter({ pool: deps.pool, storage: deps.storage }));
  app.use(videosRouter({ pool: deps.pool, storage: deps.storage }));
  app.use(() => {
    throw new HttpError(404, 'NOT_FOUND', 'no such route');
  });
  app.use(errorHandler(logger));
  return app;
}
