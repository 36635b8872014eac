import {
  type Attributes,
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  type TextMapSetter,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { DurationRecorder } from "./http-server";
import { redactedUrl } from "./redact";

const headerSetter: TextMapSetter<Headers> = { set: (headers, key, value) => headers.set(key, value) };

/** The request, its URL and the attributes both the span and the duration metric start from. */
function describe(input: RequestInfo | URL, init?: RequestInit) {
  const request = new Request(input, init);
  const url = new URL(request.url);
  const attributes: Attributes = {
    "http.request.method": request.method,
    // Semantic conventions want an IPv6 address without its URL brackets.
    "server.address": url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
    "server.port": Number(url.port) || (url.protocol === "https:" ? 443 : 80),
  };
  return { request, url, attributes };
}

/**
 * A fetch that makes every outgoing call a CLIENT span (`METHOD`, stable HTTP semantic conventions, url.full with
 * query values redacted), injects traceparent/baggage (only for hosts in `propagateTo`: never to third parties), and
 * records http.client.request.duration. Bun auto-instruments nothing, so the shared upstream client is handed this.
 */
export function tracedFetch(
  tracer: Tracer | undefined,
  duration: DurationRecorder | undefined,
  inner: typeof fetch = fetch,
  propagateTo: ReadonlySet<string> | "everywhere" = "everywhere",
): typeof fetch {
  /** Whether a call to `url` may carry our trace context and baggage: only to hosts we own. */
  const mayPropagate = (url: URL, address: string) =>
    propagateTo === "everywhere" || propagateTo.has(address) || propagateTo.has(url.host);
  /** Traces off: only the duration metric. */
  const measured = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const { request, attributes } = describe(input, init);
    const started = performance.now();
    try {
      const response = await inner(request);
      attributes["http.response.status_code"] = response.status;
      if (response.status >= 400) attributes["error.type"] = String(response.status);
      return response;
    } catch (error) {
      attributes["error.type"] = error instanceof Error ? error.name : "Error";
      throw error;
    } finally {
      duration?.record((performance.now() - started) / 1000, attributes);
    }
  };
  if (!tracer) return Object.assign(measured, { preconnect: fetch.preconnect }) as typeof fetch;

  const traced = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const { request, url, attributes } = describe(input, init);
    const span = tracer.startSpan(request.method, {
      kind: SpanKind.CLIENT,
      attributes: { ...attributes, "url.full": redactedUrl(url) },
    });
    const active = trace.setSpan(context.active(), span);
    let outgoing = request;
    if (mayPropagate(url, attributes["server.address"] as string)) {
      const headers = new Headers(request.headers);
      propagation.inject(active, headers, headerSetter);
      outgoing = new Request(request, { headers });
    }
    const started = performance.now();
    try {
      const response = await context.with(active, () => inner(outgoing));
      attributes["http.response.status_code"] = response.status;
      if (response.status >= 400) {
        attributes["error.type"] = String(response.status);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.setAttributes(attributes);
      return response;
    } catch (error) {
      attributes["error.type"] = error instanceof Error ? error.name : "Error";
      span.setAttribute("error.type", attributes["error.type"]);
      if (error instanceof Error) span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
      throw error;
    } finally {
      span.end();
      duration?.record((performance.now() - started) / 1000, attributes, span.spanContext());
    }
  };
  return Object.assign(traced, { preconnect: fetch.preconnect }) as typeof fetch;
}
