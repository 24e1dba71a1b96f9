import assert from "node:assert/strict";
import { cacheKey, sha256Hex, TtlCache } from "./cache.ts";
import type { MatchRequest } from "./types.ts";

const REQUEST: MatchRequest = {
  type: "talent-to-jobs",
  subjectId: "3f1c2a9e-8a57-4d0e-9b1a-2f5f3f0f4c11",
  limit: 10,
  minScore: 0,
};
const ENTRY = { status: 200, body: '{"matches":[]}', headers: {} };

function clock(start = 1_000_000) {
  const c = { now: start, read: () => c.now };
  return c;
}

Deno.test("different tokens never share a cache key", async () => {
  const a = await cacheKey(REQUEST, "token-a");
  const b = await cacheKey(REQUEST, "token-b");
  assert.notEqual(a, b);
  assert.equal(a, await cacheKey({ ...REQUEST }, "token-a"));
});

Deno.test("the key holds a hash of the token, not the token", async () => {
  const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
  const key = await cacheKey(REQUEST, token);
  assert.ok(!key.includes(token));
  assert.ok(key.endsWith(await sha256Hex(token)));
  assert.equal(
    await sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("every request parameter is part of the key", async () => {
  const base = await cacheKey(REQUEST, "t");
  const variants: MatchRequest[] = [
    { ...REQUEST, type: "job-to-talents" },
    { ...REQUEST, subjectId: "9b0f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b" },
    { ...REQUEST, limit: 11 },
    { ...REQUEST, minScore: 0.5 },
  ];
  const keys = await Promise.all(variants.map((v) => cacheKey(v, "t")));
  assert.equal(new Set([base, ...keys]).size, 5);
});

Deno.test("a caller with another token misses what the first one cached", async () => {
  const cache = new TtlCache(60_000);
  cache.set(await cacheKey(REQUEST, "token-a"), ENTRY);
  assert.deepEqual(cache.get(await cacheKey(REQUEST, "token-a")), ENTRY);
  assert.equal(cache.get(await cacheKey(REQUEST, "token-b")), undefined);
});

Deno.test("entries expire after the TTL", () => {
  const c = clock();
  const cache = new TtlCache(1000, 10, c.read);
  cache.set("k", ENTRY);
  c.now += 999;
  assert.ok(cache.get("k"));
  c.now += 1;
  assert.equal(cache.get("k"), undefined);
  assert.equal(cache.size, 0);
});

Deno.test("an entry never outlives the token it was fetched with", () => {
  const c = clock();
  const cache = new TtlCache(3_600_000, 10, c.read);
  cache.set("k", ENTRY, c.now + 5000);
  c.now += 5000;
  assert.equal(cache.get("k"), undefined);
  cache.set("expired", ENTRY, c.now - 1);
  assert.equal(cache.get("expired"), undefined);
});

Deno.test("a TTL of 0 disables the cache", () => {
  const cache = new TtlCache(0);
  cache.set("k", ENTRY);
  assert.equal(cache.get("k"), undefined);
});

Deno.test("the cache is bounded: the oldest entry goes first", () => {
  const c = clock();
  const cache = new TtlCache(60_000, 2, c.read);
  cache.set("a", ENTRY);
  cache.set("b", ENTRY);
  cache.set("a", ENTRY); // refreshed: now the newest
  cache.set("c", ENTRY);
  assert.equal(cache.size, 2);
  assert.equal(cache.get("b"), undefined);
  assert.ok(cache.get("a") && cache.get("c"));
});

Deno.test("filters, cursor and view are part of the key", async () => {
  const base = await cacheKey(REQUEST, "t");
  const variants: MatchRequest[] = [
    { ...REQUEST, filters: { remote: ["remote"] } },
    { ...REQUEST, filters: { remote: ["hybrid"] } },
    { ...REQUEST, cursor: "abc.defghijklmnopqrs" },
    { ...REQUEST, view: "compact" },
  ];
  const keys = await Promise.all(variants.map((v) => cacheKey(v, "t")));
  assert.equal(new Set([base, ...keys]).size, 5);
  assert.equal(await cacheKey({ ...REQUEST, view: "full" }, "t"), base);
});
