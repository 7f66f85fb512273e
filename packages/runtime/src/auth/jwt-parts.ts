import { base64url } from 'jose';
import { TokenMalformedError } from './errors.ts';

/** The protected header and claims of a compact JWS, decoded but NOT verified. */
export interface DecodedJwt {
  header: Readonly<Record<string, unknown>>;
  payload: Readonly<Record<string, unknown>>;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Deepest JSON nesting accepted in a header or payload. Claims are walked recursively later (JSON.stringify
 * for `request.jwt.claims`, error messages): a token nesting thousands of levels would overflow the stack.
 */
export const MAX_JSON_DEPTH = 32;
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits and decodes a compact JWS without verifying it — only to pick the issuer's verifier.
 * Strict: three non-empty base64url parts (no padding), JSON objects, no `crit` or `b64` header
 * (supa2aws recognises no extensions, so RFC 7515 §4.1.11 says reject), and a length limit.
 */
export function decodeJwtUnverified(token: string, maxLength: number): DecodedJwt {
  if (token.length > maxLength) {
    throw new TokenMalformedError(`Token is ${token.length} characters long. Expected at most ${maxLength}`);
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new TokenMalformedError(
      `Token has ${parts.length} dot-separated parts. Expected 3 (header.payload.signature)`,
    );
  }
  const [h, p, s] = parts as [string, string, string];
  // The signature segment is decoded (strictly) by jose; an empty one is let through here so that
  // `alg: none` tokens are refused as such (AUTH_TOKEN_ALG).
  if (s !== '' && !BASE64URL.test(s)) {
    throw new TokenMalformedError('Token signature is not base64url. Expected unpadded base64url characters');
  }
  const header = decodeJsonObject(h, 'header');
  const payload = decodeJsonObject(p, 'payload');
  if ('crit' in header) {
    throw new TokenMalformedError('Token header has a "crit" parameter. Expected no critical extensions');
  }
  if ('b64' in header) {
    throw new TokenMalformedError('Token header has a "b64" parameter. Expected a plain JWS (RFC 7515)');
  }
  return { header, payload };
}

function decodeJsonObject(part: string, name: string): Record<string, unknown> {
  // Base64 decoders skip or refuse unknown characters, each its own way: check the alphabet first.
  if (!BASE64URL.test(part) || part.length % 4 === 1) {
    throw new TokenMalformedError(`Token ${name} is not base64url. Expected unpadded base64url characters`);
  }
  let value: unknown;
  try {
    // jose's decoder, not Buffer: Buffer is no global on the Edge runtime (Next.js middleware).
    const text = decoder.decode(base64url.decode(part));
    const depth = jsonDepth(text);
    if (depth > MAX_JSON_DEPTH) {
      throw new TokenMalformedError(
        `Token ${name} nests ${depth} levels deep. Expected at most ${MAX_JSON_DEPTH}`,
      );
    }
    value = JSON.parse(text);
  } catch (error) {
    if (error instanceof TokenMalformedError) throw error;
    throw new TokenMalformedError(
      `Token ${name} is not UTF-8 JSON. Expected a base64url-encoded JSON object`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenMalformedError(`Token ${name} is JSON but not an object. Expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** The deepest nesting of arrays and objects in JSON text, counted without recursion. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}
