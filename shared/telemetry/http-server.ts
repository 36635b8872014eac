import {
  type Attributes,
  context,
  type Histogram,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import type { Logger } from "../logger";
import { headerAttributes, redactedQuery } from "./redact";

/** What the app learned about a request while handling it, looked up by the Request object. */
export interface RequestFacts {
  /** The matched route template ("/fib/:n"), or undefined when no route matched. */
  route(request: Request): string | undefined;
  /** The error a handler threw, if any. */
  error(request: Request): unknown;
}

export type Handler = (request: Request, clientAddress: string | undefined) => Promise<Response>;

export interface ServerInstrumentation {
  tracer: Tracer;
  duration: Histogram | undefined;
  log: Logger;
  facts: RequestFacts;
  captureRequestHeaders: readonly string[];
  captureResponseHeaders: readonly string[];
}

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * Probes and scrapes: no span (nor any child span, e.g. the readiness query) and a debug-level log line, so that
 * a Prometheus scrape or kubelet probe every few seconds does not drown the traces and logs people read.
 */
const PLUMBING_PATHS = new Set(["/health", "/ready", "/metrics", "/debug/pprof/profile"]);

/** Low-cardinality error.type: our stable error code ("upstream_timeout"), else the exception class, else the status. */
function errorType(error: unknown, status: number): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && code !== "") return code;
  if (error instanceof Error && error.name !== "Error") return error.name;
  return String(status);
}

/**
 * Wraps the app's fetch handler: one SERVER span per request (child of an incoming traceparent), named
 * `METHOD /route` (`METHOD` alone when no route matched, so 404s are exported too), with stable HTTP semantic
 * conventions; the request runs inside the span's context so that logs and outgoing calls join the trace; then the
 * http.server.request.duration histogram and one access-log line. Request bodies and credential headers are never
 * recorded; query values are redacted.
 */
export function instrumentServer(handle: Handler, options: ServerInstrumentation): Handler {
  const { tracer, duration, log, facts, captureRequestHeaders, captureResponseHeaders } = options;

  return (request, clientAddress) => {
    const started = performance.now();
    const url = new URL(request.url);
    const method = request.method;
    if (PLUMBING_PATHS.has(url.pathname)) {
      return context.with(suppressTracing(ROOT_CONTEXT), async () => {
        const response = await handle(request, clientAddress);
        const seconds = (performance.now() - started) / 1000;
        duration?.record(seconds, {
          "http.request.method": method,
          "url.scheme": url.protocol.slice(0, -1),
          "http.response.status_code": response.status,
          "http.route": url.pathname,
        });
        log.debug({ method, route: url.pathname, status: response.status }, "request");
        return response;
      });
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": method,
          "url.path": url.pathname,
          "url.scheme": url.protocol.slice(0, -1),
          "server.address": url.hostname,
          "server.port": Number(url.port) || (url.protocol === "https:" ? 443 : 80),
          ...(url.search ? { "url.query": redactedQuery(url.search) } : {}),
          ...(clientAddress ? { "client.address": clientAddress } : {}),
          ...(request.headers.has("user-agent")
            ? { "user_agent.original": request.headers.get("user-agent") ?? "" }
            : {}),
          ...headerAttributes(request.headers, captureRequestHeaders, "http.request.header"),
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);

    return context.with(active, async () => {
      let response: Response;
      let thrown: unknown;
      try {
        response = await handle(request, clientAddress);
      } catch (error) {
        thrown = error;
        response = Response.json({ error: { code: "internal", message: "internal error" } }, { status: 500 });
      }
      const status = response.status;
      const route = facts.route(request);
      const error = thrown ?? facts.error(request);
      const attributes: Attributes = {
        "http.request.method": method,
        "url.scheme": url.protocol.slice(0, -1),
        "http.response.status_code": status,
      };
      if (route) attributes["http.route"] = route;
      if (status >= 500) attributes["error.type"] = errorType(error, status);

      if (span.isRecording()) {
        span.updateName(route ? `${method} ${route}` : method);
        span.setAttributes(attributes);
        span.setAttributes(headerAttributes(response.headers, captureResponseHeaders, "http.response.header"));
        if (status >= 500) {
          if (error instanceof Error) span.recordException(error);
          else span.addEvent("exception", { "exception.type": String(status), "exception.message": "server error" });
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
        }
      }
      span.end();
      const seconds = (performance.now() - started) / 1000;
      duration?.record(seconds, attributes);
      log.info({ method, route, status, duration_ms: Math.round(seconds * 100_000) / 100 }, "request");
      return response;
    });
  };
}
