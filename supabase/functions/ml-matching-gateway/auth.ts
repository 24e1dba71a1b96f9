/**
 * HS256 JWT verification with the Web Crypto API, for the fallback path only.
 *
 * On the ML path the gateway forwards the bearer token unchanged and the ML service
 * verifies it. When the gateway answers by itself (fallback) nobody else checks the token,
 * so it does what the service's TokenVerifier does for the legacy secret:
 *   - the algorithm is pinned to HS256 (`none`, HS384/512, RS256/ES256 are refused: no
 *     algorithm is ever taken from the token to pick a key);
 *   - the signature is checked with `crypto.subtle.verify` (constant time);
 *   - `exp` and `aud` are required (`aud` must be / contain the configured audience), `nbf`
 *     is honoured, `iss` is required when an issuer is configured, `sub` must be a UUID;
 *   - the application role comes from `app_metadata.role` only. `user_metadata` is writable
 *     by the user and is never read; the top-level `role` is the Postgres role.
 * Reasons are for logs; clients only ever see a generic 401.
 */

import { ROLES } from "./enums.ts";
import type { Principal, Role } from "./types.ts";

export const MAX_TOKEN_BYTES = 8192;
const ROLE_SET: ReadonlySet<string> = new Set(ROLES);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const B64URL = /^[A-Za-z0-9_-]*$/;

export interface VerifyOptions {
  secret: string;
  audience: string;
  issuer?: string | null;
  leewaySeconds?: number;
  /** Seconds since the epoch; injectable for tests. */
  nowSeconds?: number;
}

export type Verified =
  | { ok: true; principal: Principal; claims: Record<string, unknown> }
  | { ok: false; reason: string };

export function base64UrlDecode(part: string): Uint8Array<ArrayBuffer> {
  if (!B64URL.test(part) || part.length % 4 === 1) throw new Error("not base64url");
  const padded = part.replaceAll("-", "+").replaceAll("_", "/") +
    "=".repeat((4 - (part.length % 4)) % 4);
  const binary = atob(padded);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function decodeJson(part: string): unknown {
  return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(base64UrlDecode(part)));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (key === undefined) {
    key = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"],
    );
    keyCache.clear(); // one secret per process; never grows
    keyCache.set(secret, key);
  }
  return key;
}

/** Our application role from verified claims: `app_metadata.role`, nothing else. */
export function roleFromClaims(claims: Record<string, unknown>): Role | null {
  const appMetadata = claims.app_metadata;
  if (!isRecord(appMetadata)) return null;
  const role = appMetadata.role;
  return typeof role === "string" && ROLE_SET.has(role) ? role as Role : null;
}

function audienceMatches(aud: unknown, expected: string): boolean {
  if (typeof aud === "string") return aud === expected;
  if (Array.isArray(aud)) return aud.some((a) => a === expected);
  return false;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

export async function verifyHs256(token: string, options: VerifyOptions): Promise<Verified> {
  if (!options.secret) return { ok: false, reason: "no secret configured" };
  if (token.length > MAX_TOKEN_BYTES) return { ok: false, reason: "token too large" };
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "not a compact JWS" };
  const [headerPart, payloadPart, signaturePart] = parts;

  let header: unknown;
  let claims: unknown;
  let signature: Uint8Array<ArrayBuffer>;
  try {
    header = decodeJson(headerPart);
    claims = decodeJson(payloadPart);
    signature = base64UrlDecode(signaturePart);
  } catch {
    return { ok: false, reason: "malformed token" };
  }
  if (!isRecord(header)) return { ok: false, reason: "malformed header" };
  if (header.alg !== "HS256") {
    return { ok: false, reason: `algorithm ${JSON.stringify(header.alg)} is not accepted` };
  }
  if ("crit" in header) return { ok: false, reason: "crit header is not supported" };
  if (signature.length !== 32) return { ok: false, reason: "bad signature length" };

  const key = await hmacKey(options.secret);
  const signed = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
  const valid = await crypto.subtle.verify("HMAC", key, signature, signed);
  if (!valid) return { ok: false, reason: "bad signature" };

  if (!isRecord(claims)) return { ok: false, reason: "claims are not an object" };
  const now = options.nowSeconds ?? Date.now() / 1000;
  const leeway = options.leewaySeconds ?? 0;
  if (!isNumericDate(claims.exp)) return { ok: false, reason: "exp is required" };
  if (now > claims.exp + leeway) return { ok: false, reason: "token expired" };
  if (claims.nbf !== undefined) {
    if (!isNumericDate(claims.nbf)) return { ok: false, reason: "nbf is not a number" };
    if (now + leeway < claims.nbf) return { ok: false, reason: "token not yet valid" };
  }
  if (claims.aud === undefined) return { ok: false, reason: "aud is required" };
  if (!audienceMatches(claims.aud, options.audience)) {
    return { ok: false, reason: "wrong audience" };
  }
  if (options.issuer) {
    if (claims.iss !== options.issuer) return { ok: false, reason: "wrong issuer" };
  }
  const sub = claims.sub;
  if (typeof sub !== "string" || !UUID.test(sub)) {
    return { ok: false, reason: "sub is not a user id" };
  }
  return {
    ok: true,
    principal: { sub: sub.toLowerCase(), role: roleFromClaims(claims) },
    claims,
  };
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | null): string | null {
  if (!header) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/**
 * The `exp` claim of a token WITHOUT verifying it, or null. Only ever used to shorten how
 * long a cached response lives (an entry is keyed by the hash of this exact token, so a
 * forged `exp` can only shorten the forger's own entry); never to let anything through.
 */
export function unverifiedExpiry(token: string): number | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const claims = decodeJson(parts[1]);
    return isRecord(claims) && isNumericDate(claims.exp) ? claims.exp : null;
  } catch {
    return null;
  }
}
