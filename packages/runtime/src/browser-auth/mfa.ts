/**
 * `auth.mfa`, supabase-js's MFA API, on Cognito TOTP through Amplify v6 Auth. Supabase signs in at aal1 and
 * the app challenges to reach aal2; Cognito answers a password sign-in of a user with TOTP on with a
 * SOFTWARE_TOKEN_MFA challenge and no tokens. So the sign-in is held here (`holdSignIn`), and reported as
 * Supabase reports an aal1 session waiting for aal2, until `verify` confirms it. Cognito's tokens say nothing
 * of how the session began, and a user with TOTP on may still hold a session from before enrolling or from a
 * federated sign-in (no TOTP there): so a session counts as aal2 only when `verify` passed in it, recorded by
 * the session's origin (`origin_jti`, kept across refreshes; else `auth_time`). The differences left are in
 * types.ts (`MfaFactor` and above).
 */
import {
  confirmSignIn,
  fetchAuthSession,
  fetchMFAPreference,
  setUpTOTP,
  updateMFAPreference,
  verifyTOTPSetup,
} from 'aws-amplify/auth';
import { renderSVG } from 'uqr';
import type {
  AuthErrorShape,
  AuthSession,
  BrowserAuthMfa,
  MfaAssuranceData,
  MfaFactor,
  MfaResult,
} from './types.ts';

/** The one TOTP factor's id: Cognito holds one TOTP device per user and gives it no id. */
export const TOTP_FACTOR_ID = 'cognito-totp';

/** How long Cognito keeps a sign-in session waiting for the code (Amplify keeps its state as long). */
const SIGN_IN_SESSION_SECONDS = 180;

/** A password sign-in Cognito holds until the TOTP code, or an enrollment's challenge. */
interface Pending {
  challengeId: string;
  /** Unix seconds. */
  startedAt: number;
}

/** Where the sessions that passed TOTP are recorded: the page's localStorage, else memory. */
export interface ProofStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface MfaDeps {
  /** The signed-in session, or null (browser-auth's, so both read the same tokens). */
  currentSession(): Promise<AuthSession | null>;
  /** Unix seconds. @default Date.now() / 1000 */
  now?: () => number;
  /** @default globalThis.localStorage when there is one, else a store in memory */
  proofs?: ProofStore;
}

const PROOFS_KEY = 'supa2aws.mfa.aal2';
/** Sessions remembered: the newest ones, enough for the sign-ins one browser makes in a refresh token's life. */
const PROOFS_KEPT = 20;

