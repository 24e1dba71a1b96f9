/**
 * The fallback path's rate limit: one token bucket per caller (the verified token's `sub`),
 * in this isolate's memory.
 *
 * The fallback runs when the ML service is down or slow, which is exactly when nothing else
 * limits callers (the service's own limiter is behind the outage), and each fallback answer
 * reads up to FALLBACK_MAX_CANDIDATES rows from Postgres. Per isolate is enough for that job:
 * the runtime starts few isolates, and a shared store would add a dependency that can itself
 * be down during the outage. The map is bounded; when full, the bucket idle longest goes.
 */

export interface BucketDecision {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until one token is back (0 when allowed). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();

  /**
   * @param capacity burst: requests a caller may make at once
   * @param refillPerMinute sustained requests per minute
   * @param now monotonic milliseconds
   */
  constructor(
    readonly capacity: number,
    readonly refillPerMinute: number,
    readonly now: () => number = () => performance.now(),
    readonly maxKeys = 10_000,
  ) {}

  take(key: string): BucketDecision {
    const at = this.now();
    const perMs = this.refillPerMinute / 60_000;
    const previous = this.#buckets.get(key);
    const tokens = previous === undefined
      ? this.capacity
      : Math.min(this.capacity, previous.tokens + (at - previous.at) * perMs);
    this.#buckets.delete(key); // re-inserted below: the Map's order is least recently used first
    if (this.#buckets.size >= this.maxKeys) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    if (tokens >= 1) {
      this.#buckets.set(key, { tokens: tokens - 1, at });
      return { allowed: true, remaining: Math.floor(tokens - 1), retryAfterSeconds: 0 };
    }
    this.#buckets.set(key, { tokens, at });
    const waitMs = perMs > 0 ? (1 - tokens) / perMs : 60_000;
    return {
      allowed: false,
      remaining: 0,
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
    };
  }
}
