import { Elysia } from "elysia";
import { createUpstream } from "../shared/http/upstream";
import type { ServiceDefinition } from "../shared/service/start-service";
import { createCatalog } from "./catalog/catalog";
import { catalogRoutes } from "./catalog/routes";
import { items } from "./catalog/schema";
import { chainRoutes } from "./chain/routes";
import { firstConfig } from "./config";
import { migrations } from "./db/migrations.gen";
import { fibRoutes } from "./fib/routes";

const schema = { items };

export const firstService: ServiceDefinition<typeof firstConfig, typeof schema> = {
  name: "first",
  config: firstConfig,
  schema,
  migrations,
  // second is ours: it joins first's traces.
  ownedHosts: (config) => [new URL(config.SECOND_URL).host],
  routes: ({ config, database, telemetry }) => {
    const second = createUpstream({
      name: "second",
      baseUrl: config.SECOND_URL,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      fetch: telemetry.fetch,
    });
    const { tracer, meter } = telemetry;
    return new Elysia({ name: "first-routes" })
      .use(chainRoutes(second, config.CHAIN_SLEEP_MAX_MS, tracer, meter, config.DEPLOY_ENV))
      .use(fibRoutes(config.FIB_MAX_N, tracer))
      .use(catalogRoutes(createCatalog(database.db, second)));
  },
};
