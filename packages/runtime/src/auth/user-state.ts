/**
 * Whether the Cognito user behind a valid token is still enabled. A token stays valid until it expires
 * (Cognito access tokens: 5 minutes to 1 day, 1 hour by default) even after an admin disables or deletes
 * its user; with this check the API stops accepting it within `ttlMs` instead.
 *
 * The policy is the verifier's `userState` option:
 * - `createAuthVerifier`: off unless given (`userState: { check: adminGetUserState(client, poolId) }`);
 *   without it a disabled or deleted user keeps access until the token expires.
 * - `createAuthVerifierFromEnv` (and so the reference backend): on by default, answers kept 60 s
 *   (`COGNITO_USER_STATE_TTL_SECONDS`; `off` to trust the token's lifetime). Needs `cognito-idp:AdminGetUser`.
 *   `userStateCheck: false` turns it off in code, where no AWS credentials are (Next.js middleware on the Edge).
 * A failed lookup refuses the request with a 503 (AUTH_USER_STATE_UNAVAILABLE): the check fails closed.
 */
import {
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { AuthErrorCode, AuthUnavailableError, UserDisabledError } from './errors.ts';
import type { Clock } from './types.ts';

export type UserState = 'enabled' | 'disabled' | 'deleted';

/** Reads a user's state by Cognito username. */
export type UserStateCheck = (username: string) => Promise<UserState>;

export interface UserStateOptions {
  check: UserStateCheck;
  /** How long an answer is kept: the longest a disabled user keeps access. @default 60000 */
  ttlMs?: number;
  /** Most answers kept; the oldest go first. @default 10000 */
  maxEntries?: number;
}

export const DEFAULT_USER_STATE_TTL_MS = 60_000;

/** AdminGetUser: `Enabled: false` is disabled, UserNotFoundException is deleted. */
export function adminGetUserState(client: CognitoIdentityProviderClient, userPoolId: string): UserStateCheck {
  return async (username) => {
    try {
      const user = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }));
      return user.Enabled === false ? 'disabled' : 'enabled';
    } catch (error) {
      if ((error as { name?: string }).name === 'UserNotFoundException') return 'deleted';
      throw error;
    }
  };
}

/** A bounded, time-limited cache of user states; concurrent lookups of one user share one call. */
export class CachedUserState {
  readonly #check: UserStateCheck;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #clock: Clock;
  readonly #cache = new Map<string, { state: UserState; expiresAt: number }>();
  readonly #inflight = new Map<string, Promise<UserState>>();

  constructor(options: UserStateOptions, clock: Clock) {
    this.#check = options.check;
    this.#ttlMs = options.ttlMs ?? DEFAULT_USER_STATE_TTL_MS;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#clock = clock;
  }

  /** Resolves when `username` is enabled; throws UserDisabledError (401) or AuthUnavailableError (503). */
  async requireEnabled(username: string): Promise<void> {
    const state = await this.#state(username);
    if (state !== 'enabled') throw new UserDisabledError(state, username);
  }

  async #state(username: string): Promise<UserState> {
    const hit = this.#cache.get(username);
    if (hit && hit.expiresAt > this.#clock.now()) return hit.state;
    let pending = this.#inflight.get(username);
    if (!pending) {
      pending = this.#check(username).finally(() => this.#inflight.delete(username));
      this.#inflight.set(username, pending);
    }
    let state: UserState;
    try {
      state = await pending;
    } catch (error) {
      throw new AuthUnavailableError(
        AuthErrorCode.userStateUnavailable,
        'The Cognito user state could not be read',
        error,
      );
    }
    this.#cache.delete(username);
    this.#cache.set(username, { state, expiresAt: this.#clock.now() + this.#ttlMs });
    while (this.#cache.size > this.#maxEntries) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
    return state;
  }
}
