/**
 * Reads the access and refresh token from the Supabase session cookie @supabase/ssr and the auth helpers
 * write: the value may be split over `<name>.0`, `<name>.1`...; it is JSON (a session object, or the auth
 * helpers' `[access_token, refresh_token, ...]`), or `base64-` and that JSON in base64url.
 */
import { base64url } from 'jose';
import type { CookieJar } from './types.ts';

/** How many chunks @supabase/ssr may split a session over (it splits at ~3 KB; sessions stay far below). */
const MAX_SUPABASE_CHUNKS = 10;

/** The cookie names a Supabase session may occupy, whole or in chunks. */
export function supabaseCookieNames(name: string): string[] {
  return [name, ...Array.from({ length: MAX_SUPABASE_CHUNKS }, (_, i) => `${name}.${i}`)];
}

export function readSupabaseTokens(
  cookies: CookieJar,
  name: string,
): { accessToken: string; refreshToken: string } | undefined {
  let raw = cookies.get(name)?.value;
  if (!raw) {
    const chunks: string[] = [];
    for (let i = 0; i < MAX_SUPABASE_CHUNKS; i++) {
      const chunk = cookies.get(`${name}.${i}`)?.value;
      if (!chunk) break;
      chunks.push(chunk);
    }
    raw = chunks.join('');
  }
  if (!raw) return undefined;
  try {
    const json = raw.startsWith('base64-') ? decodeBase64Url(raw.slice(7)) : raw;
    const parsed: unknown = JSON.parse(json);
    const [access, refresh] = Array.isArray(parsed)
      ? [parsed[0], parsed[1]]
      : [
          (parsed as Record<string, unknown>)?.access_token,
          (parsed as Record<string, unknown>)?.refresh_token,
        ];
    if (typeof access !== 'string' || access === '') return undefined;
    return { accessToken: access, refreshToken: typeof refresh === 'string' ? refresh : '' };
  } catch {
    // A cookie that is not a session is no session; the verifier never sees it.
    return undefined;
  }
}

function decodeBase64Url(text: string): string {
  return new TextDecoder().decode(base64url.decode(text));
}
