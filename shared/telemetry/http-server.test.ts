import { describe, expect, test } from "bun:test";
import { type Attributes, propagation, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { HttpError } from "../http/errors";
import { recordError, recordRoute } from "../http/outcome";
import { createLogger } from "../logging/logger";
import { instrumentServer, splitUrl } from "./http-server";

describe("splitUrl", () => {
  test.each([
    ["http://localhost:5000/fib/10", { scheme: "http", host: "localhost", port: 5000, path: "/fib/10", query: "" }],
    ["https://example.com/a?b=1", { scheme: "https", host: "example.com", port: 443, path: "/a", query: "b=1" }],
    ["http://example.com", { scheme: "http", host: "example.com", port: 80, path: "/", query: "" }],
    ["http://[::1]:8080/x?y=2", { scheme: "http", host: "::1", port: 8080, path: "/x", query: "y=2" }],
    ["http://[::1]/x", { scheme: "http", host: "::1", port: 80, path: "/x", query: "" }],
    ["http://[2001:db8::1]", { scheme: "http", host: "2001:db8::1", port: 80, path: "/", query: "" }],
    ["http://h/p?", { scheme: "http", host: "h", port: 80, path: "/p", query: "" }],
    ["http://h/p?a=1#frag", { scheme: "http", host: "h", port: 80, path: "/p", query: "a=1" }],
    ["http://h/p#frag?not=query", { scheme: "http", host: "h", port: 80, path: "/p", query: "" }],
    ["http://h:5000?x=1", { scheme: "http", host: "h", port: 5000, path: "/", query: "x=1" }],
    ["http://h:5000#top", { scheme: "http", host: "h", port: 5000, path: "/", query: "" }],
    ["http://h:/p", { scheme: "http", host: "h", port: 80, path: "/p", query: "" }],
    ["http://h/a/b/?q=/c", { scheme: "http", host: "h", port: 80, path: "/a/b/", query: "q=/c" }],
  ])("%s", (url, parts) => {
    expect(splitUrl(url)).toEqual(parts);
  });
});

propagation.setGlobalPropagator(new W3CTraceContextPropagator());

function setUp(
  handle: (request: Request) => Promise<Response>,
  traceContextFromClients: "trust" | "link" | "ignore" = "trust",
) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const durations: Array<[number, Attributes]> = [];
  let baggageDropped = 0;
  const handler = instrumentServer(async (request) => handle(request), {
    tracer: provider.getTracer("test"),
    duration: { record: (seconds, attributes) => durations.push([seconds, { ...attributes }]) },
    log: createLogger("test", "silent"),
    captureRequestHeaders: ["x-tenant"],
    captureResponseHeaders: [],
    traceContextFromClients,
    onBaggageDropped: () => baggageDropped++,
  });
  const call = (url: string, init?: RequestInit) => handler(new Request(url, init), () => "10.0.0.7");
  /** The finished spans, once the (asynchronous) export has run. */
  const spans = async () => {
    await provider.forceFlush();
    return exporter.getFinishedSpans();
  };
  return { spans, durations, call, baggageDropped: () => baggageDropped };
}

