import { describe, expect, test } from "bun:test";
import { TraceFlags } from "@opentelemetry/api";
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { DataPointType, MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { loadOtlpProto } from "../../../tests/support/otlp-proto";
import { FastHistogram, FastHistogramProducer, type HistogramDataPointWithExemplars } from "../fast-histogram";
import { DURATION_BUCKETS_SECONDS } from "../metrics";
import { addJsonExemplars, addProtobufExemplars, withExemplars } from "./metric-exemplars";

// The official OTLP definitions, from the npm registry (see tests/support/otlp-proto.ts).
const root = loadOtlpProto("opentelemetry/proto/collector/metrics/v1/metrics_service.proto");
const Request = root.lookupType("opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest");
const OBJECT_OPTIONS = { longs: String, bytes: String, defaults: true, arrays: true };

interface DecodedExemplar {
  timeUnixNano: string;
  asDouble: number;
  spanId: string;
  traceId: string;
  filteredAttributes: unknown[];
}
interface DecodedPoint {
  attributes: { key: string }[];
  exemplars: DecodedExemplar[];
}
interface DecodedRequest {
  resourceMetrics: { scopeMetrics: { metrics: { name: string; histogram?: { dataPoints: DecodedPoint[] } }[] }[] }[];
}

const decode = (bytes: Uint8Array) => Request.toObject(Request.decode(bytes), OBJECT_OPTIONS) as DecodedRequest;
const hex = (base64: string) => Buffer.from(base64, "base64").toString("hex");

const SAMPLED = "5b8efff798038103d269b633813fc60c";
const OTHER_SAMPLED = "0af7651916cd43dd8448eb211c80319c";
const UNSAMPLED = "ffeeddccbbaa99887766554433221100";
const span = (traceId: string, spanId: string, sampled: boolean) => ({
  traceId,
  spanId,
  traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
});

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** The SDK's own instruments (a counter, a gauge, an SDK histogram) around the two fast histograms. */
async function collected(): Promise<ResourceMetrics> {
  const server = new FastHistogram("http.server.request.duration", "server", "s", DURATION_BUCKETS_SECONDS, [
    "http.request.method",
    "http.route",
  ]);
  const client = new FastHistogram("http.client.request.duration", "client", "s", DURATION_BUCKETS_SECONDS, [
    "http.request.method",
  ]);
  server.record(
    0.003,
    { "http.request.method": "GET", "http.route": "/fib/:n" },
    span(SAMPLED, "00f067aa0ba902b7", true),
  );
  server.record(
    0.2,
    { "http.request.method": "GET", "http.route": "/fib/:n" },
    span(OTHER_SAMPLED, "b7ad6b7169203331", true),
  );
  server.record(
    0.3,
    { "http.request.method": "GET", "http.route": "/fib/:n" },
    span(UNSAMPLED, "1111111111111111", false),
  );
  server.record(0.004, { "http.request.method": "GET", "http.route": "/health" });
  server.record(
    1.5,
    { "http.request.method": "POST", "http.route": "/items" },
    span(UNSAMPLED, "2222222222222222", false),
  );
  client.record(0.02, { "http.request.method": "GET" }, span(SAMPLED, "53995c3f42cd8ad8", true));

  const reader = new CollectingReader({
    metricProducers: [new FastHistogramProducer({ name: "twinbin", version: "1.0.0" }, [server, client])],
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ "service.name": "first", "service.instance.id": "abc" }),
    readers: [reader],
  });
  const meter = provider.getMeter("sdk-instruments", "2.0.0");
  meter.createCounter("requests", { unit: "{request}" }).add(3, { route: "/x" });
  meter.createHistogram("payload.size", { unit: "By" }).record(512, { kind: "json" });
  meter.createObservableGauge("js.heap.used").addCallback((result) => result.observe(1234.5));
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return resourceMetrics;
}

/** Every histogram data point by metric name and its attributes, with the exemplars the request carries. */
function exemplarsByPoint(request: DecodedRequest): Map<string, DecodedExemplar[]> {
  const found = new Map<string, DecodedExemplar[]>();
  for (const resource of request.resourceMetrics)
    for (const scope of resource.scopeMetrics)
      for (const metric of scope.metrics)
        for (const point of metric.histogram?.dataPoints ?? [])
          found.set(`${metric.name} ${JSON.stringify(point.attributes)}`, point.exemplars);
  return found;
}

function withoutExemplars(request: DecodedRequest): DecodedRequest {
  const copy = structuredClone(request);
  for (const resource of copy.resourceMetrics)
    for (const scope of resource.scopeMetrics)
      for (const metric of scope.metrics) for (const point of metric.histogram?.dataPoints ?? []) point.exemplars = [];
  return copy;
}

const nanos = (ms: number) => (BigInt(ms) * 1_000_000n).toString();

interface PlainExemplar {
  traceId: string;
  spanId: string;
  asDouble: number;
  timeUnixNano: string;
}

