import { afterAll, describe, expect, test } from "bun:test";
import { propagation, TraceFlags } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { recordRoute } from "../http/outcome";
import { createLogger } from "../logging/logger";
import { FastHistogram, FastHistogramProducer, type HistogramDataPointWithExemplars } from "./fast-histogram";
import { tracedFetch } from "./http-client";
import { instrumentServer } from "./http-server";
import { DURATION_BUCKETS_SECONDS } from "./metrics";
import { PrometheusEndpoint } from "./prometheus";

const registered = propagation.setGlobalPropagator(new W3CTraceContextPropagator());
afterAll(() => {
  if (registered) propagation.disable();
});

const spans = new InMemorySpanExporter();
const provider = new TracerProvider({
  sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
});
const tracer = provider.getTracer("test");

const server = new FastHistogram("http.server.request.duration", "server", "s", DURATION_BUCKETS_SECONDS, [
  "http.request.method",
  "url.scheme",
  "http.response.status_code",
  "http.route",
  "error.type",
]);
const client = new FastHistogram("http.client.request.duration", "client", "s", DURATION_BUCKETS_SECONDS, [
  "http.request.method",
  "server.address",
  "server.port",
  "http.response.status_code",
  "error.type",
]);
const endpoint = new PrometheusEndpoint([
  new FastHistogramProducer({ name: "twinbin", version: "0" }, [server, client]),
]);
new MeterProvider({ readers: [endpoint.reader] });

const handle = instrumentServer(
  async (request) => {
    recordRoute(request, "/items");
    return Response.json({ ok: true });
  },
  {
    tracer,
    duration: server,
    log: createLogger("test", "silent"),
    captureRequestHeaders: [],
    captureResponseHeaders: [],
  },
);

const SECRET = "s3cret-value";
const traceId = (digit: string) => digit.repeat(32);

/** A request carrying `token=<secret>` and a traceparent whose sampled flag is `flags`. */
async function request(trace: string, flags: "00" | "01") {
  const headers = { traceparent: `00-${trace}-${"1".repeat(16)}-${flags}` };
  await handle(new Request(`http://localhost/items?token=${SECRET}`, { headers }), () => "127.0.0.1");
  await Bun.sleep(1); // the SERVER span ends a tick after the response
  await provider.forceFlush();
}

const EXEMPLAR = / # \{trace_id="([0-9a-f]{32})",span_id="([0-9a-f]{16})"\} [0-9.e-]+ \d+\.\d{3}$/;

/** trace_id → span_id of every exemplar on `metric`'s bucket lines. */
function exemplars(text: string, metric: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${metric}_bucket{`) || !line.includes(" # ")) continue;
    const match = EXEMPLAR.exec(line);
    if (!match) throw new Error(`exemplar not in the expected shape: ${line}`);
    found.set(match[1] as string, match[2] as string);
  }
  return found;
}

describe("exemplars on the HTTP duration histograms", () => {
  test("a sampled request's trace and SERVER span become an exemplar; an unsampled one's never do", async () => {
    spans.reset();
    await request(traceId("a"), "01");
    const serverSpan = spans.getFinishedSpans().find((s) => s.spanContext().traceId === traceId("a"));
    if (!serverSpan) throw new Error("the sampled request exported no span");

    await request(traceId("b"), "00");
    const open = await endpoint.render("openmetrics");
    const found = exemplars(open, "http_server_request_duration_seconds");
    expect(found.get(traceId("a"))).toBe(serverSpan.spanContext().spanId);
    expect(open).not.toContain(traceId("b"));
    expect(open).not.toContain(SECRET);
  });

  test("each bucket keeps its latest sampled exemplar, with the value and time it was recorded at", async () => {
    const histogram = new FastHistogram("h", "h", "s", [0.005, 0.5], ["k"]);
    const span = (digit: string, traceFlags: number) => ({
      traceId: traceId(digit),
      spanId: digit.repeat(16),
      traceFlags,
    });
    const before = Date.now();
    histogram.record(0.003, { k: "v" }, span("1", TraceFlags.SAMPLED));
    histogram.record(0.3, { k: "v" }, span("2", TraceFlags.SAMPLED));
    histogram.record(0.002, { k: "v" }, span("3", TraceFlags.SAMPLED));
    histogram.record(0.004, { k: "v" }, span("4", TraceFlags.NONE));
    histogram.record(0.001, { k: "v" });
    const point = histogram.snapshot([0, 0]).dataPoints[0] as HistogramDataPointWithExemplars;
    const [first, second, overflow] = point.bucketExemplars ?? [];
    expect(first).toMatchObject({ traceId: traceId("3"), spanId: "3".repeat(16), value: 0.002 });
    expect(second).toMatchObject({ traceId: traceId("2"), value: 0.3 });
    expect(overflow).toBeUndefined();
    expect(first?.timeUnixMs).toBeGreaterThanOrEqual(before);
    expect(point.value.count).toBe(5);
  });

  test("the Prometheus 0.0.4 text never carries exemplars", async () => {
    await request(traceId("e"), "01");
    const text = await endpoint.render("prometheus");
    expect(text).toMatch(/^http_server_request_duration_seconds_bucket\{.*\} \d+$/m);
    expect(text).not.toContain(" # {");
    expect(text).not.toContain(traceId("e"));
    expect(text).not.toContain("# EOF");
  });

  test("an outgoing call's CLIENT span becomes the client histogram's exemplar", async () => {
    spans.reset();
    const fetchTraced = tracedFetch(tracer, client, (async () => new Response("{}")) as unknown as typeof fetch);
    await fetchTraced(`http://upstream.test:8080/delay/0?api_key=${SECRET}`, { method: "POST" });
    await provider.forceFlush();
    const clientSpan = spans.getFinishedSpans()[0];
    if (!clientSpan) throw new Error("the call exported no span");
    const open = await endpoint.render("openmetrics");
    const found = exemplars(open, "http_client_request_duration_seconds");
    expect([...found]).toEqual([[clientSpan.spanContext().traceId, clientSpan.spanContext().spanId]]);
    expect(open).not.toContain(SECRET);
  });

  test("OpenMetrics: counter families without _total, every line well-formed, # EOF last", async () => {
    const open = await endpoint.render("openmetrics");
    expect(open.endsWith("\n# EOF\n")).toBe(true);
    expect(open).toMatch(/^# TYPE http_server_request_duration_seconds histogram$/m);
    expect(open).toMatch(/^# UNIT http_server_request_duration_seconds seconds$/m);
    expect(open).not.toContain("\n\n");
  });
});
