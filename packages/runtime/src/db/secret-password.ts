/**
 * The pool's password read from a Secrets Manager secret (the database stack's app secret, an RDS
 * `DatabaseSecret` whose JSON has `username` and `password`), so a task keeps connecting after the password
 * is rotated: node-postgres asks for the password on every new connection; this answers from a small cache
 * that is refreshed when it is older than `maxAgeMs` and at once after the server refuses the credentials
 * (createPool calls `invalidate()` and retries that connection once). Open connections are not affected by
 * a rotation: PostgreSQL checks the password only when a session starts.
 */
import { loadSecrets, type LoadSecretsOptions } from '../secrets/index.ts';
import { DbError } from '../errors/index.ts';
import { DbErrorCode } from './errors.ts';

export interface SecretPasswordOptions extends Pick<
  LoadSecretsOptions,
  'secretId' | 'region' | 'endpoint' | 'credentials' | 'client' | 'timeoutMs'
> {
  /** The JSON key holding the password. @default 'password' (an RDS DatabaseSecret) */
  key?: string;
  /** Re-read the secret when the cached value is older than this, in ms. @default 300000 (5 minutes) */
  maxAgeMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** A password source for `createPool({ password })` that re-reads its secret. */
export interface SecretPassword {
  (): Promise<string>;
  /** Forget the cached value: the next connection reads the secret again. */
  invalidate(): void;
  /** The secret it reads (never its value). */
  readonly secretId: string;
  /** How many times the secret was read (for logs and tests). */
  readonly reads: number;
}

/** Whether a password source is a SecretPassword (createPool retries its auth failures once). */
export function isSecretPassword(value: unknown): value is SecretPassword {
  return typeof value === 'function' && typeof (value as Partial<SecretPassword>).invalidate === 'function';
}

export function secretPassword(options: SecretPasswordOptions): SecretPassword {
  const key = options.key ?? 'password';
  const maxAgeMs = options.maxAgeMs ?? 300_000;
  const now = options.now ?? Date.now;
  let cached: { value: string; at: number } | undefined;
  let inFlight: Promise<string> | undefined;
  let reads = 0;

  const read = async (): Promise<string> => {
    const { secretId, region, endpoint, credentials, client, timeoutMs } = options;
    const loaded = await loadSecrets({
      secretId,
      ...(region ? { region } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      ...(client ? { client } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    reads++;
    const value = loaded.values[key];
    if (!value) {
      throw new DbError(
        DbErrorCode.config,
        `secret ${JSON.stringify(secretId)} has no ${JSON.stringify(key)} key (keys: ${Object.keys(loaded.values).join(', ') || 'none'})`,
        {
          exit: 'usage',
          hint: "Point DATABASE_SECRET_ID at the database stack's app secret (DbAppSecretArn), whose JSON holds username and password.",
        },
      );
    }
    cached = { value, at: now() };
    return value;
  };

  const source = (async () => {
    if (cached && now() - cached.at < maxAgeMs) return cached.value;
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }) as SecretPassword;
  Object.defineProperties(source, {
    invalidate: {
      value: () => {
        cached = undefined;
      },
    },
    secretId: { value: options.secretId, enumerable: true },
    reads: { get: () => reads, enumerable: true },
  });
  return source;
}
