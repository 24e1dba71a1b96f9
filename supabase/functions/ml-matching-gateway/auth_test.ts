import assert from "node:assert/strict";
import {
  bearerToken,
  roleFromClaims,
  unverifiedExpiry,
  verifyHs256,
  type VerifyOptions,
} from "./auth.ts";
import { AUDIENCE, mintToken, SECRET, unsignedToken } from "./testing.ts";

const SUB = "5f0c1e9a-2b7d-4c3e-8f6a-1b2c3d4e5f60";
const OPTIONS = { secret: SECRET, audience: AUDIENCE };

async function reason(token: string, options: Partial<VerifyOptions> = {}): Promise<string> {
  const result = await verifyHs256(token, { ...OPTIONS, ...options });
  assert.equal(result.ok, false, "token should have been refused");
  return result.ok ? "" : result.reason;
}

Deno.test("a valid token yields its sub and app_metadata role", async () => {
  const token = await mintToken({ sub: SUB.toUpperCase(), role: "company" });
  const result = await verifyHs256(token, OPTIONS);
  assert.ok(result.ok);
  assert.deepEqual(result.principal, { sub: SUB, role: "company" });
});

Deno.test("an expired token is refused (beyond the leeway only)", async () => {
  const token = await mintToken({ sub: SUB, expiresIn: -120 });
  assert.match(await reason(token), /expired/);
  assert.match(await reason(token, { leewaySeconds: 60 }), /expired/);
  const ok = await verifyHs256(token, { ...OPTIONS, leewaySeconds: 300 });
  assert.ok(ok.ok, "within the leeway");
});

Deno.test("a token without exp is refused", async () => {
  assert.match(await reason(await mintToken({ sub: SUB, expiresIn: null })), /exp/);
});

Deno.test("a token that is not valid yet (nbf) is refused", async () => {
  assert.match(await reason(await mintToken({ sub: SUB, nbfIn: 600 })), /not yet valid/);
});

Deno.test("a wrong or missing audience is refused", async () => {
  assert.match(await reason(await mintToken({ sub: SUB, aud: "anon" })), /audience/);
  assert.match(await reason(await mintToken({ sub: SUB, aud: null })), /aud/);
  assert.match(
    await reason(await mintToken({ sub: SUB }), { audience: "something-else" }),
    /audience/,
  );
  const listed = await verifyHs256(await mintToken({ sub: SUB, aud: ["x", AUDIENCE] }), OPTIONS);
  assert.ok(listed.ok, "an aud list containing the audience is accepted");
});

Deno.test("alg none, other algorithms and missing signatures are refused", async () => {
  const claims = {
    sub: SUB,
    aud: AUDIENCE,
    exp: Math.floor(Date.now() / 1000) + 600,
    app_metadata: { role: "admin" },
  };
  for (const alg of ["none", "None", "HS384", "HS512", "RS256", "ES256", undefined]) {
    assert.match(await reason(unsignedToken({ alg, typ: "JWT" }, claims)), /algorithm/);
  }
  // HS256 header, but the signature is missing or not ours.
  assert.match(await reason(unsignedToken({ alg: "HS256" }, claims)), /signature/);
  const good = await mintToken({ sub: SUB, role: "talent" });
  const [h, , s] = good.split(".");
  const tampered = `${h}.${unsignedToken({}, claims).split(".")[1]}.${s}`;
  assert.match(await reason(tampered), /bad signature/);
});

Deno.test("a token signed with another secret is refused", async () => {
  const token = await mintToken({ sub: SUB, secret: "another-secret-of-sufficient-length-000" });
  assert.match(await reason(token), /bad signature/);
  assert.match(await reason(await mintToken({ sub: SUB }), { secret: "" }), /no secret/);
});

Deno.test("the role comes from app_metadata only, never user_metadata", async () => {
  const token = await mintToken({
    sub: SUB,
    role: null,
    extra: { user_metadata: { role: "admin" }, role: "service_role" },
  });
  const result = await verifyHs256(token, OPTIONS);
  assert.ok(result.ok);
  assert.equal(result.principal.role, null);
  assert.equal(roleFromClaims({ app_metadata: { role: "admin" } }), "admin");
  assert.equal(roleFromClaims({ app_metadata: { role: "superuser" } }), null);
  assert.equal(roleFromClaims({ app_metadata: "admin" }), null);
  assert.equal(roleFromClaims({ role: "admin" }), null);
});

Deno.test("sub must be a user id; issuer checked when configured", async () => {
  assert.match(await reason(await mintToken({ sub: "service" })), /sub/);
  const token = await mintToken({ sub: SUB, extra: { iss: "https://x.supabase.co/auth/v1" } });
  assert.ok((await verifyHs256(token, { ...OPTIONS, issuer: "https://x.supabase.co/auth/v1" })).ok);
  assert.match(
    await reason(token, { issuer: "https://y.supabase.co/auth/v1" }),
    /issuer/,
  );
});

Deno.test("malformed and oversized tokens are refused", async () => {
  for (const token of ["", "a.b", "a.b.c.d", "!!!.???.***", "eyJ.eyJ.sig"]) {
    assert.ok(!(await verifyHs256(token, OPTIONS)).ok, token);
  }
  assert.match(await reason("a".repeat(9000)), /too large/);
});

Deno.test("bearerToken reads only a well-formed Bearer header", () => {
  assert.equal(bearerToken("Bearer abc.def.ghi"), "abc.def.ghi");
  assert.equal(bearerToken("bearer abc"), "abc");
  for (const bad of [null, "", "Bearer", "Bearer ", "Basic abc", "Bearer a b", "abc"]) {
    assert.equal(bearerToken(bad), null, String(bad));
  }
});

Deno.test("unverifiedExpiry reads exp or gives null", async () => {
  const token = await mintToken({ sub: SUB, expiresIn: 60 });
  const exp = unverifiedExpiry(token);
  assert.ok(exp !== null && Math.abs(exp - (Date.now() / 1000 + 60)) < 5);
  assert.equal(unverifiedExpiry("not-a-token"), null);
  assert.equal(unverifiedExpiry(await mintToken({ sub: SUB, expiresIn: null })), null);
});
