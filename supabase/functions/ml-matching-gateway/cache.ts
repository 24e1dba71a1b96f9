/**
 * An in-memory TTL cache of successful ML responses, bounded in size.
 *
 * Keys are built by `cacheKey` from the normalised request parameters AND the SHA-256 of the
 * bearer token, so a response is only ever served again to a request carrying the very same
 * token: another caller (or the same user with a new token, e.g. after a role change) misses.
 * An entry never outlives the token it was fetched with: its expiry is the earlier of
 * `now + ttl` and the token's `exp`, so a cache hit cannot extend an expired token's reach.
 */

import type { MatchRequest } from "./types.ts";

export interface CacheEntry {
  status: number;
  body: string;
  headers: Record<string, string>;
}

interface Stored {
  value: CacheEntry;
  expiresAt: number;
}

export class TtlCache {
  readonly #entries = new Map<string, Stored>();

  constructor(
    readonly ttlMs: number,
    readonly maxEntries = 1000,
    readonly clock: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): CacheEntry | undefined {
    const stored = this.#entries.get(key);
    if (stored === undefined) return undefined;
    if (this.clock() >= stored.expiresAt) {
      this.#entries.delete(key);
      return undefined;
    }
    return stored.value;
  }

  /** Store `value` until `now + ttl`, or until `notAfterMs` when that is earlier. */
  set(key: string, value: CacheEntry, notAfterMs?: number | null): void {
    if (this.ttlMs <= 0) return;
    const now = this.clock();
    const expiresAt = Math.min(now + this.ttlMs, notAfterMs ?? Infinity);
    if (expiresAt <= now) return;
    this.#entries.delete(key); // re-insert at the end: Map order is the eviction order
    this.#entries.set(key, { value, expiresAt });
    this.#evict(now);
  }

  clear(): void {
    this.#entries.clear();
  }

  #evict(now: number): void {
    if (this.#entries.size <= this.maxEntries) return;
    for (const [key, stored] of this.#entries) {
      if (stored.expiresAt <= now) this.#entries.delete(key);
    }
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The cache key of a validated request made with `token` (the token itself is not kept). */
export async function cacheKey(request: MatchRequest, token: string): Promise<string> {
  // Filters, cursor and view change the answer too; validation fixed the filters' key order.
  const params = [
    request.type,
    request.subjectId,
    request.limit,
    request.minScore,
    JSON.stringify(request.filters ?? null),
    request.cursor ?? "",
    request.view ?? "full",
  ].join("|");
  return `${params}|${await sha256Hex(token)}`;
}
