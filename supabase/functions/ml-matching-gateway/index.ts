/**
 * Supabase Edge Function `ml-matching-gateway`: the entry point. Reads the environment once
 * into a Config, builds the handler with its dependencies and serves it.
 *
 * Locally: `deno run --allow-net --allow-env index.ts` (PORT / LISTEN_HOST choose where to
 * listen); on Supabase (`supabase functions serve` / deploy) the runtime picks the port.
 */

import { loadConfig } from "./config.ts";
import { PostgresDataSource } from "./db.ts";
import { TtlCache } from "./cache.ts";
import { createHandler, jsonLogger } from "./handler.ts";

const config = loadConfig((name) => Deno.env.get(name));

const handler = createHandler({
  config,
  cache: new TtlCache(config.cacheTtlSeconds * 1000, config.cacheMaxEntries),
  data: config.databaseUrl === null
    ? null
    : PostgresDataSource.connect(config.databaseUrl, config.embeddingModelId),
  log: jsonLogger,
});

jsonLogger({
  level: "info",
  event: "ml_gateway_config",
  ml_service_url: config.mlServiceUrl,
  ml_timeout_ms: config.mlTimeoutMs,
  cache_ttl_seconds: config.cacheTtlSeconds,
  fallback: config.jwtSecret !== null && config.databaseUrl !== null ? "enabled" : "disabled",
});

if (config.port === null) {
  Deno.serve(handler);
} else {
  Deno.serve({
    port: config.port,
    hostname: config.hostname,
    onListen: ({ hostname, port }) =>
      jsonLogger({ level: "info", event: "ml_gateway_listening", hostname, port }),
  }, handler);
}
