import assert from "node:assert/strict";
import { TokenBuckets } from "./ratelimit.ts";

Deno.test("a bucket allows its burst, then refuses with the wait until a token is back", () => {
  const clock = { now: 0 };
  const buckets = new TokenBuckets(2, 6, () => clock.now); // one token per 10 s
  assert.deepEqual(
    [buckets.take("a").allowed, buckets.take("a").allowed, buckets.take("a").allowed],
    [true, true, false],
  );
  assert.equal(buckets.take("a").retryAfterSeconds, 10);
  assert.equal(buckets.take("b").allowed, true, "another caller has its own bucket");
  clock.now += 10_000;
  assert.equal(buckets.take("a").allowed, true);
  assert.equal(buckets.take("a").allowed, false);
});

Deno.test("the bucket map is bounded: the caller idle longest is forgotten", () => {
  const clock = { now: 0 };
  const buckets = new TokenBuckets(1, 1, () => clock.now, 2);
  buckets.take("a");
  buckets.take("b");
  buckets.take("c"); // evicts a
  assert.equal(buckets.take("a").allowed, true, "a starts again with a full bucket");
  assert.equal(buckets.take("c").allowed, false);
});
