import type { AnyElysia } from "elysia";
import { ConfigError, type Env, type LogLevel } from "./config";
import { type Database, openDatabase } from "./database";
import { type Serving, serve } from "./lifecycle";
import { createLogger, type Logger } from "./logger";
import { applyMigrations, type EmbeddedMigration, migrationsTable } from "./migrations";
import { createServiceApp, type Readiness } from "./service-app";

/** Configuration every service has (see `commonSpec`). */
export interface CommonConfig {
  PORT: number;
  HOST: string;
  DATABASE_URL: string;
  DATABASE_AUTH_TOKEN: string;
  UPSTREAM_TIMEOUT_MS: number;
  SHUTDOWN_GRACE_MS: number;
  BODY_LIMIT_BYTES: number;
  LOG_LEVEL: LogLevel;
}

export interface ServiceDeps<C, S extends Record<string, unknown>> {
  config: C;
  log: Logger;
  database: Database<S>;
}

/** What a service contributes; everything else about running it is the same for every service. */
export interface ServiceDefinition<C extends CommonConfig, S extends Record<string, unknown>> {
  name: string;
  parseConfig(env: Env): C;
  schema: S;
  migrations: readonly EmbeddedMigration[];
  /** The service's own routes, as an Elysia plugin. */
  routes(deps: ServiceDeps<C, S>): AnyElysia;
}

const READY_TIMEOUT_MS = 2000;

/** Builds the full app (shared base + the service's routes) for given dependencies; used by main and tests. */
export function buildApp<C extends CommonConfig, S extends Record<string, unknown>>(
  definition: ServiceDefinition<C, S>,
  deps: ServiceDeps<C, S>,
  readiness: Readiness = { draining: false, check: () => deps.database.ping(READY_TIMEOUT_MS) },
) {
  return createServiceApp({
    name: definition.name,
    bodyLimitBytes: deps.config.BODY_LIMIT_BYTES,
    log: deps.log,
    readiness,
  }).use(definition.routes(deps));
}

function fail(service: string, message: string): never {
  process.stderr.write(`${service}: ${message}\n`);
  process.exit(1);
}

/** The whole start-up, top to bottom: config → logger → database + migrations → app → listen. */
export async function startService<C extends CommonConfig, S extends Record<string, unknown>>(
  definition: ServiceDefinition<C, S>,
  env: Env,
): Promise<Serving> {
  let config: C;
  try {
    config = definition.parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) fail(definition.name, error.message);
    throw error;
  }
  const log = createLogger(definition.name, config.LOG_LEVEL);
  const database = openDatabase(
    config.DATABASE_URL,
    config.DATABASE_AUTH_TOKEN,
    definition.schema,
    config.UPSTREAM_TIMEOUT_MS,
  );
  try {
    const applied = await applyMigrations(database.client, definition.migrations, migrationsTable(definition.name));
    if (applied.length > 0) log.info({ migrations: applied }, "database migrated");
  } catch (error) {
    fail(definition.name, `database ${redactUrl(config.DATABASE_URL)} unusable: ${(error as Error).message}`);
  }
  const readiness: Readiness = { draining: false, check: () => database.ping(READY_TIMEOUT_MS) };
  const app = buildApp(definition, { config, log, database }, readiness);
  return serve({
    app,
    port: config.PORT,
    hostname: config.HOST,
    graceMs: config.SHUTDOWN_GRACE_MS,
    log,
    readiness,
    closers: [() => database.close()],
  });
}

/** Drops credentials and query (which may carry authToken) from a URL before it is printed. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.protocol === "file:") return `file:${raw.slice(5).split("?")[0]}`;
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}
