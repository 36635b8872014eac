import { Elysia } from "elysia";
import { createUpstream } from "../shared/http/upstream";
import type { ServiceDefinition } from "../shared/service/start-service";
import { secondConfig } from "./config";
import { migrations } from "./db/migrations.gen";
import { httpbinRoutes } from "./httpbin/routes";
import { createInventory } from "./inventory/inventory";
import { inventoryRoutes } from "./inventory/routes";
import { stocks } from "./inventory/schema";

const schema = { stocks };

export const secondService: ServiceDefinition<typeof secondConfig, typeof schema> = {
  name: "second",
  config: secondConfig,
  schema,
  migrations,
  // HTTPBin is a third party: it gets no trace context or baggage.
  ownedHosts: () => [],
  routes: ({ config, database, telemetry }) => {
    const httpbin = createUpstream({
      name: "httpbin",
      baseUrl: config.HTTPBIN_URL,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      fetch: telemetry.fetch,
    });
    return new Elysia({ name: "second-routes" })
      .use(httpbinRoutes(httpbin, telemetry.meter))
      .use(inventoryRoutes(createInventory(database.db)));
  },
};
