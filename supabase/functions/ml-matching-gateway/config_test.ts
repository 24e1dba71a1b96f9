import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

const env = (values: Record<string, string>) => (name: string) => values[name];

Deno.test("defaults: 5 s timeout, 1 h cache, audience authenticated, fallback off", () => {
  const config = loadConfig(env({ ML_SERVICE_URL: "http://127.0.0.1:8000/" }));
  assert.equal(config.mlServiceUrl, "http://127.0.0.1:8000");
  assert.equal(config.mlTimeoutMs, 5000);
  assert.equal(config.cacheTtlSeconds, 3600);
  assert.equal(config.jwtAudience, "authenticated");
  assert.equal(config.jwtSecret, null);
  assert.equal(config.databaseUrl, null);
  assert.equal(config.port, null);
  assert.deepEqual(config.corsOrigins, ["*"]);
  assert.equal(config.embeddingModelId, "all-MiniLM-L6-v2", "the service's default model id");
});

Deno.test("values are read and checked", () => {
  const config = loadConfig(env({
    ML_SERVICE_URL: "https://ml.example/",
    ML_TIMEOUT_MS: "750",
    CACHE_TTL_SECONDS: "0",
    SUPABASE_JWT_SECRET: "s3cret",
    JWT_AUDIENCE: "aud",
    DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/test",
    CORS_ALLOWED_ORIGINS: "https://a.example, https://b.example",
    PORT: "0",
    EMBEDDING_MODEL_ID: " other-model ",
  }));
  assert.equal(config.mlTimeoutMs, 750);
  assert.equal(config.cacheTtlSeconds, 0);
  assert.equal(config.jwtSecret, "s3cret");
  assert.equal(config.jwtAudience, "aud");
  assert.deepEqual(config.corsOrigins, ["https://a.example", "https://b.example"]);
  assert.equal(config.port, 0);
  assert.equal(config.embeddingModelId, "other-model");
});

Deno.test("fallback names: JWT_SECRET and the runtime's SUPABASE_DB_URL", () => {
  const config = loadConfig(env({
    ML_SERVICE_URL: "http://x",
    JWT_SECRET: "legacy",
    SUPABASE_DB_URL: "postgresql://db/postgres",
  }));
  assert.equal(config.jwtSecret, "legacy");
  assert.equal(config.databaseUrl, "postgresql://db/postgres");
  const preferred = loadConfig(env({
    ML_SERVICE_URL: "http://x",
    SUPABASE_JWT_SECRET: "supabase",
    JWT_SECRET: "legacy",
    DATABASE_URL: "postgresql://own/db",
    SUPABASE_DB_URL: "postgresql://db/postgres",
  }));
  assert.equal(preferred.jwtSecret, "supabase");
  assert.equal(preferred.databaseUrl, "postgresql://own/db");
});

Deno.test("a bad value fails start-up, naming the variable", () => {
  assert.throws(() => loadConfig(env({})), /ML_SERVICE_URL/);
  assert.throws(() => loadConfig(env({ ML_SERVICE_URL: "ftp://x" })), ConfigError);
  for (const bad of ["0", "-5", "1.5", "soon", "600001"]) {
    assert.throws(
      () => loadConfig(env({ ML_SERVICE_URL: "http://x", ML_TIMEOUT_MS: bad })),
      /ML_TIMEOUT_MS/,
    );
  }
  assert.throws(
    () => loadConfig(env({ ML_SERVICE_URL: "http://x", CACHE_TTL_SECONDS: "-1" })),
    /CACHE_TTL_SECONDS/,
  );
});
