import type { AnyElysia } from "elysia";
import packageJson from "../../package.json" with { type: "json" };
import { ConfigError, type ConfigOf, type Env, parseConfig, type ServiceSpec } from "../config/config";
import { type Database, databaseUrlForDisplay, openDatabase } from "../database/database";
import { applyMigrations, type EmbeddedMigration, migrationsTable } from "../database/migrations";
import { createLogger, type Logger } from "../logging/logger";
import { createCpuProfiler } from "../profiling/cpu-profiler";
import { PROFILE_PATH } from "../profiling/routes";
import { sampleIntervalMicros } from "../profiling/sample-rate";
import type { FetchHandler } from "../runtime/runtime";
import { instrumentLibsqlClient, startTelemetry, type Telemetry } from "../telemetry";
import { checkOtel, otelSpec, telemetrySettings } from "../telemetry/settings";
import { type Serving, serve } from "./lifecycle";
import { createServiceApp, type Readiness } from "./service-app";

export interface ServiceDeps<C, S extends Record<string, unknown>> {
  config: C;
  log: Logger;
  database: Database<S>;
  telemetry: Telemetry;
}

/** What a service contributes; everything else about running it is the same for every service. */
export interface ServiceDefinition<C extends ServiceSpec, S extends Record<string, unknown>> {
  name: string;
  /** Its settings: `serviceSpec(...)` plus its own variables. */
  config: C;
  schema: S;
  migrations: readonly EmbeddedMigration[];
  /** Hosts that receive our trace context when PROPAGATE_TO is unset (the services we own that it calls). */
  ownedHosts(config: ConfigOf<C>): string[];
  /** The service's own routes, as an Elysia plugin. */
  routes(deps: ServiceDeps<ConfigOf<C>, S>): AnyElysia;
}

/** A service ready to serve: the instrumented handler and what shutdown must close. */
export interface PreparedService<C extends ServiceSpec, S extends Record<string, unknown>> {
  config: ConfigOf<C>;
  log: Logger;
  database: Database<S>;
  telemetry: Telemetry;
  readiness: Readiness;
  /** socket → telemetry wrapper → app: what the listener calls, and what tests call. */
  handler: FetchHandler;
  /** Cut short when shutdown begins (the CPU profile in progress). */
  cutShort: Array<() => void>;
  /** Closes the database, then flushes telemetry (so the last spans and logs are not lost). */
  closers: Array<() => unknown>;
}

/** A start-up failure that is the operator's to fix: reported as one line, exit 1. */
export class StartupError extends Error {
  override name = "StartupError";
}

const READY_TIMEOUT_MS = 2000;
export const SERVICE_VERSION: string = packageJson.version;

/**
 * The whole start-up but listening, top to bottom: config (the service's and OpenTelemetry's, validated together)
 * → telemetry → logger → database + migrations → app → telemetry wrapper. Throws ConfigError or StartupError.
 */
export async function prepareService<C extends ServiceSpec, S extends Record<string, unknown>>(
  definition: ServiceDefinition<C, S>,
  env: Env,
): Promise<PreparedService<C, S>> {
  const { name } = definition;
  const all = parseConfig(env, { ...definition.config, ...otelSpec }, checkOtel);
  const config = all as unknown as ConfigOf<C>;
  const telemetry = startTelemetry(telemetrySettings(all, name), SERVICE_VERSION, config.DEPLOY_ENV, {
    traceContextFromClients: config.TRACE_CONTEXT_FROM_CLIENTS,
    propagateTo: config.PROPAGATE_TO ?? definition.ownedHosts(config),
  });
  const log = createLogger(name, config.LOG_LEVEL, telemetry.logSink);
  telemetry.useLogger(log);
  const database = openDatabase(config.DATABASE_URL, config.DATABASE_AUTH_TOKEN, definition.schema, {
    timeoutMs: config.DATABASE_TIMEOUT_MS,
    concurrency: config.DATABASE_CONCURRENCY,
  });
  try {
    const applied = await applyMigrations(database.client, definition.migrations, migrationsTable(name));
    if (applied.length > 0) log.info({ migrations: applied }, "database migrated");
  } catch (error) {
    await database.close();
    throw new StartupError(
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
  const profiler = createCpuProfiler(
    telemetry.spanTimeline,
    sampleIntervalMicros(config.CPU_PROFILE_HZ),
    telemetry.identity,
  );
  const app = createServiceApp({
    name,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    log,
    readiness,
    metrics: telemetry.prometheus,
    profiler,
    // The route is read by the telemetry wrapper: spans, metrics and the access line (written at info even when
    // the SDK is disabled).
    recordRoutes: !telemetry.settings.disabled || log.isLevelEnabled("info"),
  }).use(definition.routes({ config, log, database, telemetry }));
  const handler = telemetry.instrumentServer(async (request) => app.fetch(request), log);
  return {
    config,
    log,
    database,
    telemetry,
    readiness,
    handler,
    cutShort: [() => profiler.cutShort()],
    closers: [() => database.close(), () => telemetry.shutdown()],
  };
}

/**
 * Prepares the service and listens. A bad configuration or an unusable database exits 1 with one line on stderr.
 * On SIGTERM: drain, then the closers.
 */
export async function startService<C extends ServiceSpec, S extends Record<string, unknown>>(
  definition: ServiceDefinition<C, S>,
  env: Env,
): Promise<Serving> {
  let service: PreparedService<C, S>;
  try {
    service = await prepareService(definition, env);
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof StartupError)) throw error;
    process.stderr.write(`${definition.name}: ${error.message}\n`);
    process.exit(1);
  }
  const { config, log, readiness, handler, cutShort, closers } = service;
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
    cutShort,
    closers,
  });
}
