import { type Context, logs, SeverityNumber } from "@opentelemetry/api";
import { OTLPLogExporter as OTLPJsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import type { Resource } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { type ExportStatusLog, HttpProtobufLogExporter } from "./otlp/http-exporter";
import type { TelemetrySettings } from "./settings";

const SEVERITY: Record<string, SeverityNumber> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

// Loaded by ./logs only when OTEL_LOGS_EXPORTER=otlp: the logs SDK and its exporters stay out of start-up otherwise.

export interface LogsPipeline {
  provider: LoggerProvider;
  /** One log record from one printed JSON line, in the context (trace) it was written in. */
  emit(line: string, context: Context): void;
}

/**
 * OTLP log export (OTEL_LOGS_EXPORTER=otlp). Lines keep going to stdout; this sink sees the same redacted JSON, so
 * what reaches the collector is exactly what the service printed, with the trace context of the request.
 * http/protobuf: twinbin's encoder posting with fetch (as for spans); http/json: the SDK's exporter.
 */
export function startLogsPipeline(
  settings: TelemetrySettings,
  resource: Resource,
  otlp: NonNullable<TelemetrySettings["logs"]["otlp"]>,
  log: () => ExportStatusLog | undefined = () => undefined,
): LogsPipeline {
  const { url, headers } = otlp;
  const exporter =
    otlp.protocol === "http/json"
      ? new OTLPJsonLogExporter({ url, headers })
      : new HttpProtobufLogExporter({ url, headers, timeoutMillis: settings.logs.batch.exportTimeoutMillis, log });
  const provider = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({ exporter, ...settings.logs.batch })],
  });
  logs.setGlobalLoggerProvider(provider);
  const logger = provider.getLogger("twinbin");

  return {
    provider,
    emit(line, context) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      const { level, msg, time, trace_id: _t, span_id: _s, ...attributes } = record;
      const label = String(level);
      logger.emit({
        severityNumber: SEVERITY[label] ?? SeverityNumber.UNSPECIFIED,
        severityText: label.toUpperCase(),
        body: typeof msg === "string" ? msg : "",
        timestamp: typeof time === "string" ? new Date(time) : new Date(),
        attributes: attributes as Record<string, string>,
        context,
      });
    },
  };
}
