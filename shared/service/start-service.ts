import type { AnyElysia } from "elysia";
import packageJson from "../../package.json" with { type: "json" };
import { ConfigError, type Env, type LogLevel } from "../config/config";
import { type Database, databaseUrlForDisplay, openDatabase } from "../database/database";
import { applyMigrations, type EmbeddedMigration, migrationsTable } from "../database/migrations";
import { createLogger, type Logger } from "../logging/logger";
import { type CpuProfiler, createCpuProfiler } from "../profiling/cpu-profiler";
import { PROFILE_PATH } from "../profiling/routes";
import { instrumentLibsqlClient, startTelemetry, type Telemetry } from "../telemetry";
import { type Serving, serve } from "./lifecycle";
import { createServiceApp, type Readiness } from "./service-app";

/** Configuration every service has (see `commonSpec`). */
export interface CommonConfig {
  PORT: number;
  HOST: string;
  ADMIN_PORT: number | undefined;
  ADMIN_HOST: string | undefined;
  DATABASE_URL: string;
  DATABASE_AUTH_TOKEN: string;
  UPSTREAM_TIMEOUT_MS: number;
  SHUTDOWN_GRACE_MS: number;
  BODY_LIMIT_BYTES: number;
  LOG_LEVEL: LogLevel;
  DEPLOY_ENV: string;
}

export interface ServiceDeps<C, S extends Record<string, unknown>> {
  config: C;
  log: Logger;
  database: Database<S>;
  telemetry: Telemetry;
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
export const SERVICE_VERSION: string = packageJson.version;

/** Builds the full app (shared base + the service's routes) for given dependencies; used by main and tests. */
export function buildApp<C extends CommonConfig, S extends Record<string, unknown>>(
  definition: ServiceDefinition<C, S>,
  deps: ServiceDeps<C, S>,
  readiness: Readiness = { draining: false, check: () => deps.database.ping(READY_TIMEOUT_MS) },
  profiler: CpuProfiler = createCpuProfiler(deps.telemetry.spanTimeline, undefined, deps.telemetry.identity),
) {
  const base = createServiceApp({
    name: definition.name,
    bodyLimitBytes: deps.config.BODY_LIMIT_BYTES,
    log: deps.log,
    readiness,
    metrics: deps.telemetry.prometheus,
    profiler,
  });
  return { app: base.use(definition.routes(deps)), facts: base.facts };
}

function fail(service: string, message: string): never {
  process.stderr.write(`${service}: ${message}\n`);
  process.exit(1);
}

/** Parses config, or exits with one line naming what is wrong. */
function configure<T>(service: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ConfigError) fail(service, error.message);
    throw error;
  }
}

/**
 * The whole start-up, top to bottom: config → telemetry → logger → database + migrations → app → listen. On
 * shutdown: drain, close the database, then flush telemetry (so the last spans and logs are not lost).
 */
export async function startService<C extends CommonConfig, S extends Record<string, unknown>>(
  definition: ServiceDefinition<C, S>,
  env: Env,
): Promise<Serving> {
  const config = configure(definition.name, () => definition.parseConfig(env));
  const telemetry = configure(definition.name, () =>
    startTelemetry(definition.name, SERVICE_VERSION, env, config.DEPLOY_ENV),
  );
  const log = createLogger(definition.name, config.LOG_LEVEL, telemetry.logSink);
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
    fail(
      definition.name,
      `database ${databaseUrlForDisplay(config.DATABASE_URL)} unusable: ${(error as Error).message}`,
    );
  }
  // Instrumented after migrating, so start-up statements do not open traces of their own.
  instrumentLibsqlClient(
    database.client,
    telemetry.tracer,
    config.DATABASE_URL.startsWith("file:") ? undefined : new URL(config.DATABASE_URL),
  );

  const readiness: Readiness = { draining: false, check: () => database.ping(READY_TIMEOUT_MS) };
  const profiler = createCpuProfiler(telemetry.spanTimeline, undefined, telemetry.identity);
  const { app, facts } = buildApp(definition, { config, log, database, telemetry }, readiness, profiler);
  const handler = telemetry.instrumentServer(async (request) => app.fetch(request), facts, log);
  return serve({
    handler,
    port: config.PORT,
    hostname: config.HOST,
    // Bun answers a declared body over its own cap with a bare 413 (no JSON) before any of our code runs, so that
    // cap is put out of reach: BODY_LIMIT_BYTES applies in the app (JSON 413, declared or streamed), and bodies are
    // never buffered past it (unread ones are discarded as they arrive).
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    longRunningPaths: [PROFILE_PATH],
    admin:
      config.ADMIN_PORT === undefined
        ? undefined
        : { port: config.ADMIN_PORT, hostname: config.ADMIN_HOST ?? config.HOST },
    graceMs: config.SHUTDOWN_GRACE_MS,
    log,
    readiness,
    closers: [() => database.close(), () => telemetry.shutdown()],
  });
}
