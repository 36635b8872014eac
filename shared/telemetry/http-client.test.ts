import { afterAll, describe, expect, test } from "bun:test";
import { type Attributes, context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { freePort } from "../../tests/support/ports";
import { tracedFetch } from "./http-client";

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

// A real server on loopback (IPv4 and IPv6) that answers with the headers it received.
const echo = Bun.serve({
  port: 0,
  hostname: "::",
  fetch: (request) =>
    Response.json(Object.fromEntries(request.headers), { status: request.url.endsWith("/fail") ? 503 : 200 }),
});
afterAll(() => echo.stop(true));

function setUp(traced: boolean, propagateTo?: ReadonlySet<string>) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const durations: Attributes[] = [];
  const fetch = tracedFetch(
    traced ? provider.getTracer("test") : undefined,
    { record: (_seconds, attributes) => durations.push({ ...attributes }) },
    globalThis.fetch,
    propagateTo,
  );
  const spans = async () => {
    await provider.forceFlush();
    return exporter.getFinishedSpans();
  };
  return { fetch, spans, durations };
}

describe("tracedFetch", () => {
  test("a CLIENT span per call, whose context is what the callee receives as traceparent", async () => {
    const { fetch, spans, durations } = setUp(true);
    const received = (await (await fetch(`http://127.0.0.1:${echo.port}/x?token=secret`)).json()) as Record<
      string,
      string
    >;
    const [span] = await spans();
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.name).toBe("GET");
    const { traceId, spanId } = span?.spanContext() ?? {};
    expect(received.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    expect(span?.attributes).toMatchObject({
      "http.request.method": "GET",
      "server.address": "127.0.0.1",
      "server.port": echo.port,
      "http.response.status_code": 200,
    });
    expect(String(span?.attributes["url.full"])).not.toContain("secret");
    expect(durations).toEqual([
      {
        "http.request.method": "GET",
        "server.address": "127.0.0.1",
        "server.port": echo.port,
        "http.response.status_code": 200,
      },
    ]);
  });

  test("the call is a child of the active span", async () => {
    const { fetch, spans } = setUp(true);
    const parent = new TracerProvider().getTracer("p").startSpan("parent");
    await context.with(trace.setSpan(context.active(), parent), () => fetch(`http://127.0.0.1:${echo.port}/`));
    const [span] = await spans();
    expect(span?.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  });

  test("an IPv6 host is recorded without brackets", async () => {
    const { fetch, spans } = setUp(true);
    await fetch(`http://[::1]:${echo.port}/`);
    expect((await spans())[0]?.attributes["server.address"]).toBe("::1");
  });

  test("an error status marks the span and error.type", async () => {
    const { fetch, spans, durations } = setUp(true);
    expect((await fetch(`http://127.0.0.1:${echo.port}/fail`, { method: "POST", body: "{}" })).status).toBe(503);
    const [span] = await spans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes["error.type"]).toBe("503");
    expect(durations[0]?.["error.type"]).toBe("503");
  });

  test("a refused connection: the error is rethrown, the span records it", async () => {
    const { fetch, spans, durations } = setUp(true);
    const closed = await freePort();
    await expect(fetch(`http://127.0.0.1:${closed}/`)).rejects.toThrow();
    const [span] = await spans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes["error.type"]).toBeString();
    expect(span?.events.map((e) => e.name)).toEqual(["exception"]);
    expect(durations[0]?.["server.port"]).toBe(closed);
  });

  test("traces off: no traceparent is sent, the duration is still recorded; a missing port is the scheme's", async () => {
    const { fetch, durations } = setUp(false);
    const received = (await (await fetch(`http://127.0.0.1:${echo.port}/`)).json()) as Record<string, string>;
    expect(received.traceparent).toBeUndefined();
    expect(durations).toHaveLength(1);
    const port80 = setUp(false);
    await port80.fetch("http://127.0.0.1/").catch(() => {});
    expect(port80.durations[0]?.["server.port"]).toBe(80);
  });

  test("context goes only to hosts in the allow-list; the CLIENT span is recorded either way", async () => {
    const owned = setUp(true, new Set([`127.0.0.1:${echo.port}`]));
    const toOwned = (await (await owned.fetch(`http://127.0.0.1:${echo.port}/`)).json()) as Record<string, string>;
    expect(toOwned.traceparent).toBeString();
    const byName = setUp(true, new Set(["::1"]));
    const toNamed = (await (await byName.fetch(`http://[::1]:${echo.port}/`)).json()) as Record<string, string>;
    expect(toNamed.traceparent).toBeString();

    const thirdParty = setUp(true, new Set(["second"]));
    const sent = (await (
      await thirdParty.fetch(`http://127.0.0.1:${echo.port}/`, { headers: { "x-a": "1" } })
    ).json()) as Record<string, string>;
    expect(sent.traceparent).toBeUndefined();
    expect(sent["x-a"]).toBe("1");
    expect((await thirdParty.spans()).map((s) => s.kind)).toEqual([SpanKind.CLIENT]);
  });
});
