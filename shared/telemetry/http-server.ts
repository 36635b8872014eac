import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import type { TraceContextPolicy } from "../config/config";
import { errorResponse, internalError } from "../http/errors";
import { errorOf, routeOf } from "../http/outcome";
import type { Logger } from "../logging/logger";
import type { FetchHandler } from "../runtime/runtime";
import { headerAttributes, redactedQuery } from "./redact";

export type Handler = FetchHandler;

export interface DurationRecorder {
  /** `span`: the request's span context, kept as the bucket's exemplar when sampled. */
  record(seconds: number, attributes: Attributes, span?: SpanContext): void;
}

export interface ServerInstrumentation {
  /** Undefined when traces are off: then no context, propagation or span work is done per request at all. */
  tracer: Tracer | undefined;
  duration: DurationRecorder | undefined;
  log: Logger;
  captureRequestHeaders: readonly string[];
  captureResponseHeaders: readonly string[];
  /** What a client's traceparent/baggage count for (docs/trust-boundaries.md); default trust. */
  traceContextFromClients?: TraceContextPolicy | undefined;
  /** Called for each request whose baggage is dropped because clients are not trusted. */
  onBaggageDropped?: (() => void) | undefined;
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

const SERVER = { kind: SpanKind.SERVER };

interface UrlParts {
  scheme: string;
  host: string;
  port: number;
  path: string;
  query: string;
}

/**
 * request.url split without `new URL` (measurably cheaper on the per-request path); always absolute here. The
 * authority ends at the first "/", "?" or "#"; a fragment is never part of the path or query; an IPv6 host loses its
 * brackets; an absent (or empty) port is the scheme's.
 */
export function splitUrl(url: string): UrlParts {
  const schemeEnd = url.indexOf("://");
  const scheme = url.slice(0, schemeEnd);
  const authorityStart = schemeEnd + 3;
  let authorityEnd = authorityStart;
  while (authorityEnd < url.length) {
    const c = url.charCodeAt(authorityEnd);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    authorityEnd++;
  }
  const fragmentStart = url.indexOf("#", authorityEnd);
  const end = fragmentStart < 0 ? url.length : fragmentStart;
  const queryStart = url.indexOf("?", authorityEnd);
  const hasQuery = queryStart >= 0 && queryStart < end;
  const path = url.slice(authorityEnd, hasQuery ? queryStart : end) || "/";
  const query = hasQuery ? url.slice(queryStart + 1, end) : "";
  const authority = url.slice(authorityStart, authorityEnd);
  const bracket = authority.startsWith("[") ? authority.indexOf("]") : -1;
  const colon = authority.indexOf(":", bracket + 1);
  const host = bracket >= 0 ? authority.slice(1, bracket) : colon < 0 ? authority : authority.slice(0, colon);
  const port = colon < 0 || colon === authority.length - 1 ? 0 : Number(authority.slice(colon + 1));
  return { scheme, host, port: port || (scheme === "https" ? 443 : 80), path, query };
}

/** Low-cardinality error.type: our stable error code ("upstream_timeout"), else the exception class, else the status. */
function errorType(error: unknown, status: number): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && code !== "") return code;
  if (error instanceof Error && error.name !== "Error") return error.name;
  return String(status);
}

/**
 * Wraps the app's fetch handler: one SERVER span per request (child of, linked to or unrelated to an incoming
 * traceparent, as `traceContextFromClients` says), named
 * `METHOD /route` (`METHOD` alone when no route matched, so 404s are exported too), with stable HTTP semantic
 * conventions; the request runs inside the span's context so that logs and outgoing calls join the trace; then the
 * http.server.request.duration histogram and one access-log line. The route and any error come from what the app
 * recorded on the request (http/outcome). Request bodies and credential headers are never
 * recorded; query values are redacted.
 */
