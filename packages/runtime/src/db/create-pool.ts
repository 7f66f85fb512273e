import pg from 'pg';
import { DbError } from '../errors/index.ts';
import { DbErrorCode } from './errors.ts';
import {
  poolOptionsFromEnv,
  resolvePoolConfig,
  type DbPoolOptions,
  type DbPoolSummary,
} from './pool-options.ts';
import { isSecretPassword, type SecretPassword } from './secret-password.ts';

const summaries = new WeakMap<pg.Pool, DbPoolSummary>();
const closings = new WeakMap<pg.Pool, Promise<void>>();

/**
 * A pg Pool for the app: TLS verified against the CA bundle, a statement timeout, the password never
 * enumerable, idle-connection errors handled (they would otherwise crash the process).
 * With no options, reads the environment (see `poolOptionsFromEnv`).
 */
export function createPool(options: DbPoolOptions = poolOptionsFromEnv()): pg.Pool {
  const { config, summary } = resolvePoolConfig(options);
  const pool = new pg.Pool(config);
  const onError = options.onError;
  pool.on('error', (error) => onError?.(error));
  summaries.set(pool, summary);
  if (isSecretPassword(options.password)) retryAuthFailureOnce(pool, options.password);
  return pool;
}

type ConnectCallback = (
  error: Error | undefined,
  client?: pg.PoolClient,
  done?: (release?: unknown) => void,
) => void;

/**
 * A connection refused for its password (28P01) after a rotation: forget the cached secret and try once
 * more with a fresh read. Covers pool.connect() and pool.query() (which connects through it).
 */
function retryAuthFailureOnce(pool: pg.Pool, password: SecretPassword): void {
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  const attempt = async (): Promise<pg.PoolClient> => {
    try {
      return await connect();
    } catch (error) {
      if ((error as { code?: string }).code !== '28P01') throw error;
      password.invalidate();
      return connect();
    }
  };
  pool.connect = ((callback?: ConnectCallback) => {
    const connecting = attempt();
    if (!callback) return connecting;
    connecting.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | undefined)),
      (error: Error) => callback(error),
    );
    return undefined;
  }) as typeof pool.connect;
}

/** What the pool connects to, safe to log (no password). Undefined for a pool not made by createPool. */
export function describePool(pool: pg.Pool): DbPoolSummary | undefined {
  const summary = summaries.get(pool);
  return summary ? { ...summary } : undefined;
}

export interface ClosePoolOptions {
  /** How long to wait for checked-out connections to be released, in ms. @default 10000 */
  timeoutMs?: number;
}

export interface ClosePoolResult {
  /** Every connection was released and closed before the timeout. */
  drained: boolean;
  /** Connections still open when the timeout passed (0 when drained). */
  open: number;
}

/**
 * Graceful shutdown: no new connections are handed out, idle ones close at once, busy ones close as
 * they are released. Waits at most `timeoutMs`; safe to call more than once.
 */
export async function closePool(pool: pg.Pool, options: ClosePoolOptions = {}): Promise<ClosePoolResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let closing = closings.get(pool);
  if (!closing) {
    closing = pool.ended ? Promise.resolve() : pool.end();
    closings.set(pool, closing);
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    const drained = await Promise.race([closing.then(() => true as const), timedOut]);
    return { drained, open: drained ? 0 : pool.totalCount };
  } finally {
    clearTimeout(timer);
  }
}

/** Throws DB_POOL_CLOSED when the pool is ending or ended (instead of pg's uncoded error). */
export function assertOpen(pool: pg.Pool): void {
  if (pool.ending || pool.ended) {
    throw new DbError(DbErrorCode.closed, 'the database pool is closed (the app is shutting down)', {
      retryable: true,
      hint: 'Requests arriving after SIGTERM are refused; the load balancer sends them to another task.',
    });
  }
}
