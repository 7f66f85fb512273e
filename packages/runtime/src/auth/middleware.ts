import {
  AuthErrorCode,
  AuthTokenError,
  PUBLIC_MESSAGES,
  AuthUnavailableError,
  TokenMalformedError,
  TokenMissingError,
} from './errors.ts';
import type { AuthVerifier } from './auth-verifier.ts';
import type { AuthUser } from './types.ts';

/**
 * The parts of a request the middleware reads and writes. Structural, so Express 4, Express 5 and
 * plain `node:http` requests all fit without importing Express.
 */
export interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: AuthUser | undefined;
}

/** The parts of a response the middleware uses (node's `ServerResponse` has them, so Express's does). */
export interface AuthResponse {
  statusCode: number;
  headersSent?: boolean;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

export type AuthNext = (error?: unknown) => void;

// Types `req.user` in Express apps the way @types/passport does (identical declarations, so both coexist).
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends AuthUser {}
    interface Request {
      user?: User | undefined;
    }
  }
}

export interface RequireAuthOptions {
  /** `realm` of the `WWW-Authenticate` challenge. @default 'api' */
  realm?: string;
  /** Reads the token from a request. @default the `Authorization: Bearer <token>` header */
  getToken?: (req: AuthRequest) => string | undefined;
  /**
   * Called with every refusal (for logs and metrics; the error never holds the token). Its `message` has
   * the details a client is not told: log it here.
   */
  onRefused?: (error: AuthTokenError | AuthUnavailableError, req: AuthRequest) => void;
  /**
   * Send the detailed message (accepted issuers, JWKS URL, client IDs, the server's clock) in 401/503
   * bodies and `WWW-Authenticate`. For debugging only: it tells an attacker the server's configuration.
   * @default false (the code and a short fixed message)
   */
  exposeDetails?: boolean;
}

export type AuthMiddleware = (req: AuthRequest, res: AuthResponse, next: AuthNext) => Promise<void>;

/**
 * Express middleware: verifies the bearer token, sets `req.user` and calls `next()`; otherwise answers
 * 401 (`{error:{code,message}}` + `WWW-Authenticate: Bearer ...`, RFC 6750) or 503 when keys or the
 * user resolver are unavailable. Other errors go to `next(error)`.
 */
export function requireAuth(verifier: AuthVerifier, options: RequireAuthOptions = {}): AuthMiddleware {
  return authMiddleware(verifier, options, true);
}

/**
 * Like `requireAuth`, but a request without a token passes with `req.user` undefined. A request WITH a
 * token that does not verify is still refused: the client asked to be someone and is not.
 */
export function optionalAuth(verifier: AuthVerifier, options: RequireAuthOptions = {}): AuthMiddleware {
  return authMiddleware(verifier, options, false);
}

function authMiddleware(
  verifier: AuthVerifier,
  options: RequireAuthOptions,
  required: boolean,
): AuthMiddleware {
  const realm = sanitize(options.realm ?? 'api');
  const getToken = options.getToken ?? bearerToken;
  return async (req, res, next) => {
    try {
      req.user = undefined;
      const token = getToken(req);
      if (token === undefined) {
        if (!required) return next();
        throw new TokenMissingError();
      }
      req.user = await verifier.verify(token);
    } catch (error) {
      if (!(error instanceof AuthTokenError || error instanceof AuthUnavailableError) || res.headersSent) {
        return next(error);
      }
      options.onRefused?.(error, req);
      return refuse(res, error, realm, options.exposeDetails === true);
    }
    next();
  };
}

/**
 * The token of an `Authorization: Bearer <token>` header; undefined when there is no such header or it
 * uses another scheme (RFC 6750 §3.1: no error code then). An empty bearer is malformed.
 */
export function bearerToken(req: AuthRequest): string | undefined {
  const raw = req.headers.authorization;
  const header = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (header === undefined || header.length < 6 || header.slice(0, 6).toLowerCase() !== 'bearer')
    return undefined;
  if (header.length > 6 && !/\s/.test(header[6] as string)) return undefined; // "Bearerxyz": another scheme
  const token = header.slice(6).trim();
  if (token === '')
    throw new TokenMalformedError('Bearer token is empty. Expected "Authorization: Bearer <token>"');
  return token;
}

function refuse(
  res: AuthResponse,
  error: AuthTokenError | AuthUnavailableError,
  realm: string,
  details: boolean,
): void {
  const message = details
    ? error.message
    : (PUBLIC_MESSAGES[error.code as keyof typeof PUBLIC_MESSAGES] ?? 'Token refused');
  res.statusCode = error.status;
  if (error instanceof AuthTokenError) {
    const challenge =
      error.code === AuthErrorCode.missing
        ? `Bearer realm="${realm}"`
        : `Bearer realm="${realm}", error="invalid_token", error_description="${sanitize(message)}"`;
    res.setHeader('WWW-Authenticate', challenge);
  } else {
    res.setHeader('Retry-After', '5');
  }
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ error: { code: error.code, message } }));
}

/** RFC 6750 §3: error_description is limited to %x20-21 / %x23-5B / %x5D-7E (no `"` or `\`). */
function sanitize(text: string): string {
  return text.replace(/[^\x20-\x7e]|["\\]/g, "'").slice(0, 300);
}
