// What OTLP log export (OTEL_LOGS_EXPORTER=otlp) costs per access line inside one process, piece by piece: parsing
// the printed JSON line back, then the logs SDK's record and batch processor with an exporter that discards, then
// the same with the SDK's protobuf serializer or twinbin's encoder run on every batch (nothing sent), and twinbin's
// pipeline as the services run it (shared/telemetry/logs-pipeline.ts: OTLP protobuf over HTTP to a local sink). CPU µs per line,
// median of interleaved rounds.
// Usage: npm run bench:log-export-cost [-- --rounds 7]
import { parseArgs } from "node:util";
import { context, SeverityNumber } from "@opentelemetry/api";
import { ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer";
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from "@opentelemetry/sdk-logs";
import { startLogsPipeline } from "../shared/telemetry/logs-pipeline";
import { OtlpLogEncoder } from "../shared/telemetry/otlp/log-encoder";
import { serviceResource } from "../shared/telemetry/resource";
import { parseTelemetrySettings } from "../shared/telemetry/settings";
import { median, startSink } from "./lib";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "7" } } });
const LINES = 100_000;
const line = JSON.stringify({
  level: "info",
  time: new Date().toISOString(),
  service: "first",
  trace_id: "0af7651916cd43dd8448eb211c80319c",
  span_id: "b7ad6b7169203331",
  method: "GET",
  route: "/fib/:n",
  status: 200,
  duration_ms: 0.42,
  msg: "request",
});
const resource = serviceResource("first", "0.1.0", "dev");
const sink = startSink();
const settings = parseTelemetrySettings(
  { OTEL_LOGS_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_METRICS_EXPORTER: "none" },
  "first",
);
const otlp = settings.logs.otlp;
if (!otlp) throw new Error("OTLP log export did not turn on");

type Emit = (line: string) => void;
interface Variant {
  start(): { emit: Emit; flush(): Promise<void> };
}

const encoder = new OtlpLogEncoder();
const exporter = (encode?: (records: ReadableLogRecord[]) => unknown): LogRecordExporter => ({
  export(records, done) {
    encode?.(records);
    done({ code: 0 });
  },
  shutdown: async () => {},
  forceFlush: async () => {},
});

/** The SDK's logs pipeline fed the way logs-pipeline.ts feeds it, with `exporting` at the end. */
const sdkWith =
  (exporting: LogRecordExporter): Variant["start"] =>
  () => {
    const provider = new LoggerProvider({
      resource,
      processors: [new BatchLogRecordProcessor({ exporter: exporting, ...settings.logs.batch })],
    });
    const logger = provider.getLogger("twinbin");
    return {
      emit(text) {
        const { level, msg, time, trace_id: _t, span_id: _s, ...attributes } = JSON.parse(text);
        logger.emit({
          severityNumber: SeverityNumber.INFO,
          severityText: String(level).toUpperCase(),
          body: msg,
          timestamp: new Date(time),
          attributes,
          context: context.active(),
        });
      },
      flush: () => provider.shutdown(),
    };
  };

let parsed = 0;
const variants: Record<string, Variant> = {
  "parse the JSON line": {
    start: () => ({
      emit(text) {
        parsed += Object.keys(JSON.parse(text)).length;
      },
      flush: async () => {},
    }),
  },
  "+ SDK log record and batch processor (exporter discards)": { start: sdkWith(exporter()) },
  "+ the SDK's protobuf serializer (nothing sent)": {
    start: sdkWith(exporter((records) => ProtobufLogsSerializer.serializeRequest(records))),
  },
  "+ twinbin's encoder (nothing sent)": { start: sdkWith(exporter((records) => encoder.encode(records))) },
  "twinbin's pipeline: OTLP protobuf over HTTP to a local sink": {
    start() {
      const pipeline = startLogsPipeline(settings, resource, otlp);
      return { emit: (text) => pipeline.emit(text, context.active()), flush: () => pipeline.provider.shutdown() };
    },
  },
};

async function microsPerLine(variant: Variant): Promise<number> {
  const { emit, flush } = variant.start();
  const before = process.cpuUsage();
  for (let i = 0; i < LINES; i++) {
    emit(line);
    // Let batches go out as they would between requests.
    if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
  }
  await flush();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / LINES;
}

const results = new Map<string, number[]>();
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, variant] of Object.entries(variants)) {
    results.set(name, [...(results.get(name) ?? []), await microsPerLine(variant)]);
  }
}
sink.stop();

console.log(`CPU µs per log line, ${LINES} lines per round, median of ${values.rounds} interleaved rounds.\n`);
console.log("| variant | µs per line | min–max |\n|---|---:|---:|");
for (const [name, xs] of results) {
  const sorted = [...xs].sort((a, b) => a - b);
  console.log(
    `| ${name} | ${median(xs).toFixed(2)} | ${sorted[0]?.toFixed(2)}–${sorted[sorted.length - 1]?.toFixed(2)} |`,
  );
}
if (parsed === 0) throw new Error("nothing parsed");
