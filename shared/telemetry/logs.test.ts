import { describe, expect, test } from "bun:test";
import { context, ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { loadOtlpProto } from "../../tests/support/otlp-proto";
import { startLogs } from "./logs";
import { serviceResource } from "./resource";
import { parseTelemetrySettings } from "./settings";

const root = loadOtlpProto("opentelemetry/proto/collector/logs/v1/logs_service.proto");
const Request = root.lookupType("opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest");
const bodiesIn = (bytes: Uint8Array): string[] => {
  const request = Request.toObject(Request.decode(bytes)) as {
    resourceLogs?: { scopeLogs?: { logRecords?: { body?: { stringValue?: string } }[] }[] }[];
  };
  return (request.resourceLogs ?? []).flatMap((r) =>
    (r.scopeLogs ?? []).flatMap((s) => (s.logRecords ?? []).map((l) => l.body?.stringValue ?? "")),
  );
};

describe("OTLP log export (http/protobuf)", () => {
  test("records reach the collector; an outage is logged once, the recovery once, outside any request, headers never", async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    let refusing = true;
    const received: string[] = [];
    const collector = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (request) => {
        const body = new Uint8Array(await request.arrayBuffer());
        if (refusing) return new Response("no", { status: 400 });
        if (new URL(request.url).pathname === "/v1/logs") received.push(...bodiesIn(body));
        return new Response(new Uint8Array());
      },
    });
    const lines: [string, string, Record<string, unknown>][] = [];
    // The trace each status line would carry: a record filling a batch is written inside a request.
    const tracesLogged: (string | undefined)[] = [];
    const record = (level: string) => (fields: Record<string, unknown>, message: string) => {
      lines.push([level, message, fields]);
      tracesLogged.push(trace.getSpanContext(context.active())?.traceId);
    };
    const log = { warn: record("warn"), info: record("info") };
    const request = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.SAMPLED,
    });
    const settings = parseTelemetrySettings(
      {
        OTEL_LOGS_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`,
        OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer secret-token",
        OTEL_BLRP_SCHEDULE_DELAY: "10",
        OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: "4",
        OTEL_METRICS_EXPORTER: "none",
      },
      "test",
    );
    const logs = startLogs(settings, serviceResource("test", "0.0.0", "test"), () => log);
    if (!logs) throw new Error("OTLP log export is on");
    const write = (msg: string) =>
      context.with(request, () => logs.sink.write(`${JSON.stringify({ level: "info", time: new Date(), msg })}\n`));
    try {
      for (let i = 0; i < 20 && lines.length === 0; i++) {
        write(`while refused ${i}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (let i = 0; i < 5; i++) {
        write(`still refused ${i}`);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      expect(lines.map(([level, message]) => [level, message])).toEqual([
        ["warn", "log export failing: log records are dropped until the collector answers again"],
      ]);
      expect(lines[0]?.[2]).toEqual({ endpoint: `http://127.0.0.1:${collector.port}/v1/logs`, error: "HTTP 400" });

      refusing = false;
      for (let i = 0; i < 40 && !received.includes("after recovery"); i++) {
        write("after recovery");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(received).toContain("after recovery");
      expect(lines.map(([level, message]) => [level, message])).toEqual([
        ["warn", "log export failing: log records are dropped until the collector answers again"],
        ["info", "log export recovered"],
      ]);
      expect(tracesLogged).toEqual([undefined, undefined]);
      expect(JSON.stringify(lines)).not.toContain("secret-token");
    } finally {
      await logs.provider.shutdown();
      await collector.stop(true);
      context.disable();
    }
  });
});
