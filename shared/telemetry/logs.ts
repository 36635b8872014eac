import { context, logs, SeverityNumber } from "@opentelemetry/api";
import { OTLPLogExporter as OTLPJsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as OTLPProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import type { Resource } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import type { TelemetrySettings } from "./settings";

const SEVERITY: Record<string, SeverityNumber> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

/** A pino destination that also turns each (already redacted) JSON line into an OTLP log record. */
export interface LogLineSink {
  write(line: string): void;
}

export interface LogsPipeline {
  provider: LoggerProvider;
  sink: LogLineSink;
}

/**
 * OTLP log export (OTEL_LOGS_EXPORTER=otlp). Lines keep going to stdout; this sink sees the same redacted JSON, so
 * what reaches the collector is exactly what the service printed, with the trace context of the request.
 */
export function startLogs(settings: TelemetrySettings, resource: Resource): LogsPipeline | undefined {
  const otlp = settings.logs.otlp;
  if (!otlp) return undefined;
  const config = { url: otlp.url, headers: otlp.headers };
  const exporter = otlp.protocol === "http/json" ? new OTLPJsonLogExporter(config) : new OTLPProtoLogExporter(config);
  const provider = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({ exporter, ...settings.logs.batch })],
  });
  logs.setGlobalLoggerProvider(provider);
  const logger = provider.getLogger("twinbin");

  return {
    provider,
    sink: {
      write(line) {
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
          context: context.active(),
        });
      },
    },
  };
}