export function instrumentServer(handle: Handler, options: ServerInstrumentation): Handler {
  const { tracer, duration, log, captureRequestHeaders, captureResponseHeaders } = options;
  const traceContextFromClients = options.traceContextFromClients ?? "trust";
  const trusting = traceContextFromClients === "trust";
  const onBaggageDropped = options.onBaggageDropped ?? (() => {});
  // The access line's fields are fixed (method, route template, status, duration): nothing in it can need redacting,
  // and the logger's wildcard redaction measured at about half the cost of writing each line.
  const accessLog = log.child({}, { redact: [] });

  /**
   * The context the SERVER span starts in, and its links. trust: the caller's context (traceparent, tracestate and
   * baggage) is the parent. link: a new trace with a link to the caller's span, so the caller's sampled flag decides
   * nothing and its baggage goes no further. ignore: a new trace, the caller's context unread.
   */
  function incoming(request: Request): { parent: Context; links: Link[] | undefined } {
    if (trusting) return { parent: propagation.extract(ROOT_CONTEXT, request.headers, headerGetter), links: undefined };
    if (request.headers.has("baggage")) onBaggageDropped();
    if (traceContextFromClients === "ignore") return { parent: ROOT_CONTEXT, links: undefined };
    const caller = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, request.headers, headerGetter));
    return { parent: ROOT_CONTEXT, links: caller && isSpanContextValid(caller) ? [{ context: caller }] : undefined };
  }

  /** Metric and access log: the same for traced and untraced requests. */
  function finish(
    request: Request,
    url: UrlParts,
    started: number,
    response: Response,
    error: unknown,
    span?: SpanContext,
  ) {
    const status = response.status;
    const route = routeOf(request);
    const attributes: Attributes = {
      "http.request.method": request.method,
      "url.scheme": url.scheme,
      "http.response.status_code": status,
    };
    if (route) attributes["http.route"] = route;
    if (status >= 500) attributes["error.type"] = errorType(error ?? errorOf(request), status);
    const seconds = (performance.now() - started) / 1000;
    duration?.record(seconds, attributes, span);
    if (accessLog.isLevelEnabled("info")) {
      accessLog.info(
        { method: request.method, route, status, duration_ms: Math.round(seconds * 100_000) / 100 },
        "request",
      );
    }
    return attributes;
  }

  async function plumbing(request: Request, peer: () => string | undefined, url: UrlParts, started: number) {
    const response = await handle(request, peer);
    duration?.record((performance.now() - started) / 1000, {
      "http.request.method": request.method,
      "url.scheme": url.scheme,
      "http.response.status_code": response.status,
      "http.route": url.path,
    });
    accessLog.debug({ method: request.method, route: url.path, status: response.status }, "request");
    return response;
  }

  /** The app's answer, or a JSON 500 (and what was thrown) if the handler itself threw. */
  async function answer(request: Request, peer: () => string | undefined) {
    try {
      return { response: await handle(request, peer), thrown: undefined as unknown };
    } catch (thrown) {
      return { response: errorResponse(internalError()), thrown };
    }
  }

  async function untraced(request: Request, peer: () => string | undefined, url: UrlParts, started: number) {
    if (!trusting && request.headers.has("baggage")) onBaggageDropped();
    const { response, thrown } = await answer(request, peer);
    finish(request, url, started, response, thrown);
    return response;
  }

  function traced(tracer: Tracer, request: Request, peer: () => string | undefined, url: UrlParts, started: number) {
    const { parent, links } = incoming(request);
    const span = tracer.startSpan(request.method, links ? { kind: SpanKind.SERVER, links } : SERVER, parent);
    if (span.isRecording()) {
      const userAgent = request.headers.get("user-agent");
      const clientAddress = peer();
      span.setAttributes({
        "http.request.method": request.method,
        "url.path": url.path,
        "url.scheme": url.scheme,
        "server.address": url.host,
        "server.port": url.port,
      });
      if (url.query) span.setAttribute("url.query", redactedQuery(url.query));
      if (clientAddress) span.setAttribute("client.address", clientAddress);
      if (userAgent !== null) span.setAttribute("user_agent.original", userAgent);
      if (captureRequestHeaders.length > 0) {
        span.setAttributes(headerAttributes(request.headers, captureRequestHeaders, "http.request.header"));
      }
    }

    return context.with(trace.setSpan(parent, span), async () => {
      const { response, thrown } = await answer(request, peer);
      const attributes = finish(request, url, started, response, thrown, span.spanContext());
      if (span.isRecording()) {
        const route = attributes["http.route"];
        span.updateName(route ? `${request.method} ${route}` : request.method);
        // Method and scheme are on the span since it started; the rest of the metric's attributes are new.
        span.setAttribute("http.response.status_code", response.status);
        if (route) span.setAttribute("http.route", route);
        const errorType = attributes["error.type"];
        if (errorType !== undefined) span.setAttribute("error.type", errorType);
        if (captureResponseHeaders.length > 0) {
          span.setAttributes(headerAttributes(response.headers, captureResponseHeaders, "http.response.header"));
        }
        if (response.status >= 500) {
          const error = thrown ?? errorOf(request);
          if (error instanceof Error) span.recordException(error);
          else
            span.addEvent("exception", {
              "exception.type": String(response.status),
              "exception.message": "server error",
            });
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
        }
      }
      span.end();
      return response;
    });
  }

  return (request, peer) => {
    const started = performance.now();
    const url = splitUrl(request.url);
    if (PLUMBING_PATHS.has(url.path)) {
      return tracer
        ? context.with(suppressTracing(ROOT_CONTEXT), () => plumbing(request, peer, url, started))
        : plumbing(request, peer, url, started);
    }
    return tracer ? traced(tracer, request, peer, url, started) : untraced(request, peer, url, started);
  };
}
