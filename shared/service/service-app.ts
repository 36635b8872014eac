import { Elysia, ValidationError } from "elysia";
import { databaseFailure } from "../database/database";
import { errorBody, HttpError, internalError, noRoute } from "../http/errors";
import { bodyTooLarge, parseJsonBody } from "../http/json-body";
import { recordError, recordRoute } from "../http/outcome";
import { describeValidation } from "../http/validation";
import type { Logger } from "../logging/logger";
import type { CpuProfiler } from "../profiling/cpu-profiler";
import { profilingRoutes } from "../profiling/routes";
import { CONTENT_TYPES, type ExpositionFormat, negotiateFormat } from "../telemetry/prometheus";

export interface Readiness {
  /** Resolves when the service can do its work; rejects with the reason it cannot. */
  check(): Promise<void>;
  /** Set once shutdown starts, so load balancers stop sending new work before the listener closes. */
  draining: boolean;
}

export interface ServiceAppOptions {
  name: string;
  bodyLimitBytes: number;
  log: Logger;
  readiness: Readiness;
  /** Renders the Prometheus/OpenMetrics exposition for /metrics; absent when that export is off. */
  metrics?: { render(format: ExpositionFormat): Promise<string> } | undefined;
  /** Serves /debug/pprof/profile. */
  profiler: CpuProfiler;
  /**
   * Record the matched route on each request for the telemetry wrapper (http/outcome); default on. Off when no
   * wrapper reads it (telemetry disabled), which spares every request a transform hook.
   */
  recordRoutes?: boolean;
}

const PARSE_CODES = new Set(["PARSE", "INVALID_COOKIE_SIGNATURE", "INVALID_FILE_TYPE"]);

/** Any failure as the HttpError a client sees; a database failure or an unexpected error carries no detail. */
export function toHttpError(code: string | number, error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  // Elysia wraps whatever the body parser threw in a ParseError.
  if (code === "PARSE" && error instanceof Error && error.cause instanceof HttpError) return error.cause;
  if (error instanceof ValidationError) {
    const onBody = error.type === "body";
    return new HttpError(onBody ? 422 : 400, onBody ? "validation_failed" : "bad_request", describeValidation(error));
  }
  if (code === "NOT_FOUND") return noRoute();
  if (typeof code === "string" && PARSE_CODES.has(code)) {
    return new HttpError(400, "invalid_body", "the request body could not be parsed");
  }
  // Drizzle's message lists the query's parameters, i.e. request data: a database failure is our code only.
  if (databaseFailure(error)) return new HttpError(503, "database_unavailable", "the database is unavailable");
  const status = (error as { status?: unknown })?.status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new HttpError(status, "bad_request", "the request was rejected");
  }
  return internalError();
}

/**
 * The Elysia instance every service starts from: the JSON error shape, the body-size limit, `/health`, `/ready`
 * and (when Prometheus export is on) `/metrics`. Services `.use()` their feature routes on it. The matched route
 * and any error are recorded on the request (http/outcome) for the telemetry wrapper around the app.
 */
export function createServiceApp({
  name,
  bodyLimitBytes,
  log,
  readiness,
  metrics,
  profiler,
  recordRoutes = true,
}: ServiceAppOptions) {
  // standardHostname: false, or Elysia finds the path from index 11 of the URL and a short Host ("http://api/…",
  // as a proxy or a container name gives) routes /fib/1 as "/1".
  const app = new Elysia({ name, handler: { standardHostname: false } })
    .onRequest(({ request }) => {
      if (Number(request.headers.get("content-length") ?? 0) > bodyLimitBytes) throw bodyTooLarge(bodyLimitBytes);
    })
    .onParse({ as: "global" }, ({ request }) => parseJsonBody(request, bodyLimitBytes));
  if (recordRoutes) {
    app.onTransform({ as: "global" }, ({ request, route }) => {
      recordRoute(request, route);
    });
  }
  return app
    .onError({ as: "global" }, ({ code, error, set, request, route }) => {
      if (route && code !== "NOT_FOUND") recordRoute(request, route);
      const answer = toHttpError(code, error);
      // What telemetry records of the error (the span's exception, error.type): a database failure as our code only.
      const dbError = databaseFailure(error);
      recordError(request, dbError ? answer : error);
      if (answer.status >= 500) {
        const where = { method: request.method, path: new URL(request.url).pathname };
        const cause = dbError ? { db_code: dbError.code, reason: dbError.reason } : { err: error };
        log.error({ ...where, ...cause }, answer.message);
      }
      set.status = answer.status;
      return errorBody(answer.code, answer.message);
    })
    .get("/health", () => ({ status: "ok" }))
    .get("/ready", async ({ set }) => {
      if (readiness.draining) {
        set.status = 503;
        return errorBody("draining", "shutting down");
      }
      try {
        await readiness.check();
        return { status: "ready" };
      } catch (error) {
        set.status = 503;
        const reason = error instanceof Error ? error.message : String(error);
        log.warn({ reason }, "not ready");
        return errorBody("not_ready", reason);
      }
    })
    .get("/metrics", async ({ set, request }) => {
      if (!metrics) throw new HttpError(404, "metrics_disabled", "Prometheus export is off (OTEL_METRICS_EXPORTER)");
      const format = negotiateFormat(request.headers.get("accept"));
      set.headers["content-type"] = CONTENT_TYPES[format];
      return metrics.render(format);
    })
    .use(profilingRoutes(profiler));
}
