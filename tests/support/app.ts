import { join } from "node:path";
import { openDatabase } from "../../shared/database/database";
import { applyMigrations, migrationsTable } from "../../shared/database/migrations";
import { createLogger } from "../../shared/logging/logger";
import {
  buildApp,
  type CommonConfig,
  SERVICE_VERSION,
  type ServiceDefinition,
} from "../../shared/service/start-service";
import { startTelemetry } from "../../shared/telemetry";
import { emptyDir } from "./processes";

/**
 * A service's full app, as main builds it, on a fresh libSQL file with migrations applied; for
 * `app.handle(new Request("http://localhost/..."))` tests.
 */
export async function appUnderTest<C extends CommonConfig, S extends Record<string, unknown>>(
  definition: ServiceDefinition<C, S>,
  env: Record<string, string> = {},
) {
  const config = definition.parseConfig({ DATABASE_URL: `file:${join(emptyDir(), "test.db")}`, ...env });
  const database = openDatabase(config.DATABASE_URL, config.DATABASE_AUTH_TOKEN, definition.schema);
  await applyMigrations(database.client, definition.migrations, migrationsTable(definition.name));
  const telemetry = startTelemetry(definition.name, SERVICE_VERSION, { OTEL_SDK_DISABLED: "true" }, config.DEPLOY_ENV);
  const { app } = buildApp(definition, { config, log: createLogger(definition.name, "silent"), database, telemetry });
  return { app, config, database };
}

export const jsonRequest = (method: string, path: string, body: unknown) =>
  new Request(`http://localhost${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
