import { describe, expect, test } from "bun:test";
import { type AnyValue, context, SeverityNumber, TraceFlags, trace } from "@opentelemetry/api";
import { ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { LoggerProvider, type LogRecordProcessor, type ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { EVERY_ATTRIBUTE_TYPE, loadOtlpProto } from "../../../tests/support/otlp-proto";
import { OtlpLogEncoder } from "./log-encoder";

// The official OTLP definitions, from the npm registry (see tests/support/otlp-proto.ts).
const root = loadOtlpProto("opentelemetry/proto/collector/logs/v1/logs_service.proto");
const Request = root.lookupType("opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest");

const decode = (bytes: Uint8Array) =>
  Request.toObject(Request.decode(bytes), { longs: String, bytes: String, defaults: true, arrays: true });

function recordsUnderTest(): ReadableLogRecord[] {
  const emitted: ReadableLogRecord[] = [];
  const collect: LogRecordProcessor = {
    onEmit: (record) => {
      emitted.push(record);
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": "encoder-test", "process.pid": 1234, "host.arch": "amd64" }),
    logRecordLimits: { attributeCountLimit: 24 },
    processors: [collect],
  });
  const logger = provider.getLogger("twinbin", "1.2.3");
  const other = provider.getLogger("other-scope");
  const sampled = trace.setSpanContext(context.active(), {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: TraceFlags.SAMPLED,
  });
  const unsampled = trace.setSpanContext(context.active(), {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4737",
    spanId: "00f067aa0ba902b8",
    traceFlags: TraceFlags.NONE,
  });

  const attributes: Record<string, AnyValue> = { ...EVERY_ATTRIBUTE_TYPE };
  for (let i = 0; i < 10; i++) attributes[`extra.${i}`] = i; // over the limit: dropped and counted
  logger.emit({
    severityNumber: SeverityNumber.INFO,
    severityText: "INFO",
    body: "request",
    timestamp: new Date("2026-12-01T10:00:00.123Z"),
    attributes,
    context: sampled,
  });
  logger.emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: "ERROR",
    body: { message: "nested body", code: 502, details: { retry: false, hosts: ["a", "b"] } },
    eventName: "upstream.failure",
    attributes: { "a.map": { inner: "value", count: 2 }, "a.bytes": new Uint8Array([0, 1, 255]) },
    context: unsampled,
  });
  logger.emit({ body: 42 }); // no severity, no trace, no attributes
  logger.emit({ severityNumber: SeverityNumber.WARN, body: "" });
  other.emit({ severityText: "DEBUG", body: new Uint8Array([7]) });
  other.emit({ body: 2.5, attributes: {} });
  return emitted;
}

describe("OTLP protobuf log encoder", () => {
  const records = recordsUnderTest();

  test("decodes to exactly what the SDK's serializer writes, field by field", () => {
    const ours = decode(new OtlpLogEncoder().encode(records));
    const sdk = decode(ProtobufLogsSerializer.serializeRequest(records) as Uint8Array);
    expect(ours).toEqual(sdk);

    // The comparison covers what it claims to: every part is present in the decoded request.
    const resourceLogs = ours.resourceLogs as {
      resource: { attributes: unknown[] };
      scopeLogs: { scope: { name: string; version: string }; logRecords: Record<string, unknown>[] }[];
    }[];
    expect(resourceLogs).toHaveLength(1);
    const [first] = resourceLogs;
    expect(first?.resource.attributes).toHaveLength(3);
    expect(first?.scopeLogs.map((s) => [s.scope.name, s.scope.version, s.logRecords.length])).toEqual([
      ["twinbin", "1.2.3", 4],
      ["other-scope", "", 2],
    ]);
    const [request, failure] = (first?.scopeLogs[0]?.logRecords ?? []) as Record<string, unknown>[];
    if (!request || !failure) throw new Error("two records in the first scope");
    expect(request.droppedAttributesCount).toBe(Object.keys(EVERY_ATTRIBUTE_TYPE).length + 10 - 24);
    expect(request.flags).toBe(1);
    expect(request.traceId).not.toBe("");
    expect(request.timeUnixNano).toBe("1796119200123000000");
    expect(failure.eventName).toBe("upstream.failure");
    expect(failure.flags).toBe(0);
    expect((failure.body as { kvlistValue: { values: unknown[] } }).kvlistValue.values).toHaveLength(3);
  });

  test("the reused buffer gives the same bytes on every call, and grows for large batches", () => {
    const encoder = new OtlpLogEncoder();
    const once = encoder.encode(records).slice();
    const many = Array.from({ length: 600 }, () => records).flat();
    const big = decode(encoder.encode(many));
    const scopes = (big.resourceLogs as { scopeLogs: { logRecords: unknown[] }[] }[])[0]?.scopeLogs;
    expect(scopes?.map((s) => s.logRecords.length)).toEqual([2400, 1200]);
    expect(encoder.encode(records)).toEqual(once);
  });

  test("an empty batch is an empty request", () => {
    expect(new OtlpLogEncoder().encode([])).toHaveLength(0);
  });
});
