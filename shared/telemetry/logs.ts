import { type Context, context } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { LogsPipeline } from "./logs-pipeline";
import type { ExportStatusLog } from "./otlp/http-exporter";
import type { TelemetrySettings } from "./settings";

/** A pino destination that also turns each (already redacted) JSON line into an OTLP log record. */
export interface LogLineSink {
  write(line: string): void;
}

export interface LogsExport {
  provider: { shutdown(): Promise<void> };
  sink: LogLineSink;
}

/** Lines written while the pipeline loads (a few milliseconds at start-up) wait for it, up to this many. */
const MAX_WAITING_LINES = 1000;

/**
 * OTLP log export (OTEL_LOGS_EXPORTER=otlp). Lines keep going to stdout; this sink sees the same redacted JSON, so
 * what reaches the collector is exactly what the service printed, with the trace context of the request. The logs
 * SDK and exporters load only when this export is on.
 */
export function startLogs(
  settings: TelemetrySettings,
  resource: Resource,
  /** Where an outage of the collector is reported (once, and once when it is over). */
  log: () => ExportStatusLog | undefined = () => undefined,
): LogsExport | undefined {
  const otlp = settings.logs.otlp;
  if (!otlp) return undefined;
  let pipeline: LogsPipeline | undefined;
  let waiting: [string, Context][] = [];
  const loading = import("./logs-pipeline").then(({ startLogsPipeline }) => {
    const started = startLogsPipeline(settings, resource, otlp, log);
    for (const [line, context] of waiting) started.emit(line, context);
    waiting = [];
    pipeline = started;
    return started;
  });
  return {
    provider: { shutdown: () => loading.then((p) => p.provider.shutdown()) },
    sink: {
      write(line) {
        if (pipeline) pipeline.emit(line, context.active());
        else if (waiting.length < MAX_WAITING_LINES) waiting.push([line, context.active()]);
      },
    },
  };
}
