import { isUuid } from './claims.ts';
import { AuthErrorCode, AuthUnavailableError, UserUnknownError, quote } from './errors.ts';
import { systemClock, type Clock, type JwtClaims } from './types.ts';

/** What a resolver gets to find the app user of a Cognito token. */
export interface UserIdLookup {
  /** Cognito's `sub` (absent for cognito-local users created by the migrate-user trigger). */
  sub: string | undefined;
  /** `username` (access tokens) or `cognito:username` (ID tokens). */
  username: string | undefined;
  /** All verified claims. */
  claims: JwtClaims;
}

/** A resolver's answer: the app user ID (Supabase UUID), optionally with the user's email. */
export interface ResolvedUser {
  id: string;
  email?: string;
}

/**
 * Finds the app user ID of a Cognito user whose token does not carry it, e.g. by looking up
 * `auth.users.cognito_sub`. Returns null/undefined when there is no such user.
 */
export type ResolveUserId = (lookup: UserIdLookup) => Promise<string | ResolvedUser | null | undefined>;

export interface CognitoUserIdOptions {
  /**
   * Take a UUID-shaped `username` as the app user ID when the migration made the Supabase UUID the Cognito
   * username (pools with email as an alias). Ignored when the username equals `sub` (pools with email as
   * username generate it) or when there is no `sub`. Only safe when clients cannot choose usernames: with
   * self sign-up, refuse UUID-shaped usernames in a pre-sign-up trigger, or turn this off.
   * @default true without a resolver; false with one (the resolver sees every token and can check it)
   */
  usernameIsUserId?: boolean;
  /**
   * Custom attribute carrying the Supabase UUID in ID tokens; `null` to ignore. Only safe when the
   * app clients cannot write it (leave it out of each client's WriteAttributes).
   * @default 'custom:supabase_id' without a resolver; null with one
   */
  idAttribute?: string | null;
  /** Fallback resolver (the auth phase provides one reading `auth.users.cognito_sub`). */
  resolve?: ResolveUserId;
  /** How long a resolved ID is cached. @default 300000 (5 minutes) */
  cacheTtlMs?: number;
  /** Most cached IDs kept; the oldest go first. @default 10000 */
  cacheMaxEntries?: number;
}

interface CacheEntry {
  user: ResolvedUser;
  expiresAt: number;
}

/**
 * Maps verified Cognito claims to the app user ID: `custom:supabase_id`, else a UUID username that is not
 * Cognito's own, else the injected resolver (cached for `cacheTtlMs`). When a resolver is given, the
 * first two are off unless asked for, so the resolver (which can check auth.users) decides every token.
 */
export class CognitoUserIds {
  readonly #usernameIsUserId: boolean;
  readonly #idAttribute: string | null;
  readonly #resolve: ResolveUserId | undefined;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #clock: Clock;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inflight = new Map<string, Promise<ResolvedUser | undefined>>();

  constructor(options: CognitoUserIdOptions = {}, clock: Clock = systemClock) {
    // With a resolver, every token goes through it by default: it can check the pairing against auth.users.
    this.#usernameIsUserId = options.usernameIsUserId ?? !options.resolve;
    this.#idAttribute =
      options.idAttribute === undefined
        ? options.resolve
          ? null
          : 'custom:supabase_id'
        : options.idAttribute;
    this.#resolve = options.resolve;
    this.#ttlMs = options.cacheTtlMs ?? 300_000;
    this.#maxEntries = options.cacheMaxEntries ?? 10_000;
    this.#clock = clock;
  }

  async resolve(claims: JwtClaims): Promise<ResolvedUser> {
    const username = stringClaim(claims, 'username') ?? stringClaim(claims, 'cognito:username');
    const email = stringClaim(claims, 'email');
    const sub = stringClaim(claims, 'sub');
    // 1. The attribute the migration set on purpose (ID tokens carry custom attributes).
    const attribute = this.#idAttribute ? claims[this.#idAttribute] : undefined;
    if (isUuid(attribute)) return withEmail(attribute.toLowerCase(), email);
    // 2. A UUID username that is not Cognito's own: in pools with email/phone as username, Cognito makes the
    //    username equal to `sub`, and cognito-local gives trigger-migrated users a random one and no `sub`.
    if (
      this.#usernameIsUserId &&
      isUuid(username) &&
      sub !== undefined &&
      username.toLowerCase() !== sub.toLowerCase()
    ) {
      return withEmail(username.toLowerCase(), email);
    }
    // 3. The injected resolver (e.g. auth.users.cognito_sub), cached.
    if (!this.#resolve) {
      throw new UserUnknownError(
        `Token username ${quote(username ?? null)} is not a user UUID and no resolver is configured. Expected the Supabase UUID as username${this.#idAttribute ? ` or in ${this.#idAttribute}` : ''}`,
      );
    }
    const key = sub !== undefined ? `sub:${sub}` : `username:${username ?? ''}`;
    const now = this.#clock.now();
    const cached = this.#cache.get(key);
    if (cached && cached.expiresAt > now) return withEmail(cached.user.id, email ?? cached.user.email);
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#lookup({ sub, username, claims }).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    const user = await pending;
    if (!user) {
      throw new UserUnknownError(
        `No app user for Cognito sub ${quote(sub ?? null)} / username ${quote(username ?? null)}. Expected a migrated user`,
      );
    }
    this.#remember(key, user);
    return withEmail(user.id, email ?? user.email);
  }

  async #lookup(lookup: UserIdLookup): Promise<ResolvedUser | undefined> {
    let answer: Awaited<ReturnType<ResolveUserId>>;
    try {
      answer = await (this.#resolve as ResolveUserId)(lookup);
    } catch (error) {
      throw new AuthUnavailableError(AuthErrorCode.resolverFailed, 'The user-ID resolver failed', error);
    }
    if (answer === null || answer === undefined) return undefined;
    const user = typeof answer === 'string' ? { id: answer } : answer;
    if (!isUuid(user.id)) {
      throw new AuthUnavailableError(
        AuthErrorCode.resolverFailed,
        `The user-ID resolver returned ${JSON.stringify(user.id)}. Expected a user UUID`,
      );
    }
    return { id: user.id.toLowerCase(), ...(typeof user.email === 'string' ? { email: user.email } : {}) };
  }

  #remember(key: string, user: ResolvedUser): void {
    this.#cache.delete(key);
    this.#cache.set(key, { user, expiresAt: this.#clock.now() + this.#ttlMs });
    while (this.#cache.size > this.#maxEntries) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
  }
}

function stringClaim(claims: JwtClaims, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function withEmail(id: string, email: string | undefined): ResolvedUser {
  return email === undefined ? { id } : { id, email };
}
