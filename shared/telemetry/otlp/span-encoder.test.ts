import { describe, expect, test } from "bun:test";
import { context, SpanKind, SpanStatusCode, TraceFlags, trace } from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace";
import { TracerProvider } from "@opentelemetry/sdk-trace";
import { EVERY_ATTRIBUTE_TYPE, loadOtlpProto } from "../../../tests/support/otlp-proto";
import { OtlpSpanEncoder } from "./span-encoder";

// The official OTLP definitions, from the npm registry (see tests/support/otlp-proto.ts).
const root = loadOtlpProto("opentelemetry/proto/collector/trace/v1/trace_service.proto");
const Request = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");

const decode = (bytes: Uint8Array) =>
  Request.toObject(Request.decode(bytes), { longs: String, bytes: String, defaults: true, arrays: true });

function spansUnderTest(): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const collect: SpanProcessor = {
    onStart: () => {},
    onEnd: (span) => ended.push(span),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "encoder-test", "process.pid": 1234, "host.arch": "amd64" }),
    spanLimits: { attributeCountLimit: 24, eventCountLimit: 3, linkCountLimit: 2 },
    spanProcessors: [collect],
  });
  const tracer = provider.getTracer("twinbin", "1.2.3");
  const other = provider.getTracer("other-scope");

  const remote = trace.setSpanContext(context.active(), {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState("vendor=value,other=1"),
  });
  const server = tracer.startSpan("GET /fib/:n", { kind: SpanKind.SERVER, attributes: EVERY_ATTRIBUTE_TYPE }, remote);
  for (let i = 0; i < 10; i++) server.setAttribute(`extra.${i}`, i); // over the limit: dropped and counted
  server.addEvent("cache miss", { "cache.key": "fib:10", "cache.size": 3 });
  server.addEvent("no attributes");
  server.recordException(new TypeError("bad input ✗"));
  server.addEvent("over the limit 1");
  server.addEvent("over the limit 2");
  server.setStatus({ code: SpanStatusCode.ERROR, message: "upstream failed" });
  server.end();

  const child = tracer.startSpan(
    "fibonacci",
    {
      kind: SpanKind.INTERNAL,
      links: [
        { context: { traceId: "4bf92f3577b34da6a3ce929d0e0e4737", spanId: "00f067aa0ba902b8", traceFlags: 1 } },
        { context: { traceId: "4bf92f3577b34da6a3ce929d0e0e4738", spanId: "00f067aa0ba902b9", traceFlags: 1 } },
        {
          context: {
            traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
            spanId: "00f067aa0ba902b7",
            traceFlags: TraceFlags.NONE,
            isRemote: true,
            traceState: new TraceState("k=v"),
          },
          attributes: { "link.reason": "follows", "link.n": 2 },
        },
      ],
    },
    trace.setSpan(context.active(), server),
  );
  child.setStatus({ code: SpanStatusCode.OK });
  child.end();

  for (const kind of [SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER]) {
    other.startSpan(`kind ${kind}`, { kind }).end();
  }
  return ended;
}

describe("OTLP protobuf span encoder", () => {
  const spans = spansUnderTest();

  test("decodes to exactly what the SDK's serializer writes, field by field", () => {
    const ours = decode(new OtlpSpanEncoder().encode(spans));
    const sdk = decode(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
    expect(ours).toEqual(sdk);

    // The comparison covers what it claims to: every part is present in the decoded request.
    const resourceSpans = ours.resourceSpans as {
      resource: { attributes: unknown[] };
      scopeSpans: { scope: { name: string; version: string }; spans: Record<string, unknown>[] }[];
    }[];
    expect(resourceSpans).toHaveLength(1);
    const [first] = resourceSpans;
    expect(first?.resource.attributes).toHaveLength(3);
    expect(first?.scopeSpans.map((s) => [s.scope.name, s.scope.version, s.spans.length])).toEqual([
      ["twinbin", "1.2.3", 2],
      ["other-scope", "", 3],
    ]);
    const [server, child] = (first?.scopeSpans[0]?.spans ?? []) as Record<string, unknown>[] & { length: 2 };
    if (!server || !child) throw new Error("two spans in the first scope");
    expect(server.droppedAttributesCount).toBe(Object.keys(EVERY_ATTRIBUTE_TYPE).length + 10 - 24);
    expect(server.droppedEventsCount).toBe(2);
    expect(server.traceState).toBe("vendor=value,other=1");
    expect(server.flags).toBe(0x301); // sampled, parent is remote
    expect((server.events as unknown[]).length).toBe(3);
    expect((server.status as { message: string }).message).toBe("upstream failed");
    expect(child.droppedLinksCount).toBe(1);
    expect((child.links as { traceState: string }[]).map((l) => l.traceState)).toContain("k=v");
  });

  test("the reused buffer gives the same bytes on every call, and grows for large batches", () => {
    const encoder = new OtlpSpanEncoder();
    const once = encoder.encode(spans).slice();
    const many = Array.from({ length: 600 }, () => spans).flat();
    const big = decode(encoder.encode(many));
    expect((big.resourceSpans as { scopeSpans: { spans: unknown[] }[] }[])[0]?.scopeSpans[0]?.spans).toHaveLength(1200);
    expect(encoder.encode(spans)).toEqual(once);
  });

  test("an empty batch is an empty request", () => {
    expect(new OtlpSpanEncoder().encode([])).toHaveLength(0);
  });
});
