import { Elysia, ValidationError } from "elysia";
import { databaseFailure } from "../database/database";
import { errorBody, HttpError } from "../http/errors";
import { bodyTooLarge, parseJsonBody } from "../http/json-body";
import type { Logger } from "../logging/logger";
import type { CpuProfiler } from "../profiling/cpu-profiler";
import { profilingRoutes } from "../profiling/routes";
import type { RequestFacts } from "../telemetry/http-server";
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
}

const PARSE_CODES = new Set(["PARSE", "INVALID_COOKIE_SIGNATURE", "INVALID_FILE_TYPE"]);

/** "body.name: Expected string length less or equal to 64" — never the rejected value itself. */
function describeValidation(error: ValidationError): string {
  const first = error.valueError;
  if (!first) return `invalid ${error.type}`;
  const where = first.path ? `${error.type}${first.path.replaceAll("/", ".")}` : error.type;
  return `${where}: ${first.message}`;
}

function toErrorResponse(code: string | number, error: unknown): { status: number; code: string; message: string } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  // Elysia wraps whatever the body parser threw in a ParseError.
  if (code === "PARSE" && error instanceof Error && error.cause instanceof HttpError)
    return toErrorResponse(0, error.cause);
  if (error instanceof ValidationError) {
    const onBody = error.type === "body";
    return {
      status: onBody ? 422 : 400,
      code: onBody ? "validation_failed" : "bad_request",
      message: describeValidation(error),
    };
  }
  if (code === "NOT_FOUND") return { status: 404, code: "not_found", message: "no route matches this request" };
  if (typeof code === "string" && PARSE_CODES.has(code)) {
    return { status: 400, code: "invalid_body", message: "the request body could not be parsed" };
  }
  const status = (error as { status?: unknown })?.status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return { status, code: "bad_request", message: "the request was rejected" };
  }
  return { status: 500, code: "internal", message: "internal error" };
}

/**
 * The Elysia instance every service starts from: the JSON error shape, the body-size limit, `/health`, `/ready`
 * and (when Prometheus export is on) `/metrics`. Services `.use()` their feature routes on it. `facts` tells the
 * server instrumentation which route matched and what a handler threw.
 */
export function createServiceApp({ name, bodyLimitBytes, log, readiness, metrics, profiler }: ServiceAppOptions) {
  const routes = new WeakMap<Request, string>();
  const errors = new WeakMap<Request, unknown>();
  const facts: RequestFacts = { route: (r) => routes.get(r), error: (r) => errors.get(r) };

  // standardHostname: false, or Elysia finds the path from index 11 of the URL and a short Host ("http://api/…",
  // as a proxy or a container name gives) routes /fib/1 as "/1".
  const app = new Elysia({ name, handler: { standardHostname: false } })
    .onRequest(({ request }) => {
      if (Number(request.headers.get("content-length") ?? 0) > bodyLimitBytes) throw bodyTooLarge(bodyLimitBytes);
    })
    .onParse({ as: "global" }, ({ request }) => parseJsonBody(request, bodyLimitBytes))
    .onTransform({ as: "global" }, ({ request, route }) => {
      routes.set(request, route);
    })
    .onError({ as: "global" }, ({ code, error, set, request, route }) => {
      if (route && code !== "NOT_FOUND") routes.set(request, route);
      const dbError = databaseFailure(error);
      const mapped = dbError
        ? { status: 503, code: "database_unavailable", message: "the database is unavailable" }
        : toErrorResponse(code, error);
      // What telemetry records of the error (the span's exception, error.type). Drizzle's message lists the query's
      // parameters, i.e. request data, so a database failure is recorded as our code and message only.
      errors.set(request, dbError ? new HttpError(mapped.status, mapped.code, mapped.message) : error);
      if (mapped.status >= 500) {
        const where = { method: request.method, path: new URL(request.url).pathname };
        const cause = dbError ? { db_code: dbError.code, reason: dbError.reason } : { err: error };
        log.error({ ...where, ...cause }, mapped.message);
      }
      set.status = mapped.status;
      return errorBody(mapped.code, mapped.message);
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
  return Object.assign(app, { facts });
}