function memoryStore(): ProofStore {
  const items = new Map<string, string>();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

/** A session's origin, the same across refreshes: `<sub>:<origin_jti>`, else `<sub>:<auth_time>`. */
function sessionOrigin(claims: Record<string, unknown>): string | undefined {
  const who = claims.sub ?? claims.username;
  const origin = claims.origin_jti ?? claims.auth_time;
  return who !== undefined && origin !== undefined ? `${String(who)}:${String(origin)}` : undefined;
}

export interface Mfa {
  api: BrowserAuthMfa;
  /** After a password sign-in that Cognito did not finish: true (and the sign-in held) when it waits for a TOTP code. */
  holdSignIn(signInStep: string): boolean;
  /** Drops a held sign-in or enrollment (sign-out, a new sign-in). */
  forget(): void;
}

const fail = (
  code: string,
  message: string,
  hint: string,
  status = 400,
): { data: null; error: AuthErrorShape } => ({
  data: null,
  error: { name: 'AuthApiError', code, message, hint, status },
});

const noSession = () =>
  fail(
    'session_not_found',
    'No signed-in session: MFA enrollment and factors need one.',
    'Sign in with auth.signInWithPassword first; a sign-in waiting for its TOTP code needs auth.mfa.challenge and verify.',
  );

const unknownFactor = (factorId: string) =>
  fail(
    'mfa_factor_not_found',
    `No MFA factor ${JSON.stringify(factorId)}: Cognito holds one TOTP device per user, factor ${JSON.stringify(TOTP_FACTOR_ID)}.`,
    'Take the id from auth.mfa.listFactors() (data.totp[0].id) or from enroll().',
    404,
  );

/** A Cognito (Amplify) error in supabase-js's shape, with supabase's code where the app may check it. */
function fromCognito(error: unknown): { data: null; error: AuthErrorShape } {
  const e = error as { name?: string; message?: string };
  const name = e.name ?? 'UnknownError';
  const message = e.message ?? String(error);
  if (name === 'CodeMismatchException' || name === 'EnableSoftwareTokenMFAException')
    return fail(
      'mfa_verification_failed',
      `Invalid TOTP code entered (${message})`,
      "Ask for the current code from the user's authenticator app and verify again; check the device's clock.",
      422,
    );
  if (name === 'NotAuthorizedException' || name === 'ExpiredCodeException')
    return fail(
      'mfa_challenge_expired',
      `Cognito no longer holds this sign-in (${message}).`,
      'Sign in with the password again (auth.signInWithPassword), then challenge and verify the new code.',
    );
  return fail(name, message, "See Cognito's message; auth.mfa calls Amplify Auth underneath (mfa.ts).");
}

const totpFactor = (status: MfaFactor['status'], friendlyName?: string): MfaFactor => ({
  id: TOTP_FACTOR_ID,
  ...(friendlyName ? { friendly_name: friendlyName } : {}),
  factor_type: 'totp',
  status,
  created_at: '',
  updated_at: '',
});

/** The otpauth URI as supabase returns it: an SVG QR code in a data URI. */
const qrCode = (uri: string) => `data:image/svg+xml;utf-8,${encodeURIComponent(renderSVG(uri))}`;

const defaultIssuer = (): string =>
  (globalThis as { location?: { hostname?: string } }).location?.hostname || 'Cognito';

/** A UUID v4 from getRandomValues, which (unlike randomUUID) pages served over plain http have too. */
function challengeId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function createMfa(deps: MfaDeps): Mfa {
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  const proofs = deps.proofs ?? (globalThis as { localStorage?: ProofStore }).localStorage ?? memoryStore();
  const proven = (): string[] => {
    try {
      const list: unknown = JSON.parse(proofs.getItem(PROOFS_KEY) ?? '[]');
      return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  };
  /** Records that TOTP passed in the current session. */
  const prove = async (): Promise<void> => {
    const { tokens } = await fetchAuthSession();
    const origin = tokens && sessionOrigin(tokens.accessToken.payload);
    if (origin)
      proofs.setItem(
        PROOFS_KEY,
        JSON.stringify([...proven().filter((o) => o !== origin), origin].slice(-PROOFS_KEPT)),
      );
  };
  let signIn: Pending | undefined;
  /** An enrolled TOTP secret waiting for its first code; its challenge is made by `challenge`. */
  let enrollment: { friendlyName?: string; challenge?: Pending } | undefined;

  const fresh = (): Pending => ({ challengeId: challengeId(), startedAt: now() });
  const live = (p: Pending | undefined): Pending | undefined =>
    p && now() < p.startedAt + SIGN_IN_SESSION_SECONDS ? p : undefined;
  const challengeData = (p: Pending) => ({
    id: p.challengeId,
    type: 'totp' as const,
    expires_at: p.startedAt + SIGN_IN_SESSION_SECONDS,
  });
  const totpOn = async () => (await fetchMFAPreference()).enabled?.includes('TOTP') ?? false;

  const verified = async (session: AuthSession | null): Promise<MfaResult<AuthSession>> =>
    session
      ? { data: session, error: null }
      : fail('session_not_found', 'Cognito confirmed the code but no session was stored.', 'Sign in again.');

  const api: BrowserAuthMfa = {
    async enroll({ factorType, friendlyName, issuer }) {
      if (factorType !== 'totp')
        return fail(
          'mfa_phone_enroll_not_enabled',
          `factorType ${JSON.stringify(factorType)} is not offered: the Cognito pool's MFA is TOTP only.`,
          "Enroll with { factorType: 'totp' }.",
          422,
        );
      try {
        const session = await deps.currentSession();
        if (!session) return noSession();
        if (await totpOn())
          return fail(
            'too_many_enrolled_mfa_factors',
            'This user already has a TOTP device: Cognito holds one per user.',
            `Unenroll it first: auth.mfa.unenroll({ factorId: '${TOTP_FACTOR_ID}' }).`,
            422,
          );
        const details = await setUpTOTP();
        const account = session.user.email ?? session.user.id;
        const uri = details
          .getSetupUri(encodeURIComponent(issuer ?? defaultIssuer()), encodeURIComponent(account))
          .toString();
        enrollment = friendlyName ? { friendlyName } : {};
        return {
          data: {
            id: TOTP_FACTOR_ID,
            type: 'totp',
            ...(friendlyName ? { friendly_name: friendlyName } : {}),
            totp: { qr_code: qrCode(uri), secret: details.sharedSecret, uri },
          },
          error: null,
        };
      } catch (error) {
        return fromCognito(error);
      }
    },

    async challenge({ factorId }) {
      if (factorId !== TOTP_FACTOR_ID) return unknownFactor(factorId);
      const held = live(signIn);
      if (held) return { data: challengeData(held), error: null };
      if (enrollment) {
        enrollment.challenge = fresh();
        return { data: challengeData(enrollment.challenge), error: null };
      }
      if (await deps.currentSession().catch(() => null))
        return fail(
          'mfa_challenge_unavailable',
          'No TOTP code to ask for: this session is signed in, and Cognito asks for the code only at sign-in and when enrolling.',
          'To enroll, call auth.mfa.enroll first; to ask for the code again, sign out and sign in with the password.',
          422,
        );
      return fail(
        'mfa_challenge_expired',
        'No sign-in is waiting for a TOTP code: it was never started, or Cognito’s 3 minutes are up.',
        'Sign in with the password again (auth.signInWithPassword), then challenge and verify.',
      );
    },

    async verify({ factorId, challengeId, code }) {
      if (factorId !== TOTP_FACTOR_ID) return unknownFactor(factorId);
      try {
        if (signIn?.challengeId === challengeId) {
          if (!live(signIn)) {
            signIn = undefined;
            return fromCognito({
              name: 'ExpiredCodeException',
              message: 'the 3-minute sign-in session is over',
            });
          }
          const result = await confirmSignIn({ challengeResponse: code });
          if (!result.isSignedIn)
            return fail(
              result.nextStep.signInStep,
              `Cognito asks for one more sign-in step: ${result.nextStep.signInStep}.`,
              'browser-auth answers TOTP only; complete this step with Amplify Auth (confirmSignIn).',
            );
          signIn = undefined;
          await prove();
          return await verified(await deps.currentSession());
        }
        if (enrollment?.challenge?.challengeId === challengeId && live(enrollment.challenge)) {
          await verifyTOTPSetup({
            code,
            ...(enrollment.friendlyName ? { options: { friendlyDeviceName: enrollment.friendlyName } } : {}),
          });
          await updateMFAPreference({ totp: 'PREFERRED' });
          enrollment = undefined;
          await prove();
          return await verified(await deps.currentSession());
        }
        return fail(
          'mfa_challenge_expired',
          `Challenge ${JSON.stringify(challengeId)} is not waiting for a code (expired, used, or from another sign-in).`,
          'Call auth.mfa.challenge({ factorId }) for a current id; after a sign-in of more than 3 minutes, sign in again.',
        );
      } catch (error) {
        const out = fromCognito(error);
        if (out.error.code === 'mfa_challenge_expired') signIn = undefined;
        return out;
      }
    },

    async challengeAndVerify({ factorId, code }) {
      const challenge = await api.challenge({ factorId });
      if (challenge.error) return challenge;
      return api.verify({ factorId, challengeId: challenge.data.id, code });
    },

    async unenroll({ factorId }) {
      if (factorId !== TOTP_FACTOR_ID) return unknownFactor(factorId);
      try {
        if (!(await deps.currentSession())) return noSession();
        await updateMFAPreference({ totp: 'DISABLED' });
        enrollment = undefined;
        return { data: { id: factorId }, error: null };
      } catch (error) {
        return fromCognito(error);
      }
    },

    async listFactors() {
      try {
        if (!(await deps.currentSession())) {
          if (!live(signIn)) return noSession();
          const held = [totpFactor('verified')];
          return { data: { all: held, totp: held, phone: [], webauthn: [] }, error: null };
        }
        const totp = (await totpOn()) ? [totpFactor('verified')] : [];
        const all = enrollment ? [...totp, totpFactor('unverified', enrollment.friendlyName)] : totp;
        return { data: { all, totp, phone: [], webauthn: [] }, error: null };
      } catch (error) {
        return fromCognito(error);
      }
    },

    async getAuthenticatorAssuranceLevel() {
      try {
        const { tokens } = await fetchAuthSession();
        if (!tokens) {
          const held = live(signIn);
          const data: MfaAssuranceData = held
            ? {
                currentLevel: 'aal1',
                nextLevel: 'aal2',
                currentAuthenticationMethods: [{ method: 'password', timestamp: held.startedAt }],
              }
            : { currentLevel: null, nextLevel: null, currentAuthenticationMethods: [] };
          return { data, error: null };
        }
        // A federated sign-in (its ID token names the identities) never passes Cognito's TOTP.
        const federated = tokens.idToken?.payload.identities !== undefined;
        const totp = !federated && (await totpOn());
        const origin = sessionOrigin(tokens.accessToken.payload);
        const level = totp && origin !== undefined && proven().includes(origin) ? 'aal2' : 'aal1';
        const signedInAt = Number(
          tokens.accessToken.payload.auth_time ?? tokens.accessToken.payload.iat ?? 0,
        );
        return {
          data: {
            currentLevel: level,
            nextLevel: totp ? 'aal2' : level,
            currentAuthenticationMethods: [
              { method: 'password', timestamp: signedInAt },
              ...(level === 'aal2' ? [{ method: 'totp' as const, timestamp: signedInAt }] : []),
            ],
          },
          error: null,
        };
      } catch (error) {
        return fromCognito(error);
      }
    },
  };

  return {
    api,
    holdSignIn(signInStep) {
      signIn = signInStep === 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' ? fresh() : undefined;
      return signIn !== undefined;
    },
    forget() {
      signIn = undefined;
      enrollment = undefined;
    },
  };
}
