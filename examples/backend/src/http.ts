/** HTTP plumbing: coded JSON errors, input checks, the error handler, CORS, a logger. */
import type { ErrorRequestHandler, RequestHandler } from 'express';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** One JSON object per line on stdout/stderr: what CloudWatch Logs (awslogs driver) indexes. */
export const jsonLogger: Logger = {
  info: (message, fields) =>
    console.log(JSON.stringify({ level: 'info', time: new Date().toISOString(), message, ...fields })),
  warn: (message, fields) =>
    console.warn(JSON.stringify({ level: 'warn', time: new Date().toISOString(), message, ...fields })),
  error: (message, fields) =>
    console.error(JSON.stringify({ level: 'error', time: new Date().toISOString(), message, ...fields })),
};

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidParam(value: unknown, name: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw new HttpError(
      400,
      'INVALID_ID',
      `${name} must be a UUID; got ${JSON.stringify(value)?.slice(0, 60)}`,
    );
  }
  return value.toLowerCase();
}

export function body(req: { body?: unknown }): Record<string, unknown> {
  const value = req.body;
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, 'INVALID_BODY', 'expected a JSON object body (Content-Type: application/json)');
  }
  return value as Record<string, unknown>;
}

export function text(
  input: Record<string, unknown>,
  field: string,
  options: { required?: boolean; max: number; nullable?: boolean },
): string | null | undefined {
  const value = input[field];
  if (value === undefined) {
    if (options.required) throw new HttpError(400, 'INVALID_FIELD', `${field} is required`);
    return undefined;
  }
  if (value === null && options.nullable) return null;
  if (typeof value !== 'string' || (options.required && value.trim() === '') || value.length > options.max) {
    throw new HttpError(
      400,
      'INVALID_FIELD',
      `${field} must be a${options.required ? ' non-empty' : ''} string of at most ${options.max} characters`,
    );
  }
  return value;
}

/** Maps database and runtime errors to HTTP answers; never sends stack traces or SQL. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    let status = 500;
    let code = 'INTERNAL';
    let message = 'internal error';
    const pgCode = (error as { code?: unknown }).code;
    if (error instanceof HttpError) {
      ({ status, code, message } = error);
    } else if ((error as { type?: string }).type === 'entity.parse.failed') {
      [status, code, message] = [400, 'INVALID_JSON', 'the body is not valid JSON'];
    } else if (pgCode === '22P02' || pgCode === '23514' || pgCode === '22001') {
      [status, code, message] = [400, 'INVALID_VALUE', 'a value is not allowed for its field'];
    } else if (pgCode === '23503') {
      [status, code, message] = [400, 'INVALID_REFERENCE', 'a referenced row does not exist'];
    } else if (pgCode === '42501') {
      [status, code, message] = [403, 'FORBIDDEN', 'not allowed for this user'];
    } else if (pgCode === 'DB_POOL_CLOSED' || pgCode === 'DB_UNREACHABLE' || pgCode === '57014') {
      [status, code, message] = [503, 'UNAVAILABLE', 'the database is unavailable; try again'];
    }
    if (status >= 500) {
      logger.error('request failed', {
        method: req.method,
        path: req.path,
        code: pgCode ?? code,
        error: (error as Error).message,
      });
    }
    res.status(status).json({ error: { code, message } });
  };
}

/** CORS for the SPA's origin: bearer tokens in Authorization (no cookies), so no credentials mode. */
export function cors(origins: readonly string[]): RequestHandler {
  const any = origins.includes('*');
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && (any || origins.includes(origin))) {
      res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
    }
    next();
  };
}