describe("instrumentServer", () => {
  test("one SERVER span named by the route the app recorded, with the stable HTTP attributes", async () => {
    const { spans, durations, call } = setUp(async (request) => {
      recordRoute(request, "/fib/:n");
      return Response.json({ ok: true });
    });
    const response = await call("http://[::1]:5000/fib/10?token=secret&n=1", {
      headers: { "user-agent": "curl/8", "x-tenant": "acme" },
    });
    expect(response.status).toBe(200);
    const [span] = await spans();
    expect(span?.name).toBe("GET /fib/:n");
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.attributes).toMatchObject({
      "http.request.method": "GET",
      "http.route": "/fib/:n",
      "http.response.status_code": 200,
      "url.path": "/fib/10",
      "url.scheme": "http",
      "server.address": "::1",
      "server.port": 5000,
      "client.address": "10.0.0.7",
      "user_agent.original": "curl/8",
      "http.request.header.x-tenant": ["acme"],
    });
    expect(String(span?.attributes["url.query"])).not.toContain("secret");
    expect(durations).toHaveLength(1);
    expect(durations[0]?.[1]).toEqual({
      "http.request.method": "GET",
      "url.scheme": "http",
      "http.response.status_code": 200,
      "http.route": "/fib/:n",
    });
  });

  test("no route matched: the span is named by the method alone, and still ends", async () => {
    const { spans, call } = setUp(async () => new Response("{}", { status: 404 }));
    await call("http://localhost/nothing");
    expect((await spans()).map((s) => s.name)).toEqual(["GET"]);
  });

  test("joins an incoming traceparent as the exact parent", async () => {
    const { spans, call } = setUp(async () => new Response("ok"));
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    await call("http://localhost/", { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    const [span] = await spans();
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
  });

  test("an error the app recorded gives error.type its code and marks the span", async () => {
    const { spans, durations, call } = setUp(async (request) => {
      recordRoute(request, "/");
      recordError(request, new HttpError(504, "upstream_timeout", "second did not answer"));
      return Response.json({}, { status: 504 });
    });
    await call("http://localhost/", { method: "POST" });
    const [span] = await spans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes["error.type"]).toBe("upstream_timeout");
    expect(span?.events.map((e) => e.name)).toEqual(["exception"]);
    expect(durations[0]?.[1]["error.type"]).toBe("upstream_timeout");
  });

  test("a handler that throws answers the one JSON 500 and the span records the exception", async () => {
    const { spans, call } = setUp(async () => {
      throw new TypeError("boom at /srv/app.ts:1");
    });
    const response = await call("http://localhost/x");
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: "internal", message: "internal error" } });
    const [span] = await spans();
    expect(span?.attributes["error.type"]).toBe("TypeError");
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });

  test("probes and scrapes make no span, but are measured by their path", async () => {
    const { spans, durations, call } = setUp(async () => new Response("ok"));
    for (const path of ["/health", "/ready", "/metrics", "/debug/pprof/profile?seconds=1", "/health#x"]) {
      await call(`http://localhost${path}`);
    }
    expect(await spans()).toHaveLength(0);
    expect(durations.map(([, a]) => a["http.route"])).toEqual([
      "/health",
      "/ready",
      "/metrics",
      "/debug/pprof/profile",
      "/health",
    ]);
  });

  const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  const CALLER = "00f067aa0ba902b7";

  test("link: a new root trace linked to the caller's span, even when the caller says unsampled; baggage counted", async () => {
    const { spans, call, baggageDropped } = setUp(async () => new Response("ok"), "link");
    await call("http://localhost/", { headers: { traceparent: `00-${TRACE}-${CALLER}-00`, baggage: "user=x" } });
    const [span] = await spans();
    expect(span?.spanContext().traceId).not.toBe(TRACE);
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([[TRACE, CALLER]]);
    expect(baggageDropped()).toBe(1);
  });

  test("link with no or a malformed traceparent: a root span with no link", async () => {
    const { spans, call, baggageDropped } = setUp(async () => new Response("ok"), "link");
    await call("http://localhost/");
    await call("http://localhost/", { headers: { traceparent: "00-zz-yy-01" } });
    expect((await spans()).map((s) => s.links.length)).toEqual([0, 0]);
    expect(baggageDropped()).toBe(0);
  });

  test("ignore: a root span, no link; trust: the caller is the parent and nothing is counted", async () => {
    const ignoring = setUp(async () => new Response("ok"), "ignore");
    await ignoring.call("http://localhost/", { headers: { traceparent: `00-${TRACE}-${CALLER}-01`, baggage: "a=b" } });
    const [ignored] = await ignoring.spans();
    expect([ignored?.parentSpanContext, ignored?.links]).toEqual([undefined, []]);
    expect(ignoring.baggageDropped()).toBe(1);

    const trusting = setUp(async () => new Response("ok"), "trust");
    await trusting.call("http://localhost/", { headers: { traceparent: `00-${TRACE}-${CALLER}-01`, baggage: "a=b" } });
    const [trusted] = await trusting.spans();
    expect(trusted?.parentSpanContext?.spanId).toBe(CALLER);
    expect(trusting.baggageDropped()).toBe(0);
  });
});