/** What the histograms recorded, per histogram data point in request order, as OTLP exemplars with hex ids. */
function recordedExemplars(metrics: ResourceMetrics): PlainExemplar[][] {
  const all: PlainExemplar[][] = [];
  for (const scope of metrics.scopeMetrics)
    for (const metric of scope.metrics) {
      if (metric.dataPointType !== DataPointType.HISTOGRAM) continue;
      for (const point of metric.dataPoints as HistogramDataPointWithExemplars[])
        all.push(
          (point.bucketExemplars ?? [])
            .filter((e) => e !== undefined)
            .map((e) => ({
              traceId: e.traceId,
              spanId: e.spanId,
              asDouble: e.value,
              timeUnixNano: nanos(e.timeUnixMs),
            })),
        );
    }
  return all;
}

describe("OTLP metric requests carry the fast histograms' exemplars", () => {
  test("protobuf: the SDK's request unchanged, plus the sampled exemplars per bucket", async () => {
    const metrics = await collected();
    const sdk = decode(ProtobufMetricsSerializer.serializeRequest(metrics) as Uint8Array);
    const ours = decode(
      withExemplars(ProtobufMetricsSerializer, addProtobufExemplars).serializeRequest(metrics) as Uint8Array,
    );

    expect(withoutExemplars(ours)).toEqual(sdk);
    const found = exemplarsByPoint(ours);
    const fibKey = [...found.keys()].find((k) => k.includes("/fib/:n")) as string;
    const fib = found.get(fibKey) as DecodedExemplar[];
    expect(fib.map((e) => [hex(e.traceId), hex(e.spanId), e.asDouble])).toEqual([
      [SAMPLED, "00f067aa0ba902b7", 0.003],
      [OTHER_SAMPLED, "b7ad6b7169203331", 0.2],
    ]);
    for (const e of fib) {
      expect(e.filteredAttributes).toEqual([]);
      expect(Math.abs(Number(BigInt(e.timeUnixNano) / 1_000_000n) - Date.now())).toBeLessThan(60_000);
    }
    const clientKey = [...found.keys()].find((k) => k.startsWith("http.client")) as string;
    expect((found.get(clientKey) as DecodedExemplar[]).map((e) => [hex(e.traceId), hex(e.spanId), e.asDouble])).toEqual(
      [[SAMPLED, "53995c3f42cd8ad8", 0.02]],
    );
    const sent = [...found.values()].map((list) =>
      list.map((e) => ({
        traceId: hex(e.traceId),
        spanId: hex(e.spanId),
        asDouble: e.asDouble,
        timeUnixNano: e.timeUnixNano,
      })),
    );
    expect(sent).toEqual(recordedExemplars(metrics));
    // The SDK's histogram, the unsampled-only series and the untraced one carry none.
    expect([...found.values()].filter((list) => list.length === 0).length).toBe(3);
    expect(JSON.stringify(ours)).not.toContain(Buffer.from(UNSAMPLED, "hex").toString("base64"));
  });

  test("JSON: the SDK's request unchanged, plus the same exemplars as protobuf (hex ids)", async () => {
    const metrics = await collected();
    const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
    const sdk = JSON.parse(text(JsonMetricsSerializer.serializeRequest(metrics)));
    const ours = JSON.parse(text(withExemplars(JsonMetricsSerializer, addJsonExemplars).serializeRequest(metrics)));
    expect(text(withExemplars(JsonMetricsSerializer, addJsonExemplars).serializeRequest(metrics))).not.toContain(
      UNSAMPLED,
    );

    const stripped = structuredClone(ours);
    let withExemplarCount = 0;
    for (const resource of stripped.resourceMetrics)
      for (const scope of resource.scopeMetrics)
        for (const metric of scope.metrics)
          for (const point of metric.histogram?.dataPoints ?? []) {
            if (point.exemplars) withExemplarCount++;
            for (const e of point.exemplars ?? []) {
              expect(e.traceId).toMatch(/^[0-9a-f]{32}$/);
              expect(e.spanId).toMatch(/^[0-9a-f]{16}$/);
              // OTLP/JSON ids are hex; protobufjs reads bytes from base64.
              e.traceId = Buffer.from(e.traceId, "hex").toString("base64");
              e.spanId = Buffer.from(e.spanId, "hex").toString("base64");
            }
          }
    expect(withExemplarCount).toBe(2);
    const viaProto = Request.toObject(Request.fromObject(stripped), OBJECT_OPTIONS) as DecodedRequest;
    const protobufRequest = decode(
      withExemplars(ProtobufMetricsSerializer, addProtobufExemplars).serializeRequest(metrics) as Uint8Array,
    );
    expect(exemplarsByPoint(viaProto)).toEqual(exemplarsByPoint(protobufRequest));

    for (const resource of ours.resourceMetrics)
      for (const scope of resource.scopeMetrics)
        for (const metric of scope.metrics)
          for (const point of metric.histogram?.dataPoints ?? []) delete point.exemplars;
    expect(ours).toEqual(sdk);
  });

  test("without a sampled recording the SDK's bytes are sent as they are", async () => {
    const reader = new CollectingReader({
      metricProducers: [
        new FastHistogramProducer({ name: "twinbin", version: "1" }, [new FastHistogram("h", "", "s", [1], ["k"])]),
      ],
    });
    new MeterProvider({ readers: [reader] });
    const { resourceMetrics } = await reader.collect();
    const sdk = ProtobufMetricsSerializer.serializeRequest(resourceMetrics) as Uint8Array;
    expect(addProtobufExemplars(sdk, resourceMetrics)).toBe(sdk);
  });
});
