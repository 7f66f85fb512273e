/**
 * Redaction: nothing secret leaves through logs, reports, errors or plans.
 * Everything printed by the CLI goes through `redactText` / `redactValue`.
 */

const MASK = '***';

const SECRET_KEY =
  /(pass(word)?|secret|token|hash|encrypted_password|api[_-]?key|private[_-]?key|credential|authorization|session[_-]?token)$/i;

const TEXT_RULES: Array<[RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  // user:password@ in any URL or connection string (a ${VAR} reference is no secret: it stays readable)
  [
    /([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*):(?!\$\{[A-Za-z_][A-Za-z0-9_]*\}@)([^@/\s]*)@/gi,
    (_m, userPart: string) => `${userPart}:${MASK}@`,
  ],
  // password=... in libpq key/value strings and query strings
  [/\b(password|passwd|pwd)=([^\s&;'"]+)/gi, (_m, key: string) => `${key}=${MASK}`],
  // bcrypt, argon2, firebase scrypt hashes
  [/\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}/g, '$2*$**$' + MASK],
  [/\$argon2(id|i|d)\$[^\s'"]+/g, '$argon2$' + MASK],
  [/\$fbscrypt\$[^\s'"]+/g, '$fbscrypt$' + MASK],
  // JWTs (three base64url segments, header starting with {" => eyJ)
  [/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, 'eyJ' + MASK],
  // AWS access key ids
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, (m: string) => `${m.slice(0, 4)}${MASK}`],
  // Signed URL tokens and AWS signatures in query strings
  [/([?&](token|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|signature)=)[^&\s'"]+/gi, `$1${MASK}`],
];

/** A config value that is only a `${VAR}` reference: it names where the secret is, it is not one. */
function isEnvReference(value: unknown): boolean {
  return typeof value === 'string' && /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value);
}

/** Masks passwords in URLs, hashes, JWTs, AWS keys and signed-URL tokens inside free text. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of TEXT_RULES) {
    out = out.replace(pattern, replacement as string);
  }
  return out;
}

/** Masks the password of a connection string or URL, keeping host, port and database readable. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = MASK;
    for (const key of [...parsed.searchParams.keys()]) {
      if (
        SECRET_KEY.test(key) ||
        /^(token|x-amz-signature|x-amz-credential|x-amz-security-token)$/i.test(key)
      ) {
        parsed.searchParams.set(key, MASK);
      }
    }
    return parsed.toString().replace(/%2A%2A%2A/g, MASK);
  } catch {
    return redactText(url);
  }
}

/** Whether a property name holds something secret (password, token, hash, key...). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Deep copy of a value with secret-named properties masked and secrets in strings redacted. */
export function redactValue<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]' as T;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, seen)) as T;
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      isSecretKey(key) && inner !== null && inner !== undefined && inner !== '' && !isEnvReference(inner)
        ? MASK
        : redactValue(inner, seen);
  }
  return out as T;
}

/**
 * Defines `password` on an object as non-enumerable, so JSON.stringify, util.inspect and spread
 * never carry it (as pg-pool does).
 */
export function hidePassword<T extends object>(target: T, password: string | undefined): T {
  Object.defineProperty(target, 'password', {
    value: password,
    enumerable: false,
    writable: true,
    configurable: true,
  });
  return target;
}
